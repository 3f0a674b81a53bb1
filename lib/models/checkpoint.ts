/**
 * Models saved as safetensors: parameters and buffers as tensors, the
 * architecture and its hyper-parameters in `__metadata__` (`format: nndl`,
 * `architecture`, `config` as JSON), so the file also opens in Python. A
 * model with preprocessing also keeps its mean image as the float64 tensor
 * `preprocessing.meanImage` and the rest as JSON in `preprocessing` (see
 * preprocessing.ts); files without them are models without preprocessing.
 */
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors, type SafetensorsContents } from '../io/safetensors';
import { Tensor } from '../tensor';
import type { Checkpointable } from './model';
import {
  preprocessingArg, preprocessingFromMetadata, preprocessingMetadata, type ResolvedPreprocessing,
} from './preprocessing';

/** Buffer names are prefixed so they never collide with parameter names. */
const BUFFER_PREFIX = 'buffer.';
/** The tensor of the preprocessing's mean image. */
const MEAN_IMAGE = 'preprocessing.meanImage';

/** The tensors and metadata of a model's file. */
export function checkpointContents(model: Checkpointable, extraMetadata: Record<string, string> = {}): SafetensorsContents {
  const tensors: Record<string, Tensor> = { ...model.params };
  for (const [name, t] of Object.entries(model.buffers())) tensors[BUFFER_PREFIX + name] = t;
  const config = model.config();
  const metadata: Record<string, string> = {
    ...extraMetadata,
    format: 'nndl',
    architecture: model.architecture,
    config: JSON.stringify(config),
  };
  if (model.preprocessing !== undefined && model.preprocessing !== null) {
    const p = preprocessingArg(`${model.architecture}.save`, 'model.preprocessing', model.preprocessing);
    if (p.meanImage !== null) tensors[MEAN_IMAGE] = new Tensor(p.meanImage, p.inputShape);
    metadata.preprocessing = preprocessingMetadata(p, config.dtype);
  }
  return { tensors, metadata };
}

/** Saves the model's parameters, buffers, config and preprocessing to `file`, atomically. */
export function saveModel(model: Checkpointable, file: string, extraMetadata: Record<string, string> = {}): void {
  const { tensors, metadata } = checkpointContents(model, extraMetadata);
  writeSafetensors(file, tensors, metadata);
}

/** The bytes of the file `save` writes. */
export function modelToBuffer(model: Checkpointable): Buffer {
  const { tensors, metadata } = checkpointContents(model);
  return encodeSafetensors(tensors, metadata);
}

export interface Checkpoint {
  architecture: string;
  config: Record<string, unknown>;
  params: Record<string, Tensor>;
  buffers: Record<string, Tensor>;
  metadata: Record<string, string>;
  /** How raw images become the model's inputs; null in files saved without it. */
  preprocessing: ResolvedPreprocessing | null;
}

/** Reads a model checkpoint, checking that it is one and, when given, that it holds `expected`. */
export function readCheckpoint(file: string, expected?: string): Checkpoint {
  return checkpointOf(file, readSafetensors(file), expected);
}

/** The same from a checkpoint's bytes; `source` names them in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source: string, expected?: string): Checkpoint {
  return checkpointOf(source, decodeSafetensors(bytes, source), expected);
}

/** A checkpoint from a file's contents, checked; `file` names it in errors. */
function checkpointOf(file: string, { tensors, metadata }: SafetensorsContents, expected?: string): Checkpoint {
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
    else if (name !== MEAN_IMAGE) params[name] = t;
  }
  const mean = tensors[MEAN_IMAGE];
  if (mean !== undefined && metadata.preprocessing === undefined) {
    throw new Error(`${file}: holds ${MEAN_IMAGE} but no preprocessing metadata`);
  }
  if (mean !== undefined && mean.dtype !== 'float64') throw new Error(`${file}: ${MEAN_IMAGE} is ${mean.dtype}, not float64`);
  const preprocessing = metadata.preprocessing === undefined ? null : preprocessingFromMetadata(file, metadata.preprocessing, mean);
  return { architecture: metadata.architecture, config: config as Record<string, unknown>, params, buffers, metadata, preprocessing };
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
