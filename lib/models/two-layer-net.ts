/**
 * The reference's `fc_net.TwoLayerNet`: affine - relu - affine - softmax,
 * built from the layer functions, with W1 (D, H) and W2 (H, C) and the L2
 * penalty 0.5 * reg * (|W1|^2 + |W2|^2).
 */
import { affineBackward, affineForward } from '../layers/affine';
import { softmaxLoss } from '../layers/losses';
import { affineReluBackward, affineReluForward } from '../layer-utils';
import { randomStateArg, type RandomSource } from '../random';
import { Tensor, zeros, type DType } from '../tensor';
import {
  dtypeArg, nonNegativeNumberArg, objectArg, positiveIntegerArg, positiveNumberArg, type Labels,
} from '../validate';
import { readCheckpoint, restoreTensors, saveModel, type Checkpoint } from './checkpoint';
import { addL2, gradOutputs, inputArg, type Model, type ModelLossOptions, type Params } from './model';
import { Workspace } from './workspace';

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

export class TwoLayerNet implements Model {
  readonly architecture = 'TwoLayerNet';
  readonly params: Params;
  readonly dtype: DType;
  readonly inputDim: number;
  readonly hiddenDims: number;
  readonly numClasses: number;
  readonly weightScale: number;
  /** L2 regularization strength; may be changed between calls, as the notebook does. */
  reg: number;
  private readonly workspace = new Workspace();

  constructor(options: TwoLayerNetOptions = {}) {
    const fn = 'TwoLayerNet';
    const o = objectArg(fn, 'options', options);
    this.inputDim = positiveIntegerArg(fn, 'options.inputDim', o.inputDim ?? 3 * 32 * 32);
    this.hiddenDims = positiveIntegerArg(fn, 'options.hiddenDims', o.hiddenDims ?? 100);
    this.numClasses = positiveIntegerArg(fn, 'options.numClasses', o.numClasses ?? 10);
    this.weightScale = positiveNumberArg(fn, 'options.weightScale', o.weightScale ?? 1e-3);
    this.reg = nonNegativeNumberArg(fn, 'options.reg', o.reg ?? 0);
    this.dtype = dtypeArg(fn, 'options.dtype', o.dtype ?? 'float64');
    const rng = randomStateArg(fn, 'options.rng', o.rng);
    const [d, h, c] = [this.inputDim, this.hiddenDims, this.numClasses];
    this.params = {
      W1: rng.normal(0, this.weightScale, [d, h]).astype(this.dtype),
      b1: zeros([h], this.dtype),
      W2: rng.normal(0, this.weightScale, [h, c]).astype(this.dtype),
      b2: zeros([c], this.dtype),
    };
  }

  /**
   * Scores, or loss and gradients.
   * @param X inputs, shape (N, d1, ..., dk) with d1 * ... * dk = inputDim
   * @param y labels (N,); without them the call is a test-time forward pass
   * @param options `grads`: tensors to write the gradients into
   * @returns scores (N, C) without y; [loss, grads] with y
   */
  loss(X: Tensor): Tensor;
  loss(X: Tensor, y: Labels, options?: ModelLossOptions): [number, Params];
  loss(X: Tensor, y?: Labels, options?: ModelLossOptions): Tensor | [number, Params] {
    const fn = 'TwoLayerNet.loss';
    const x = inputArg(fn, X, this.inputDim, this.dtype);
    const p = this.params;
    const ws = this.workspace;
    const n = x.shape[0];
    const [hidden, hiddenCache] = affineReluForward(x, p.W1, p.b1, { out: ws.get('hidden', [n, this.hiddenDims], this.dtype) });
    // Scores returned to the caller are theirs to keep; in training they stay inside.
    const scoresOut = y === undefined ? {} : { out: ws.get('scores', [n, this.numClasses], this.dtype) };
    const [scores, scoresCache] = affineForward(hidden, p.W2, p.b2, scoresOut);
    if (y === undefined) return scores;
    const grads = gradOutputs(fn, options, p);
    const [dataLoss, dscores] = softmaxLoss(scores, y, { dx: ws.get('dscores', [n, this.numClasses], this.dtype) });
    const [dhidden] = affineBackward(dscores, scoresCache, {
      dx: ws.get('dhidden', [n, this.hiddenDims], this.dtype), dw: grads.W2, db: grads.b2,
    });
    affineReluBackward(dhidden, hiddenCache, { dx: false, dw: grads.W1, db: grads.b1 });
    return [addL2(dataLoss, this.reg, p, grads, ['W1', 'W2']), grads];
  }

  buffers(): Params {
    return {};
  }

  config(): Record<string, unknown> {
    const { inputDim, hiddenDims, numClasses, weightScale, reg, dtype } = this;
    return { inputDim, hiddenDims, numClasses, weightScale, reg, dtype };
  }

  /** Saves parameters and config as safetensors, atomically. */
  save(file: string): void {
    saveModel(this, file);
  }

  /** Loads a TwoLayerNet saved by `save`; other files and architectures are refused. */
  static load(file: string): TwoLayerNet {
    return TwoLayerNet.fromCheckpoint(file, readCheckpoint(file, 'TwoLayerNet'));
  }

  /** Builds the model a checkpoint read from `file` describes. */
  static fromCheckpoint(file: string, checkpoint: Checkpoint): TwoLayerNet {
    const model = new TwoLayerNet({ ...(checkpoint.config as unknown as TwoLayerNetOptions), rng: 0 });
    restoreTensors(file, 'parameters', model.params, checkpoint.params);
    return model;
  }
}
