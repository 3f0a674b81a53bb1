/**
 * Models saved as safetensors: parameters and buffers as tensors, the
 * architecture and its hyper-parameters in `__metadata__` (`format: nndl`,
 * `architecture`, `config` as JSON), so the file also opens in Python.
 */
import { encodeSafetensors, readSafetensors, writeSafetensors } from '../io/safetensors';
import type { Tensor } from '../tensor';
import type { Checkpointable } from './model';

/** Buffer names are prefixed so they never collide with parameter names. */
const BUFFER_PREFIX = 'buffer.';

/** The tensors and metadata a checkpoint of the model holds. */
function contents(model: Checkpointable, extraMetadata: Record<string, string>): [Record<string, Tensor>, Record<string, string>] {
  const tensors: Record<string, Tensor> = { ...model.params };
  for (const [name, t] of Object.entries(model.buffers())) tensors[BUFFER_PREFIX + name] = t;
  return [tensors, { ...extraMetadata, format: 'nndl', architecture: model.architecture, config: JSON.stringify(model.config()) }];
}

/** Saves the model's parameters, buffers and config to `file`, atomically. */
export function saveModel(model: Checkpointable, file: string, extraMetadata: Record<string, string> = {}): void {
  writeSafetensors(file, ...contents(model, extraMetadata));
}

/** The bytes saveModel would write: a model file held in memory (to send it elsewhere). */
export function encodeModel(model: Checkpointable, extraMetadata: Record<string, string> = {}): Buffer {
  return encodeSafetensors(...contents(model, extraMetadata));
}

export interface Checkpoint {
  architecture: string;
  config: Record<string, unknown>;
  params: Record<string, Tensor>;
  buffers: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Reads a model checkpoint, checking that it is one and, when given, that it holds `expected`. */
export function readCheckpoint(file: string, expected?: string): Checkpoint {
  const { tensors, metadata } = readSafetensors(file);
  if (metadata.format !== 'nndl' || typeof metadata.architecture !== 'string' || metadata.config === undefined) {
    throw new Error(`${file}: a safetensors file, but not an nndl model (no format/architecture/config metadata)`);
  }
  if (expected !== undefined && metadata.architecture !== expected) {
    throw new Error(`${file}: holds a ${metadata.architecture}, not a ${expected}`);
  }
  let config: unknown;
  try {
    config = JSON.parse(metadata.config);
  } catch {
    throw new Error(`${file}: the config metadata is not valid JSON`);
  }
  if (typeof config !== 'object' || config === null) throw new Error(`${file}: the config metadata is not an object`);
  const params: Record<string, Tensor> = {};
  const buffers: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith(BUFFER_PREFIX)) buffers[name.slice(BUFFER_PREFIX.length)] = t;
    else params[name] = t;
  }
  return { architecture: metadata.architecture, config: config as Record<string, unknown>, params, buffers, metadata };
}

/**
 * Copies a checkpoint's tensors into a freshly built model's, checking that
 * the names, shapes and dtypes are exactly the model's.
 */
export function restoreTensors(file: string, kind: string, into: Record<string, Tensor>, from: Record<string, Tensor>): void {
  const want = Object.keys(into).sort();
  const have = Object.keys(from).sort();
  if (want.join() !== have.join()) {
    throw new Error(`${file}: ${kind} [${have.join(', ')}] do not match the architecture's [${want.join(', ')}]`);
  }
  for (const name of want) {
    const a = into[name];
    const b = from[name];
    if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) {
      throw new Error(`${file}: ${name} is ${b.dtype} [${b.shape.join(', ')}] but the architecture needs ${a.dtype} [${a.shape.join(', ')}]`);
    }
    a.data.set(b.data);
  }
}
