/**
 * Models saved as safetensors: parameters and buffers as tensors, the
 * architecture and its hyper-parameters in `__metadata__` (`format: nndl`,
 * `architecture`, `config` as JSON), so the file also opens in Python. A
 * model with preprocessing also keeps its mean image as the float64 tensor
 * `preprocessing.meanImage` and the rest as JSON in `preprocessing` (see
 * preprocessing.ts); files without them are models without preprocessing.
 *
 * A file is untrusted until checked: its config is compared with the tensors
 * its header lists (names, dtypes, shapes) before any tensor is read or any
 * model built, so a config naming layers the file does not hold costs
 * nothing, and a model never takes more memory than its file's size.
 */
import type { StagedFile } from '../io/atomic';
import {
  decodeSafetensors, encodeSafetensors, readSafetensors, stageSafetensors, type SafetensorsContents, type SafetensorsHeader,
} from '../io/safetensors';
import { Tensor, type DType } from '../tensor';
import { describe } from '../validate';
import type { Checkpointable } from './model';
import {
  preprocessingArg, preprocessingFromMetadata, preprocessingMetadata, type ResolvedPreprocessing,
} from './preprocessing';
import { planNetwork, threeLayerConvLayers } from './plan';

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
  stageModel(model, file, extraMetadata).commit();
}

/** The same file written and synced under a temporary name, for the caller to commit with others (see io/atomic). */
export function stageModel(model: Checkpointable, file: string, extraMetadata: Record<string, string> = {}): StagedFile {
  const { tensors, metadata } = checkpointContents(model, extraMetadata);
  return stageSafetensors(file, tensors, metadata);
}

/** The bytes saveModel would write: a model file held in memory (to send it elsewhere). */
export function encodeModel(model: Checkpointable, extraMetadata: Record<string, string> = {}): Buffer {
  const { tensors, metadata } = checkpointContents(model, extraMetadata);
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

/** The dtype and shape a tensor of a checkpoint must have. */
interface TensorSpec {
  dtype: DType;
  shape: number[];
}

const FILE_DTYPES = { F32: 'float32', F64: 'float64' } as const;

/** Reads a config's fields, each checked, with errors naming the file and the field. */
class ConfigFields {
  constructor(private readonly source: string, private readonly config: Record<string, unknown>) {}

  private bad(key: string, expected: string): never {
    throw new Error(`${this.source}: config.${key} is ${describe(this.config[key])}, expected ${expected}`);
  }

  size(key: string): number {
    const v = this.config[key];
    if (!(typeof v === 'number' && Number.isSafeInteger(v) && v > 0)) this.bad(key, 'a positive integer');
    return v;
  }

  list(key: string): unknown[] {
    const v = this.config[key];
    if (!Array.isArray(v)) this.bad(key, 'a list');
    return v;
  }

  sizes(key: string): number[] {
    const v = this.config[key];
    if (!(Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d > 0))) {
      this.bad(key, 'a list of positive integers');
    }
    return v as number[];
  }

  dtype(): DType {
    const v = this.config.dtype;
    if (v !== 'float32' && v !== 'float64') this.bad('dtype', "'float32' or 'float64'");
    return v;
  }

  flag(key: string): boolean {
    const v = this.config[key];
    if (typeof v !== 'boolean') this.bad(key, 'a boolean');
    return v;
  }

  /**
   * The tensors of the network a layer list plans on inputs of inputShape,
   * named as Sequential names them; a list the layer table refuses is an
   * error naming the file.
   */
  network(layers: unknown, inputShape: number[]): Map<string, TensorSpec> {
    const dtype = this.dtype();
    let plan;
    try {
      plan = planNetwork('config', layers, inputShape);
    } catch (e) {
      throw new Error(`${this.source}: ${(e as Error).message}`);
    }
    const specs = new Map<string, TensorSpec>();
    for (const block of plan.blocks) {
      for (const p of block.params) specs.set(p.name, { dtype, shape: p.shape });
      for (const [name, , shape] of block.buffers) specs.set(`${BUFFER_PREFIX}${name}`, { dtype, shape });
    }
    return specs;
  }
}

/**
 * The tensors each architecture's config implies, by name (buffers with
 * their prefix). One entry per architecture a checkpoint can hold: a model
 * class that saves checkpoints adds its own here.
 */
const LAYOUTS: Record<string, (c: ConfigFields) => Map<string, TensorSpec>> = {
  TwoLayerNet: (c) => {
    const [d, h, k, dtype] = [c.size('inputDim'), c.size('hiddenDims'), c.size('numClasses'), c.dtype()];
    return new Map([['W1', [d, h]], ['b1', [h]], ['W2', [h, k]], ['b2', [k]]].map(([name, shape]) => [name as string, { dtype, shape: shape as number[] }]));
  },
  StandaloneTwoLayerNet: (c) => {
    const [d, h, k, dtype] = [c.size('inputSize'), c.size('hiddenSize'), c.size('outputSize'), c.dtype()];
    return new Map([['W1', [h, d]], ['b1', [h]], ['W2', [k, h]], ['b2', [k]]].map(([name, shape]) => [name as string, { dtype, shape: shape as number[] }]));
  },
  FullyConnectedNet: (c) => {
    const dims = [c.size('inputDim'), ...c.sizes('hiddenDims'), c.size('numClasses')];
    const dtype = c.dtype();
    const batchnorm = c.flag('useBatchnorm');
    const specs = new Map<string, TensorSpec>();
    for (let l = 1; l < dims.length; l++) {
      specs.set(`W${l}`, { dtype, shape: [dims[l - 1], dims[l]] });
      specs.set(`b${l}`, { dtype, shape: [dims[l]] });
      if (batchnorm && l < dims.length - 1) {
        for (const name of [`gamma${l}`, `beta${l}`, `${BUFFER_PREFIX}runningMean${l}`, `${BUFFER_PREFIX}runningVar${l}`]) {
          specs.set(name, { dtype, shape: [dims[l]] });
        }
      }
    }
    return specs;
  },
  Sequential: (c) => c.network(c.list('layers'), c.sizes('inputShape')),
  ThreeLayerConvNet: (c) =>
    c.network(threeLayerConvLayers(c.size('numFilters'), c.size('filterSize'), c.size('hiddenDim'), c.size('numClasses')), c.sizes('inputDim')),
};

/** The architectures a checkpoint may hold. */
export const CHECKPOINT_ARCHITECTURES: readonly string[] = Object.freeze(Object.keys(LAYOUTS));

/** At most `max` names, for messages about files that may list thousands. */
function someNames(names: string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/**
 * Checks a safetensors header as an nndl checkpoint (of architecture
 * `expected` when given): the metadata, the config's fields, and that the
 * tensors are exactly those the config implies, by name, dtype and shape.
 * Works on the header alone, before any tensor is allocated, whatever the
 * bytes come from (a file, a Buffer, a stream). `source` names them in errors.
 */
export function checkCheckpointHeader(source: string, header: SafetensorsHeader, expected?: string): { architecture: string; config: Record<string, unknown> } {
  const { metadata } = header;
  if (metadata.format !== 'nndl' || typeof metadata.architecture !== 'string' || metadata.config === undefined) {
    throw new Error(`${source}: a safetensors file, but not an nndl model (no format/architecture/config metadata)`);
  }
  const { architecture } = metadata;
  if (expected !== undefined && architecture !== expected) throw new Error(`${source}: holds a ${architecture}, not a ${expected}`);
  if (!Object.prototype.hasOwnProperty.call(LAYOUTS, architecture)) {
    throw new Error(`${source}: unknown architecture ${architecture}; this nndl knows ${CHECKPOINT_ARCHITECTURES.join(', ')}`);
  }
  let config: unknown;
  try {
    config = JSON.parse(metadata.config);
  } catch {
    throw new Error(`${source}: the config metadata is not valid JSON`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`${source}: the config metadata is not an object`);
  const specs = LAYOUTS[architecture](new ConfigFields(source, config as Record<string, unknown>));
  const have = header.entries;
  // The preprocessing's JSON says the mean image's shape, when the file has one.
  if (have.some((e) => e.name === MEAN_IMAGE)) {
    if (metadata.preprocessing === undefined) throw new Error(`${source}: holds ${MEAN_IMAGE} but no preprocessing metadata`);
    specs.set(MEAN_IMAGE, { dtype: 'float64', shape: preprocessingFromMetadata(source, metadata.preprocessing, undefined).inputShape });
  }
  const names = new Set(have.map((e) => e.name));
  const missing = [...specs.keys()].filter((name) => !names.has(name));
  const extra = have.filter((e) => !specs.has(e.name)).map((e) => e.name);
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `${source}: the config of this ${architecture} needs ${specs.size} tensors but the file holds ${have.length}` +
        `${missing.length > 0 ? `; missing: ${someNames(missing)}` : ''}${extra.length > 0 ? `; not part of it: ${someNames(extra)}` : ''}`,
    );
  }
  for (const e of have) {
    const want = specs.get(e.name)!;
    const dtype = FILE_DTYPES[e.dtype];
    if (dtype !== want.dtype || e.shape.join() !== want.shape.join()) {
      throw new Error(`${source}: ${e.name} is ${dtype} [${e.shape.join(', ')}] but the config needs ${want.dtype} [${want.shape.join(', ')}]`);
    }
  }
  return { architecture, config: config as Record<string, unknown> };
}

/** Splits a checked file's tensors into parameters, buffers and the preprocessing. */
function checkpointOf(source: string, checked: { architecture: string; config: Record<string, unknown> }, contents: SafetensorsContents): Checkpoint {
  const params: Record<string, Tensor> = Object.create(null);
  const buffers: Record<string, Tensor> = Object.create(null);
  for (const [name, t] of Object.entries(contents.tensors)) {
    if (name.startsWith(BUFFER_PREFIX)) buffers[name.slice(BUFFER_PREFIX.length)] = t;
    else if (name !== MEAN_IMAGE) params[name] = t;
  }
  const json = contents.metadata.preprocessing;
  const preprocessing = json === undefined ? null : preprocessingFromMetadata(source, json, contents.tensors[MEAN_IMAGE]);
  return { ...checked, params, buffers, metadata: contents.metadata, preprocessing };
}

/** Reads a model checkpoint, checking that it is one and, when given, that it holds `expected`. */
export function readCheckpoint(file: string, expected?: string): Checkpoint {
  let checked: ReturnType<typeof checkCheckpointHeader> | undefined;
  const contents = readSafetensors(file, { check: (header) => { checked = checkCheckpointHeader(file, header, expected); } });
  return checkpointOf(file, checked!, contents);
}

/** The same from a checkpoint's bytes; `source` names them in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source: string, expected?: string): Checkpoint {
  let checked: ReturnType<typeof checkCheckpointHeader> | undefined;
  const contents = decodeSafetensors(bytes, source, { check: (header) => { checked = checkCheckpointHeader(source, header, expected); } });
  return checkpointOf(source, checked!, contents);
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
