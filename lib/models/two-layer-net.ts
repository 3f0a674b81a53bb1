/**
 * The reference's `fc_net.TwoLayerNet`: affine - relu - affine - softmax, a
 * Sequential with W1 (D, H) and W2 (H, C) and the L2 penalty
 * 0.5 * reg * (|W1|^2 + |W2|^2).
 */
import { randomStateArg, type RandomSource } from '../random';
import type { DType } from '../tensor';
import {
  dtypeArg, type KeySet, nonNegativeNumberArg, optionsObjectArg, positiveIntegerArg, positiveNumberArg,
} from '../validate';
import { readCheckpoint, type Checkpoint } from './checkpoint';
import { Sequential, restore } from './sequential';

export interface TwoLayerNetOptions {
  /** Size D of an input, flattened (default 3 * 32 * 32). */
  inputDim?: number;
  /** Size H of the hidden layer (default 100). */
  hiddenDims?: number;
  /** Number C of classes (default 10). */
  numClasses?: number;
  /** Standard deviation of the initial weights (default 1e-3); biases start at zero. */
  weightScale?: number;
  /** L2 regularization strength (default 0). */
  reg?: number;
  /** Precision (default float64, as the reference's numpy arrays). */
  dtype?: DType;
  /** Generator or seed for the initial weights (default: the global generator). */
  rng?: RandomSource;
}

/** The keys of TwoLayerNetOptions, checked against the type: an unknown key is an error. */
const TWO_LAYER_NET_OPTIONS = { inputDim: true, hiddenDims: true, numClasses: true, weightScale: true, reg: true, dtype: true, rng: true } as const satisfies KeySet<TwoLayerNetOptions>;

/**
 * affine - relu - affine - softmax: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,),
 * W drawn as weightScale * randn; loss(X, y) on X (N, D) or (N, d1, ..., dk)
 * gives [loss, grads], loss(X) the scores (N, C).
 */
export class TwoLayerNet extends Sequential {
  override readonly architecture = 'TwoLayerNet';
  declare readonly weightScale: number;
  readonly hiddenDims: number;

  constructor(options: TwoLayerNetOptions = {}) {
    const fn = 'TwoLayerNet';
    const o = optionsObjectArg(fn, 'options', options, TWO_LAYER_NET_OPTIONS);
    const inputDim = positiveIntegerArg(fn, 'options.inputDim', o.inputDim ?? 3 * 32 * 32);
    const hidden = positiveIntegerArg(fn, 'options.hiddenDims', o.hiddenDims ?? 100);
    const numClasses = positiveIntegerArg(fn, 'options.numClasses', o.numClasses ?? 10);
    super([{ type: 'affine', units: hidden }, { type: 'relu' }, { type: 'affine', units: numClasses }, { type: 'softmax' }], {
      inputShape: [inputDim],
      numClasses,
      weightScale: positiveNumberArg(fn, 'options.weightScale', o.weightScale ?? 1e-3),
      reg: nonNegativeNumberArg(fn, 'options.reg', o.reg ?? 0),
      dtype: dtypeArg(fn, 'options.dtype', o.dtype ?? 'float64'),
      rng: randomStateArg(fn, 'options.rng', o.rng),
    });
    this.hiddenDims = hidden;
  }

  override config(): Record<string, unknown> {
    const { inputDim, hiddenDims, numClasses, weightScale, reg, dtype } = this;
    return { inputDim, hiddenDims, numClasses, weightScale, reg, dtype };
  }

  /** Loads a TwoLayerNet saved by `save`; other files and architectures are refused. */
  static override load(file: string): TwoLayerNet {
    return TwoLayerNet.fromCheckpoint(file, readCheckpoint(file, 'TwoLayerNet'));
  }

  /** Builds the model a checkpoint read from `file` describes. */
  static override fromCheckpoint(file: string, checkpoint: Checkpoint): TwoLayerNet {
    return restore(file, checkpoint, new TwoLayerNet({ ...(checkpoint.config as TwoLayerNetOptions), rng: 0 }));
  }
}
