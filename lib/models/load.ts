/**
 * Loading a checkpoint whatever architecture it holds: from a path or the
 * file's bytes (loadModel), or also from a stream, with the file's I/O off
 * the event loop (loadModelAsync).
 */
import fs from 'node:fs/promises';

import { pathArg } from '../io/safetensors';
import { invalidType, invalidValue, type KeySet, optionsObjectArg, positiveIntegerArg } from '../validate';
import { decodeCheckpoint, readCheckpoint, type Checkpoint } from './checkpoint';
import { FullyConnectedNet } from './fully-connected-net';
import { Sequential } from './sequential';
import { StandaloneTwoLayerNet } from './standalone-two-layer-net';
import { ThreeLayerConvNet } from './three-layer-conv-net';
import { TwoLayerNet } from './two-layer-net';

const BUILDERS = {
  Sequential: Sequential.fromCheckpoint,
  TwoLayerNet: TwoLayerNet.fromCheckpoint,
  FullyConnectedNet: FullyConnectedNet.fromCheckpoint,
  ThreeLayerConvNet: ThreeLayerConvNet.fromCheckpoint,
  StandaloneTwoLayerNet: StandaloneTwoLayerNet.fromCheckpoint,
} as const;

/** Any model a checkpoint can hold. */
export type LoadedModel = Sequential | StandaloneTwoLayerNet;

/** What errors call bytes that came without a file name. */
export const BYTES_SOURCE = 'model bytes';

/** Whether a value is a stream of chunks (a Node Readable, a web ReadableStream). */
export function isStream(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/**
 * Loads a model saved by any nndl model's `save` (or `toBuffer`), as the
 * class its metadata names, with its preprocessing when the file has it.
 * @param source a file path or the file's bytes (a Buffer or Uint8Array):
 *   the model; or a stream of the bytes (a Node Readable, a web
 *   ReadableStream), which can only be read asynchronously: a promise of
 *   the model, as loadModelAsync gives
 */
export function loadModel(source: string | Uint8Array): LoadedModel;
export function loadModel(source: AsyncIterable<Uint8Array>, options?: LoadAsyncOptions): Promise<LoadedModel>;
export function loadModel(source: unknown, options?: LoadAsyncOptions): LoadedModel | Promise<LoadedModel> {
  const fn = 'loadModel';
  if (typeof source === 'string') return modelFromCheckpoint(source, readCheckpoint(source));
  if (source instanceof Uint8Array) return modelFromCheckpoint(BYTES_SOURCE, decodeCheckpoint(source, BYTES_SOURCE));
  if (isStream(source)) return loadModelAsync(source as AsyncIterable<Uint8Array>, options);
  throw invalidType(fn, 'source', 'a file path, a Buffer, a Uint8Array or a stream', source);
}

/** Builds the model a checkpoint holds, as the class it names; `source` names it in errors. */
export function modelFromCheckpoint(source: string, checkpoint: Checkpoint): LoadedModel {
  const { architecture } = checkpoint;
  if (!Object.prototype.hasOwnProperty.call(BUILDERS, architecture)) {
    throw new Error(`${source}: unknown architecture ${architecture}; this nndl knows ${Object.keys(BUILDERS).join(', ')}`);
  }
  return BUILDERS[architecture as keyof typeof BUILDERS](source, checkpoint);
}

export interface LoadAsyncOptions {
  /** The most bytes read from a stream before it is refused (default 4 GiB, the largest Buffer). */
  maxBytes?: number;
}

/** The keys of LoadAsyncOptions, checked against the type: an unknown key is an error. */
const LOAD_ASYNC_OPTIONS = { maxBytes: true } as const satisfies KeySet<LoadAsyncOptions>;

/** Every chunk of a stream, up to maxBytes, as one Buffer. */
async function readStream(fn: string, stream: AsyncIterable<unknown>, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (!(chunk instanceof Uint8Array)) throw invalidType(fn, 'a chunk of source', 'bytes (a Buffer or Uint8Array; no encoding set on the stream)', chunk);
    size += chunk.length;
    if (size > maxBytes) throw invalidValue(fn, 'source', `a stream of at most ${maxBytes} bytes (options.maxBytes)`, `a stream of more than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Loads a model as loadModel does, from a path (read off the event loop),
 * the file's bytes, or a stream of them (a Node Readable or a web ReadableStream).
 */
export async function loadModelAsync(source: string | Uint8Array | AsyncIterable<Uint8Array>, options: LoadAsyncOptions = {}): Promise<LoadedModel> {
  const fn = 'loadModelAsync';
  const o = optionsObjectArg(fn, 'options', options, LOAD_ASYNC_OPTIONS);
  const maxBytes = positiveIntegerArg(fn, 'options.maxBytes', o.maxBytes ?? 2 ** 32);
  if (typeof source === 'string') {
    // Regular files only: a FIFO or a device would never end.
    if (!(await fs.stat(pathArg(fn, source, 'source'))).isFile()) throw new Error(`${fn}: ${source} is not a regular file`);
    return modelFromCheckpoint(source, decodeCheckpoint(await fs.readFile(source), source));
  }
  if (source instanceof Uint8Array) return modelFromCheckpoint(BYTES_SOURCE, decodeCheckpoint(source, BYTES_SOURCE));
  if (isStream(source)) return modelFromCheckpoint(BYTES_SOURCE, decodeCheckpoint(await readStream(fn, source, maxBytes), BYTES_SOURCE));
  throw invalidType(fn, 'source', 'a file path, a Buffer, a Uint8Array or a stream', source);
}
