/**
 * The reference's `fc_net.FullyConnectedNet`, with its known bugs fixed:
 * {affine - [batchnorm] - relu - [dropout]} x (L - 1) - affine - softmax, a
 * Sequential. Parameters W1..WL, b1..bL, and gamma1..gamma(L-1),
 * beta1..beta(L-1) with batchnorm; L2 regularization on the weights only.
 */
import type { BatchnormParam } from '../layers/batchnorm';
import type { BatchnormState } from '../layers/specs';
import { randomStateArg, type RandomSource } from '../random';
import type { DType } from '../tensor';
import {
  booleanArg, dtypeArg, invalidType, invalidValue, type KeySet, nonNegativeIntegerArg, nonNegativeNumberArg, numberArg, optionsObjectArg, positiveIntegerArg, positiveNumberArg,
} from '../validate';
import { readCheckpoint, type Checkpoint } from './checkpoint';
import { Sequential, restore, type LayerInput } from './sequential';

export interface FullyConnectedNetOptions {
  /** Size of an input, flattened (default 3 * 32 * 32). */
  inputDim?: number;
  /** Number of classes (default 10). */
  numClasses?: number;
  /** Probability of dropping a hidden unit; 0 (the default) means no dropout layers. */
  dropout?: number;
  /** Batch normalization after every hidden affine layer (default false). */
  useBatchnorm?: boolean;
  /** L2 regularization strength (default 0). */
  reg?: number;
  /** Standard deviation of the initial weights (default 1e-2). */
  weightScale?: number;
  /** Precision (default float32, as the reference; float64 for gradient checks). */
  dtype?: DType;
  /** Fixed seed for the dropout masks, reused on every pass so gradient checks see one mask. */
  seed?: number;
  /** Generator or seed for the initial weights and the dropout masks (default: the global one). */
  rng?: RandomSource;
}

/** The keys of FullyConnectedNetOptions, checked against the type: an unknown key is an error. */
const FULLY_CONNECTED_NET_OPTIONS = { inputDim: true, numClasses: true, dropout: true, useBatchnorm: true, reg: true, weightScale: true, dtype: true, seed: true, rng: true } as const satisfies KeySet<FullyConnectedNetOptions>;

/**
 * `new FullyConnectedNet([H1, ..., H(L-1)], options)`: L affine layers with
 * relu between them, optional batchnorm before and dropout after each relu,
 * and a softmax loss. Wi (H(i-1), Hi), bi (Hi,), gammai and betai (Hi,);
 * loss(X, y) on X (N, D) gives [loss, grads], loss(X) the scores (N, C) with
 * batchnorm and dropout in test mode.
 */
export class FullyConnectedNet extends Sequential {
  override readonly architecture = 'FullyConnectedNet';
  declare readonly weightScale: number;
  readonly hiddenDims: readonly number[];
  readonly dropout: number;
  readonly useBatchnorm: boolean;
  readonly numLayers: number;

  /**
   * @param hiddenDims sizes of the hidden layers, e.g. [100, 100]
   */
  constructor(hiddenDims: readonly number[], options: FullyConnectedNetOptions = {}) {
    const fn = 'FullyConnectedNet';
    if (!Array.isArray(hiddenDims)) throw invalidType(fn, 'hiddenDims', 'an array of positive integers', hiddenDims);
    const hidden = Object.freeze(hiddenDims.map((h, i) => positiveIntegerArg(fn, `hiddenDims[${i}]`, h)));
    const o = optionsObjectArg(fn, 'options', options, FULLY_CONNECTED_NET_OPTIONS);
    const inputDim = positiveIntegerArg(fn, 'options.inputDim', o.inputDim ?? 3 * 32 * 32);
    const numClasses = positiveIntegerArg(fn, 'options.numClasses', o.numClasses ?? 10);
    const dropout = numberArg(fn, 'options.dropout', o.dropout ?? 0);
    if (dropout < 0 || dropout >= 1) throw invalidValue(fn, 'options.dropout', 'a drop probability in [0, 1)', o.dropout);
    const useBatchnorm = booleanArg(fn, 'options.useBatchnorm', o.useBatchnorm ?? false);
    const layers: LayerInput[] = hidden.flatMap((units) => [
      { type: 'affine', units },
      ...(useBatchnorm ? [{ type: 'batchnorm' }] : []),
      { type: 'relu' },
      ...(dropout > 0 ? [{ type: 'dropout', p: dropout }] : []),
    ]);
    super([...layers, { type: 'affine', units: numClasses }, { type: 'softmax' }], {
      inputShape: [inputDim],
      numClasses,
      reg: nonNegativeNumberArg(fn, 'options.reg', o.reg ?? 0),
      weightScale: positiveNumberArg(fn, 'options.weightScale', o.weightScale ?? 1e-2),
      dtype: dtypeArg(fn, 'options.dtype', o.dtype ?? 'float32'),
      ...(o.seed === undefined ? {} : { seed: nonNegativeIntegerArg(fn, 'options.seed', o.seed) }),
      rng: randomStateArg(fn, 'options.rng', o.rng),
    });
    this.hiddenDims = hidden;
    this.dropout = dropout;
    this.useBatchnorm = useBatchnorm;
    this.numLayers = hidden.length + 1;
  }

  /** One per hidden layer when batchnorm is on: mode and running statistics. */
  get bnParams(): BatchnormParam[] {
    return (this.states('batchnorm') as BatchnormState[]).map((s) => s.param);
  }

  override config(): Record<string, unknown> {
    const { hiddenDims, inputDim, numClasses, dropout, useBatchnorm, reg, weightScale, dtype, seed } = this;
    return { hiddenDims, inputDim, numClasses, dropout, useBatchnorm, reg, weightScale, dtype, ...(seed === undefined ? {} : { seed }) };
  }

  /** Loads a FullyConnectedNet saved by `save`; other files and architectures are refused. */
  static override load(file: string): FullyConnectedNet {
    return FullyConnectedNet.fromCheckpoint(file, readCheckpoint(file, 'FullyConnectedNet'));
  }

  /** Builds the model a checkpoint read from `file` describes. */
  static override fromCheckpoint(file: string, checkpoint: Checkpoint): FullyConnectedNet {
    const { hiddenDims, ...options } = checkpoint.config as unknown as FullyConnectedNetOptions & { hiddenDims: number[] };
    return restore(file, checkpoint, new FullyConnectedNet(hiddenDims, { ...options, rng: 0 }));
  }
}
