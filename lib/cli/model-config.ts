/** The model and optimizer settings the train and sweep commands share. */
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

/** Builds the model; its initial weights are drawn from the seed. */
export function buildModel(c: ModelConfig, inputDim: number, numClasses: number, seed: number): Model {
  if (c.model === 'two-layer') {
    return new TwoLayerNet({
      inputDim, numClasses, hiddenDims: c.hidden[0], reg: c.reg, dtype: c.dtype, rng: seed,
      ...(c.weightScale === undefined ? {} : { weightScale: c.weightScale }),
    });
  }
  return new FullyConnectedNet(c.hidden, {
    inputDim, numClasses, useBatchnorm: c.batchnorm, dropout: c.dropout, reg: c.reg, dtype: c.dtype, rng: seed,
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
    rng: c.seed + 1,
  };
}
