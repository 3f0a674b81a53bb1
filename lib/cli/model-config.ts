/** The model and optimizer settings the train and sweep commands share. */
import os from 'node:os';

import { parseLayers } from '../layers/layer-string';
import { LAYERS } from '../layers/specs';
import { FullyConnectedNet } from '../models/fully-connected-net';
import { Sequential } from '../models/sequential';
import { TwoLayerNet } from '../models/two-layer-net';
import type { UpdateRuleName } from '../optim';
import type { SolverOptions } from '../solver';
import type { DType } from '../tensor';
import { CliError } from './errors';

/**
 * `--model conv`: three blocks of 3x3 convolutions with batchnorm (32, 32,
 * then 64 filters, max pooling after the second and third), a hidden affine
 * layer of 256 with dropout, and the classes.
 */
export const CONV_LAYERS = 'conv32k3p1,bn,relu,conv32k3p1,bn,relu,pool2,conv64k3p1,bn,relu,pool2,affine256,relu,dropout0.5,affine10';

export interface ModelConfig {
  /** 'layers' when --layers gives the network. */
  model: 'two-layer' | 'fc' | 'conv' | 'layers';
  /** The layer-list string of --layers (or of --model conv). */
  layers?: string;
  /** Hidden layer sizes (two-layer: exactly one; none for conv and --layers). */
  hidden: number[];
  batchnorm: boolean;
  dropout: number;
  dtype: DType;
  weightScale?: number;
  reg: number;
}

/** The update rules the command line offers. */
export const UPDATE_RULES = ['sgd', 'sgd_momentum', 'rmsprop', 'adam'] as const satisfies readonly UpdateRuleName[];

export interface TrainConfig extends ModelConfig {
  update: (typeof UPDATE_RULES)[number];
  lr: number;
  lrDecay: number;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Random crops and flips of the training images (default false). */
  augment?: boolean;
}

/** The options as commander gives them: --model, --hidden and --layers without defaults, to tell what was asked. */
export interface ModelOptions extends Omit<ModelConfig, 'model' | 'hidden'> {
  model?: 'two-layer' | 'fc' | 'conv';
  hidden?: number[];
}

/** The model the options ask for: --layers, else --model (two-layer by default); --hidden defaults to 200. */
export function resolveModel<T extends ModelOptions>(o: T): T & Pick<ModelConfig, 'model' | 'hidden'> {
  if (o.layers !== undefined && o.model !== undefined) {
    throw new CliError(`--layers gives the whole network; leave out --model ${o.model}`);
  }
  const model = o.layers !== undefined ? 'layers' : o.model ?? 'two-layer';
  if (model === 'conv' || model === 'layers') {
    const asked = model === 'conv' ? '--model conv' : '--layers';
    if (o.hidden !== undefined) throw new CliError(`--hidden configures two-layer and fc networks, not ${asked}`);
    // With batchnorm after every convolution only the affine layers' scale matters: 1e-2 starts the scores near
    // zero, where He's rule starts them at a loss of 3.7 and trains slower (53% against 46% validation accuracy
    // after 3 epochs of 10,000 images).
    const weightScale = o.weightScale ?? (model === 'conv' ? 1e-2 : undefined);
    return {
      ...o, model, hidden: [], layers: o.layers ?? CONV_LAYERS, ...(weightScale === undefined ? {} : { weightScale }),
    } as T & Pick<ModelConfig, 'model' | 'hidden'>;
  }
  return { ...o, model, hidden: o.hidden ?? [200] } as T & Pick<ModelConfig, 'model' | 'hidden'>;
}

export function checkModelConfig(c: ModelConfig): void {
  if (c.model === 'two-layer') {
    if (c.hidden.length !== 1) throw new CliError(`--model two-layer takes one hidden size, but --hidden gave ${c.hidden.length}`);
    if (c.batchnorm) throw new CliError('--batchnorm needs --model fc');
    if (c.dropout > 0) throw new CliError('--dropout needs --model fc');
  }
  if (c.model === 'conv' || c.model === 'layers') {
    const asked = c.model === 'conv' ? '--model conv' : '--layers';
    if (c.batchnorm) throw new CliError(`--batchnorm needs --model fc; with ${asked} the layer list has its bn layers`);
    if (c.dropout > 0) throw new CliError(`--dropout needs --model fc; with ${asked} the layer list has its dropout<p> layers`);
    // The shapes are checked once the data is known (buildModel); the tokens before any work.
    parseLayers('--layers', c.layers as string);
  }
}

/** What the network is, for logs and reports: [200] for the MLPs, the layer list for the others. */
export function describeModel(c: ModelConfig): string {
  return c.model === 'conv' || c.model === 'layers' ? (c.layers as string) : `[${c.hidden.join(', ')}]`;
}

/** Binary prefixes for sizes in messages. */
function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/**
 * Values in the network's parameters, counted from the hidden sizes or the
 * layer table without allocating them; 0 when a layer does not fit (buildModel
 * then says which).
 */
function parameterCount(c: ModelConfig, inputShape: readonly number[], numClasses: number): number {
  if (c.model === 'two-layer' || c.model === 'fc') {
    const dims = [inputShape.reduce((a, b) => a * b, 1), ...c.hidden, numClasses];
    let weights = 0;
    for (let l = 1; l < dims.length; l++) weights += (dims[l - 1] + 1) * dims[l];
    return weights;
  }
  let shape = inputShape;
  let count = 0;
  for (const spec of parseLayers('--layers', c.layers as string)) {
    const kind = LAYERS[spec.type];
    if (kind === undefined) break;
    for (const def of kind.params?.(spec, shape) ?? []) count += def.shape.reduce((a, b) => a * b, 1);
    try {
      shape = kind.outputShape('--layers', spec.type, spec, shape);
    } catch {
      return 0;
    }
  }
  return count;
}

/**
 * Checks the sizes against the data, before anything is allocated: a batch
 * larger than the training set (the Solver would gather a batch of that many
 * images), and a model whose weights, with the Solver's copy of the best
 * ones, would not fit in this machine's memory.
 */
export function checkSizes(c: TrainConfig, inputShape: readonly number[], numClasses: number, trainImages: number, source: string): void {
  if (c.batchSize > trainImages) {
    throw new CliError(`--batch-size ${c.batchSize} is invalid: expected at most the ${trainImages} training images of ${source}`);
  }
  const weights = parameterCount(c, inputShape, numClasses);
  const need = 2 * weights * (c.dtype === 'float32' ? 4 : 8);
  if (need > os.totalmem()) {
    const what = c.model === 'two-layer' || c.model === 'fc' ? `--hidden ${c.hidden.join(',')}` : `--layers ${c.layers}`;
    throw new CliError(
      `${what} is too large: the model's ${weights.toPrecision(3)} weights need ${bytes(need)} with the Solver's copy, ` +
        `more than this machine's ${bytes(os.totalmem())} of memory`,
    );
  }
}

/** Seeds past numpy's range wrap around (sweep trials count up from --seed, minibatches use seed + 1). */
function rngSeed(seed: number): number {
  return seed % 2 ** 32;
}

/** Builds the model; its initial weights are drawn from the seed. */
export function buildModel(c: ModelConfig, inputShape: readonly number[], numClasses: number, seed: number): Sequential {
  const weightScale = c.weightScale === undefined ? {} : { weightScale: c.weightScale };
  const inputDim = inputShape.reduce((a, b) => a * b, 1);
  if (c.model === 'two-layer') {
    return new TwoLayerNet({ inputDim, numClasses, hiddenDims: c.hidden[0], reg: c.reg, dtype: c.dtype, rng: rngSeed(seed), ...weightScale });
  }
  if (c.model === 'fc') {
    return new FullyConnectedNet(c.hidden, {
      inputDim, numClasses, useBatchnorm: c.batchnorm, dropout: c.dropout, reg: c.reg, dtype: c.dtype, rng: rngSeed(seed), ...weightScale,
    });
  }
  try {
    return new Sequential(c.layers as string, { inputShape, numClasses, reg: c.reg, dtype: c.dtype, rng: rngSeed(seed), ...weightScale });
  } catch (e) {
    throw new CliError((e as Error).message.replace(/^Sequential: /, '--layers: '));
  }
}

/** The Solver settings of a run; minibatches are drawn from seed + 1 (the weights use the seed). */
export function solverOptions(c: TrainConfig): SolverOptions {
  return {
    updateRule: c.update,
    optimConfig: { learningRate: c.lr },
    lrDecay: c.lrDecay,
    batchSize: c.batchSize,
    numEpochs: c.epochs,
    verbose: false,
    rng: rngSeed(c.seed + 1),
    augment: c.augment ?? false,
  };
}
