/**
 * The reference's `fc_net.TwoLayerNet`: affine - relu - affine - softmax,
 * built from the layer functions, with W1 (D, H) and W2 (H, C) and the L2
 * penalty 0.5 * reg * (|W1|^2 + |W2|^2).
 */
import { affineBackward, affineBackwardSgd, affineForward } from '../layers/affine';
import { softmaxLoss } from '../layers/losses';
import { affineReluBackward, affineReluBackwardSgd, affineReluForward } from '../layer-utils';
import { randomStateArg, type RandomSource } from '../random';
import { Tensor, zeros, type DType } from '../tensor';
import {
  dtypeArg, nonNegativeNumberArg, objectArg, positiveIntegerArg, positiveNumberArg, type Labels,
} from '../validate';
import { encodeModel, readCheckpoint, restoreTensors, saveModel, type Checkpoint } from './checkpoint';
import { addL2, gradOutputs, inputArg, l2Penalty, type Model, type ModelLossOptions, type Params } from './model';
import { saveModelAsync } from './model-io';
import { predictClasses, predictProba, predictScores, type PredictInput, type PredictOptions, type ScoresOptions } from './predict';
import type { Preprocessing } from './preprocessing';
import { Workspace } from './workspace';

const WEIGHTS = ['W1', 'W2'];

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
    const pass = this.forward(fn, X, y === undefined);
    if (y === undefined) return pass.scores;
    const grads = gradOutputs(fn, options, this.params);
    const [dataLoss, dscores] = this.dataLoss(pass, y);
    const [dhidden] = affineBackward(dscores, pass.scoresCache, { dx: this.dhidden(pass), dw: grads.W2, db: grads.b2 });
    affineReluBackward(dhidden, pass.hiddenCache, { dx: false, dw: grads.W1, db: grads.b1 });
    return [addL2(dataLoss, this.reg, this.params, grads, WEIGHTS), grads];
  }

  /**
   * One step of plain SGD with the update fused into the backward pass (see
   * affineBackwardSgd): the same as loss(X, y) then sgd on every parameter,
   * up to rounding, but no weight gradient is written and read back. When
   * the loss is not finite the parameters are left as they were.
   * @param X inputs, as for loss
   * @param y labels (N,)
   * @param learningRate step size
   * @returns the loss before the step
   */
  sgdStep(X: Tensor, y: Labels, learningRate: number): number {
    const fn = 'TwoLayerNet.sgdStep';
    const step = { learningRate: nonNegativeNumberArg(fn, 'learningRate', learningRate), reg: this.reg };
    const pass = this.forward(fn, X, false);
    const [dataLoss, dscores] = this.dataLoss(pass, y);
    const loss = dataLoss + l2Penalty(this.reg, this.params, WEIGHTS);
    if (!Number.isFinite(loss)) return loss;
    const dhidden = affineBackwardSgd(dscores, pass.scoresCache, this.params.b2, { ...step, dx: this.dhidden(pass) }) as Tensor;
    affineReluBackwardSgd(dhidden, pass.hiddenCache, this.params.b1, { ...step, dx: false });
    return loss;
  }

  /** The forward pass; scores stay inside in training, and are the caller's in a test pass. */
  private forward(fn: string, X: Tensor, test: boolean) {
    const x = inputArg(fn, X, this.inputDim, this.dtype);
    const p = this.params;
    const ws = this.workspace;
    const n = x.shape[0];
    const [hidden, hiddenCache] = affineReluForward(x, p.W1, p.b1, { out: ws.get('hidden', [n, this.hiddenDims], this.dtype) });
    const [scores, scoresCache] = affineForward(hidden, p.W2, p.b2, test ? {} : { out: ws.get('scores', [n, this.numClasses], this.dtype) });
    return { n, scores, hiddenCache, scoresCache };
  }

  private dataLoss(pass: { n: number; scores: Tensor }, y: Labels): [number, Tensor] {
    return softmaxLoss(pass.scores, y, { dx: this.workspace.get('dscores', [pass.n, this.numClasses], this.dtype) });
  }

  private dhidden(pass: { n: number }): Tensor {
    return this.workspace.get('dhidden', [pass.n, this.hiddenDims], this.dtype);
  }

  /** How raw images become this model's inputs, saved with it; null when unknown (see Preprocessing). */
  preprocessing: Preprocessing | null = null;

  /** Class of each example, from inputs or raw images (see models/predict.ts). */
  predict(X: PredictInput, options?: PredictOptions): Int32Array {
    return predictClasses(this, X, options);
  }

  /** Softmax probabilities (N, C), from inputs or raw images (see models/predict.ts). */
  predictProba(X: PredictInput, options?: ScoresOptions): Tensor {
    return predictProba(this, X, options);
  }

  /** Class scores (N, C) of a test-time pass, from inputs or raw images (see models/predict.ts). */
  scores(X: PredictInput, options?: ScoresOptions): Tensor {
    return predictScores(this, X, options);
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

  /** The bytes of the file `save` writes, to store anywhere (loadModel reads them back). */
  toBuffer(): Buffer {
    return encodeModel(this);
  }

  /** Saves as `save` does, the file written and renamed into place off the event loop. */
  saveAsync(file: string): Promise<void> {
    return saveModelAsync(this, file);
  }

  /** Loads a TwoLayerNet saved by `save`; other files and architectures are refused. */
  static load(file: string): TwoLayerNet {
    return TwoLayerNet.fromCheckpoint(file, readCheckpoint(file, 'TwoLayerNet'));
  }

  /** Builds the model a checkpoint read from `file` describes. */
  static fromCheckpoint(file: string, checkpoint: Checkpoint): TwoLayerNet {
    const model = new TwoLayerNet({ ...(checkpoint.config as unknown as TwoLayerNetOptions), rng: 0 });
    restoreTensors(file, 'parameters', model.params, checkpoint.params);
    model.preprocessing = checkpoint.preprocessing;
    return model;
  }
}
