/** The model and optimizer settings the train and sweep commands share. */
import os from 'node:os';

import { FullyConnectedNet } from '../models/fully-connected-net';
import type { Model } from '../models/model';
import { TwoLayerNet } from '../models/two-layer-net';
import type { SolverOptions } from '../solver';
import type { DType } from '../tensor';
import { CliError } from './errors';

export interface ModelConfig {
  model: 'two-layer' | 'fc';
  /** Hidden layer sizes (two-layer: exactly one). */
  hidden: number[];
  batchnorm: boolean;
  dropout: number;
  dtype: DType;
  weightScale?: number;
  reg: number;
}

/** The update rules the command line offers. */
export const UPDATE_RULES = ['sgd', 'sgd_momentum', 'rmsprop', 'adam'] as const;

export interface TrainConfig extends ModelConfig {
  update: string;
  lr: number;
  lrDecay: number;
  epochs: number;
  batchSize: number;
  seed: number;
}

export function checkModelConfig(c: ModelConfig): void {
  if (c.model === 'two-layer') {
    if (c.hidden.length !== 1) throw new CliError(`--model two-layer takes one hidden size, but --hidden gave ${c.hidden.length}`);
    if (c.batchnorm) throw new CliError('--batchnorm needs --model fc');
    if (c.dropout > 0) throw new CliError('--dropout needs --model fc');
  }
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
 * Checks the sizes against the data, before anything is allocated: a batch
 * larger than the training set (the Solver would gather a batch of that many
 * images), and a model whose weights, with the Solver's copy of the best
 * ones, would not fit in this machine's memory.
 */
export function checkSizes(c: TrainConfig, inputDim: number, numClasses: number, trainImages: number, source: string): void {
  if (c.batchSize > trainImages) {
    throw new CliError(`--batch-size ${c.batchSize} is invalid: expected at most the ${trainImages} training images of ${source}`);
  }
  const dims = [inputDim, ...c.hidden, numClasses];
  let weights = 0;
  for (let l = 1; l < dims.length; l++) weights += (dims[l - 1] + 1) * dims[l];
  const need = 2 * weights * (c.dtype === 'float32' ? 4 : 8);
  if (need > os.totalmem()) {
    throw new CliError(
      `--hidden ${c.hidden.join(',')} is too large: the model's ${weights.toPrecision(3)} weights need ${bytes(need)} with the Solver's copy, ` +
        `more than this machine's ${bytes(os.totalmem())} of memory`,
    );
  }
}

/** Seeds past numpy's range wrap around (sweep trials count up from --seed, minibatches use seed + 1). */
function rngSeed(seed: number): number {
  return seed % 2 ** 32;
}

/** Builds the model; its initial weights are drawn from the seed. */
export function buildModel(c: ModelConfig, inputDim: number, numClasses: number, seed: number): Model {
  if (c.model === 'two-layer') {
    return new TwoLayerNet({
      inputDim, numClasses, hiddenDims: c.hidden[0], reg: c.reg, dtype: c.dtype, rng: rngSeed(seed),
      ...(c.weightScale === undefined ? {} : { weightScale: c.weightScale }),
    });
  }
  return new FullyConnectedNet(c.hidden, {
    inputDim, numClasses, useBatchnorm: c.batchnorm, dropout: c.dropout, reg: c.reg, dtype: c.dtype, rng: rngSeed(seed),
    ...(c.weightScale === undefined ? {} : { weightScale: c.weightScale }),
  });
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
  };
}
