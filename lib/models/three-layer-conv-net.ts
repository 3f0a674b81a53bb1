/**
 * The course's `cnn.ThreeLayerConvNet`: conv - relu - 2x2 max pool - affine -
 * relu - affine - softmax, a Sequential. The convolution keeps the input's
 * size (stride 1, pad (filterSize - 1) / 2); parameters W1 (F, C, HH, WW),
 * b1, W2 (F * H/2 * W/2, hiddenDim), b2, W3 (hiddenDim, C), b3, drawn in that
 * order; L2 on the weights.
 */
import { randomStateArg, type RandomSource } from '../random';
import type { DType } from '../tensor';
import {
  dtypeArg, invalidType, invalidValue, type KeySet, nonNegativeNumberArg, optionsObjectArg, positiveIntegerArg, positiveNumberArg,
} from '../validate';
import { readCheckpoint, type Checkpoint } from './checkpoint';
import { threeLayerConvLayers } from './plan';
import { Sequential, restore } from './sequential';

export interface ThreeLayerConvNetOptions {
  /** Shape (C, H, W) of an input (default [3, 32, 32]). */
  inputDim?: readonly number[];
  /** Filters of the convolution (default 32). */
  numFilters?: number;
  /** Side of the square filters, odd (default 7). */
  filterSize?: number;
  /** Units of the hidden affine layer (default 100). */
  hiddenDim?: number;
  /** Number of classes (default 10). */
  numClasses?: number;
  /** Standard deviation of the initial weights (default 1e-3). */
  weightScale?: number;
  /** L2 regularization strength (default 0). */
  reg?: number;
  /** Precision (default float32, as the course). */
  dtype?: DType;
  /** Generator or seed for the initial weights (default: the global generator). */
  rng?: RandomSource;
}

/** The keys of ThreeLayerConvNetOptions, checked against the type: an unknown key is an error. */
const THREE_LAYER_CONV_NET_OPTIONS = { inputDim: true, numFilters: true, filterSize: true, hiddenDim: true, numClasses: true, weightScale: true, reg: true, dtype: true, rng: true } as const satisfies KeySet<ThreeLayerConvNetOptions>;

/**
 * conv - relu - 2x2 max pool - affine - relu - affine - softmax on images X
 * (N, C, H, W): W1 (F, C, HH, WW), b1 (F,), W2 (F * H/2 * W/2, hiddenDim),
 * b2 (hiddenDim,), W3 (hiddenDim, numClasses), b3 (numClasses,).
 */
export class ThreeLayerConvNet extends Sequential {
  override readonly architecture = 'ThreeLayerConvNet';
  declare readonly weightScale: number;
  readonly numFilters: number;
  readonly filterSize: number;
  readonly hiddenDim: number;

  constructor(options: ThreeLayerConvNetOptions = {}) {
    const fn = 'ThreeLayerConvNet';
    const o = optionsObjectArg(fn, 'options', options, THREE_LAYER_CONV_NET_OPTIONS);
    const shape = o.inputDim ?? [3, 32, 32];
    if (!Array.isArray(shape) || shape.length !== 3) throw invalidType(fn, 'options.inputDim', 'a shape [C, H, W]', shape);
    const inputDim = shape.map((d, i) => positiveIntegerArg(fn, `options.inputDim[${i}]`, d));
    const numFilters = positiveIntegerArg(fn, 'options.numFilters', o.numFilters ?? 32);
    const filterSize = positiveIntegerArg(fn, 'options.filterSize', o.filterSize ?? 7);
    if (filterSize % 2 === 0) throw invalidValue(fn, 'options.filterSize', 'an odd filter size (the padding keeps the input size)', filterSize);
    const hiddenDim = positiveIntegerArg(fn, 'options.hiddenDim', o.hiddenDim ?? 100);
    const numClasses = positiveIntegerArg(fn, 'options.numClasses', o.numClasses ?? 10);
    super(threeLayerConvLayers(numFilters, filterSize, hiddenDim, numClasses), {
      inputShape: inputDim,
      numClasses,
      weightScale: positiveNumberArg(fn, 'options.weightScale', o.weightScale ?? 1e-3),
      reg: nonNegativeNumberArg(fn, 'options.reg', o.reg ?? 0),
      dtype: dtypeArg(fn, 'options.dtype', o.dtype ?? 'float32'),
      rng: randomStateArg(fn, 'options.rng', o.rng),
    });
    this.numFilters = numFilters;
    this.filterSize = filterSize;
    this.hiddenDim = hiddenDim;
  }

  override config(): Record<string, unknown> {
    const { inputShape, numFilters, filterSize, hiddenDim, numClasses, weightScale, reg, dtype } = this;
    return { inputDim: inputShape, numFilters, filterSize, hiddenDim, numClasses, weightScale, reg, dtype };
  }

  /** Loads a ThreeLayerConvNet saved by `save`; other files and architectures are refused. */
  static override load(file: string): ThreeLayerConvNet {
    return ThreeLayerConvNet.fromCheckpoint(file, readCheckpoint(file, 'ThreeLayerConvNet'));
  }

  /** Builds the model a checkpoint read from `file` describes. */
  static override fromCheckpoint(file: string, checkpoint: Checkpoint): ThreeLayerConvNet {
    return restore(file, checkpoint, new ThreeLayerConvNet({ ...(checkpoint.config as ThreeLayerConvNetOptions), rng: 0 }));
  }
}
