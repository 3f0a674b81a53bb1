/**
 * The reference's `neural_net.TwoLayerNet`, the non-modular network of the
 * two_layer_nn notebook, kept apart from the modular TwoLayerNet because its
 * layout and training differ: W1 is (H, D) and W2 (C, H), scores are
 * relu(X W1^T + b1) W2^T + b2, and `train` runs its own SGD loop drawing
 * minibatches as `np.random.choice(N, batchSize)` does.
 *
 * Fixed from the reference: the softmax subtracts the row max (no overflow).
 */
import { reluBackward, reluForward } from '../layers/activations';
import { softmaxLoss } from '../layers/losses';
import { native } from '../native';
import { addScaled, columnSums, matmul, sumSquares } from '../ops';
import { type NumpyRandomState, randomStateArg, type RandomSource } from '../random';
import { Tensor, empty, zeros, type DType, type FloatArray } from '../tensor';
import {
  booleanArg, dtypeArg, formatShape, invalidType, invalidValue, type KeySet, type Labels, labelsArg, ndimArg, nonEmptyTensorArg, nonNegativeNumberArg, optionsObjectArg, positiveIntegerArg, positiveNumberArg, sameDtype,
} from '../validate';
import { encodeModel, readCheckpoint, restoreTensors, saveModel, type Checkpoint } from './checkpoint';
import type { Checkpointable, Params } from './model';
import { saveModelAsync } from './model-io';
import { predictClasses, predictProba, predictScores, type PredictInput, type PredictOptions, type ScoresOptions } from './predict';
import type { Preprocessing } from './preprocessing';
import { Workspace } from './workspace';

export interface StandaloneTwoLayerNetOptions {
  /** Standard deviation of the initial weights (default 1e-4). */
  std?: number;
  /** Precision (default float64). */
  dtype?: DType;
  /** Generator or seed for the initial weights, and the default for `train`'s sampling. */
  rng?: RandomSource;
}

/** The keys of StandaloneTwoLayerNetOptions, checked against the type: an unknown key is an error. */
const STANDALONE_TWO_LAYER_NET_OPTIONS = { std: true, dtype: true, rng: true } as const satisfies KeySet<StandaloneTwoLayerNetOptions>;

export interface TrainOptions {
  learningRate?: number;
  /** Factor applied to the learning rate once per epoch (default 0.95). */
  learningRateDecay?: number;
  reg?: number;
  numIters?: number;
  batchSize?: number;
  /** Print the loss every 100 iterations (default false). */
  verbose?: boolean;
  /** Generator for the minibatches (default: the one the model was built with). */
  rng?: RandomSource;
}

/** The keys of TrainOptions, checked against the type: an unknown key is an error. */
const TRAIN_OPTIONS = { learningRate: true, learningRateDecay: true, reg: true, numIters: true, batchSize: true, verbose: true, rng: true } as const satisfies KeySet<TrainOptions>;

export interface TrainStats {
  /** Loss of every iteration's minibatch. */
  lossHistory: number[];
  /**
   * Once per epoch, accuracy on that iteration's minibatch, as the reference
   * measures it (batchSize examples, not the whole training set).
   */
  trainAccHistory: number[];
  /** Once per epoch, accuracy on the whole validation set. */
  valAccHistory: number[];
}

/**
 * The two_layer_nn notebook's network: `new StandaloneTwoLayerNet(D, H, C)`
 * has W1 (H, D), b1 (H,), W2 (C, H), b2 (C,) drawn as std * randn; loss(X, y,
 * reg) on X (N, D) gives the softmax loss and gradients (or the scores (N, C)
 * without y), and train() runs the notebook's SGD loop.
 */
export class StandaloneTwoLayerNet implements Checkpointable {
  readonly architecture = 'StandaloneTwoLayerNet';
  readonly params: Params;
  readonly dtype: DType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  readonly std: number;
  private readonly rng: NumpyRandomState;
  private readonly workspace = new Workspace();

  /**
   * W1 (H, D) and W2 (C, H) are std * randn, drawn in that order; biases are zero.
   * @param inputSize D
   * @param hiddenSize H
   * @param outputSize C
   */
  constructor(inputSize: number, hiddenSize: number, outputSize: number, options: StandaloneTwoLayerNetOptions = {}) {
    const fn = 'StandaloneTwoLayerNet';
    this.inputSize = positiveIntegerArg(fn, 'inputSize', inputSize);
    this.hiddenSize = positiveIntegerArg(fn, 'hiddenSize', hiddenSize);
    this.outputSize = positiveIntegerArg(fn, 'outputSize', outputSize);
    const o = optionsObjectArg(fn, 'options', options, STANDALONE_TWO_LAYER_NET_OPTIONS);
    this.std = positiveNumberArg(fn, 'options.std', o.std ?? 1e-4);
    this.dtype = dtypeArg(fn, 'options.dtype', o.dtype ?? 'float64');
    this.rng = randomStateArg(fn, 'options.rng', o.rng);
    const scaled = (t: Tensor) => {
      for (let i = 0; i < t.size; i++) t.data[i] *= this.std;
      return t.astype(this.dtype);
    };
    this.params = {
      W1: scaled(this.rng.randn(this.hiddenSize, this.inputSize)),
      b1: zeros([this.hiddenSize], this.dtype),
      W2: scaled(this.rng.randn(this.outputSize, this.hiddenSize)),
      b2: zeros([this.outputSize], this.dtype),
    };
  }

  private inputArg(fn: string, X: unknown): Tensor {
    const x = nonEmptyTensorArg(fn, 'X', X);
    ndimArg(fn, 'X', x, 2);
    sameDtype(fn, { W1: this.params.W1, X: x });
    if (x.shape[1] !== this.inputSize) {
      throw new RangeError(`${fn}: X has shape ${formatShape(x.shape)} but the network takes ${this.inputSize} inputs`);
    }
    return x;
  }

  /** a (N, K) b^T + bias into out: every row starts as the bias, and gemm adds the product. */
  private affine(a: Tensor, w: Tensor, bias: Tensor, out: Tensor): Tensor {
    seedRows(out.data, bias.data, a.shape[0]);
    return matmul(a, w, { transB: true, out, accumulate: true });
  }

  /**
   * Scores, or loss and gradients, with L2 penalty 0.5 * reg * (|W1|^2 + |W2|^2).
   * @param X inputs (N, D)
   * @param y labels (N,); without them only the scores are computed
   * @param reg regularization strength (default 0)
   * @returns scores (N, C) without y; [loss, grads] with y
   */
  loss(X: Tensor): Tensor;
  loss(X: Tensor, y: Labels, reg?: number): [number, Params];
  loss(X: Tensor, y?: Labels, reg = 0): Tensor | [number, Params] {
    const fn = 'StandaloneTwoLayerNet.loss';
    const x = this.inputArg(fn, X);
    if (y === undefined) return this.forward(x, empty([x.shape[0], this.outputSize], this.dtype)).scores;
    const grads = Object.fromEntries(Object.entries(this.params).map(([k, p]) => [k, empty(p.shape, p.dtype)]));
    return [this.lossInto(x, y, nonNegativeNumberArg(fn, 'reg', reg), grads), grads];
  }

  /** The hidden activations (in the workspace) and the scores (into `scores`). */
  private forward(x: Tensor, scores: Tensor): { a1: Tensor; scores: Tensor } {
    const { W1, b1, W2, b2 } = this.params;
    const z1 = this.affine(x, W1, b1, this.workspace.get('z1', [x.shape[0], this.hiddenSize], this.dtype));
    const [a1] = reluForward(z1, { out: z1 });
    return { a1, scores: this.affine(a1, W2, b2, scores) };
  }

  /** The loss of a checked batch, its gradients written into grads; intermediates in the workspace. */
  private lossInto(x: Tensor, y: Labels, reg: number, grads: Params): number {
    const ws = this.workspace;
    const n = x.shape[0];
    const { W1, W2 } = this.params;
    const { a1, scores } = this.forward(x, ws.get('scores', [n, this.outputSize], this.dtype));
    const [dataLoss, dz2] = softmaxLoss(scores, y, { dx: ws.get('dz2', [n, this.outputSize], this.dtype) });
    const loss = dataLoss + 0.5 * reg * (sumSquares(W1) + sumSquares(W2));
    matmul(dz2, a1, { transA: true, out: grads.W2 });
    columnSums(dz2, { out: grads.b2 });
    // The ReLU's mask is a1 > 0, which is z1 > 0.
    const da1 = matmul(dz2, W2, { out: ws.get('da1', [n, this.hiddenSize], this.dtype) });
    const dz1 = reluBackward(da1, a1, { dx: da1 });
    matmul(dz1, x, { transA: true, out: grads.W1 });
    columnSums(dz1, { out: grads.b1 });
    if (reg !== 0) {
      addScaled(grads.W2, reg, W2);
      addScaled(grads.W1, reg, W1);
    }
    return loss;
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

  /**
   * Minibatch SGD, as the reference's `train`: each iteration samples
   * batchSize rows with replacement, steps every parameter by
   * -learningRate * grad, and once per epoch (every max(N / batchSize, 1)
   * iterations, counting from the first) records the accuracies and decays
   * the learning rate.
   */
  train(X: Tensor, y: Labels, XVal: Tensor, yVal: Labels, options: TrainOptions = {}): TrainStats {
    const fn = 'StandaloneTwoLayerNet.train';
    const x = this.inputArg(fn, X);
    const n = x.shape[0];
    const labels = labelsArg(fn, 'y', y, n, this.outputSize);
    const xVal = this.inputArg(fn, XVal);
    const labelsVal = labelsArg(fn, 'yVal', yVal, xVal.shape[0], this.outputSize);
    const o = optionsObjectArg(fn, 'options', options, TRAIN_OPTIONS);
    let learningRate = nonNegativeNumberArg(fn, 'options.learningRate', o.learningRate ?? 1e-3);
    const decay = nonNegativeNumberArg(fn, 'options.learningRateDecay', o.learningRateDecay ?? 0.95);
    const reg = nonNegativeNumberArg(fn, 'options.reg', o.reg ?? 1e-5);
    const numIters = positiveIntegerArg(fn, 'options.numIters', o.numIters ?? 100);
    const batchSize = positiveIntegerArg(fn, 'options.batchSize', o.batchSize ?? 200);
    const verbose = booleanArg(fn, 'options.verbose', o.verbose ?? false);
    const rng = o.rng === undefined ? this.rng : randomStateArg(fn, 'options.rng', o.rng);

    // Python 3's true division: for N = 5 and batches of 200 an epoch is one iteration.
    const iterationsPerEpoch = Math.max(n / batchSize, 1);
    const xBatch = empty([batchSize, this.inputSize], this.dtype);
    const yBatch = new Int32Array(batchSize);
    const stats: TrainStats = { lossHistory: [], trainAccHistory: [], valAccHistory: [] };
    const addon = native();
    for (let it = 0; it < numIters; it++) {
      const idx = rng.choice(n, batchSize);
      addon.gatherRows(x.data, idx, xBatch.data, this.inputSize);
      for (let i = 0; i < batchSize; i++) yBatch[i] = labels[idx[i]];
      const loss = this.sgdStep(fn, xBatch.data, yBatch, learningRate, reg);
      stats.lossHistory.push(loss);
      if (verbose && it % 100 === 0) console.log(`iteration ${it} / ${numIters}: loss ${loss}`);
      if (it % iterationsPerEpoch === 0) {
        stats.trainAccHistory.push(accuracy(this.predict(xBatch), yBatch));
        stats.valAccHistory.push(accuracy(this.predict(xVal), labelsVal));
        learningRate *= decay;
      }
    }
    return stats;
  }

  /**
   * One SGD iteration on a checked batch x (batchSize, D) with labels y,
   * calling the addon directly, with the update fused into the backward
   * pass: each dW gemm accumulates straight into its weights (w <- (1 - lr
   * reg) w - lr dz^T a), the step the reference takes from its gradients up
   * to rounding. No gradient is written and read back, and no layer
   * function checks its arguments around each kernel: in W1 (200 x 3072,
   * hidden 50) those passes and checks took a tenth of the step beside its
   * two large gemms. Parameters are checked here, and the addon checks every
   * length again. Returns the loss before the step.
   */
  private sgdStep(fn: string, x: FloatArray, y: Int32Array, lr: number, reg: number): number {
    const { inputSize: D, hiddenSize: H, outputSize: C, dtype: dt } = this;
    const n = y.length;
    const W1 = this.paramData(fn, 'W1', H * D);
    const b1 = this.paramData(fn, 'b1', H);
    const W2 = this.paramData(fn, 'W2', C * H);
    const b2 = this.paramData(fn, 'b2', C);
    const ws = this.workspace;
    const addon = native();
    const a1 = ws.get('z1', [n, H], dt).data;
    seedRows(a1, b1, n);
    addon.gemm(false, true, n, H, D, 1, x, W1, 1, a1);
    addon.reluForward(a1, a1);
    const scores = ws.get('scores', [n, C], dt).data;
    seedRows(scores, b2, n);
    addon.gemm(false, true, n, C, H, 1, a1, W2, 1, scores);
    const dz2 = ws.get('dz2', [n, C], dt).data;
    const loss = addon.softmaxLoss(scores, y, dz2, n, C) + 0.5 * reg * (addon.sumSquares(W1) + addon.sumSquares(W2));
    // da1 = dz2 W2 with W2 before its step; the ReLU's mask is a1 > 0, which is z1 > 0.
    const da1 = ws.get('da1', [n, H], dt).data;
    addon.gemm(false, false, n, H, C, 1, dz2, W2, 0, da1);
    addon.reluBackward(da1, a1, da1);
    const decay = 1 - lr * reg;
    addon.gemm(true, false, C, H, n, -lr, dz2, a1, decay, W2);
    addon.gemm(true, false, H, D, n, -lr, da1, x, decay, W1);
    const db2 = ws.get('db2', [C], dt).data;
    const db1 = ws.get('db1', [H], dt).data;
    addon.columnSums(dz2, db2, n, C);
    addon.columnSums(da1, db1, n, H);
    addon.axpy(-lr, db2, b2);
    addon.axpy(-lr, db1, b1);
    return loss;
  }

  /** The data of parameter name, which must still hold size values of the model's dtype. */
  private paramData(fn: string, name: string, size: number): FloatArray {
    const t = this.params[name];
    if (!(t instanceof Tensor) || t.dtype !== this.dtype || t.size !== size) {
      throw invalidType(fn, `params.${name}`, `a ${this.dtype} tensor of ${size} values`, t);
    }
    return t.data;
  }

  buffers(): Params {
    return {};
  }

  config(): Record<string, unknown> {
    const { inputSize, hiddenSize, outputSize, std, dtype } = this;
    return { inputSize, hiddenSize, outputSize, std, dtype };
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

  /** Loads a StandaloneTwoLayerNet saved by `save`; other files and architectures are refused. */
  static load(file: string): StandaloneTwoLayerNet {
    return StandaloneTwoLayerNet.fromCheckpoint(file, readCheckpoint(file, 'StandaloneTwoLayerNet'));
  }

  /** Builds the model a checkpoint read from `file` describes. */
  static fromCheckpoint(file: string, checkpoint: Checkpoint): StandaloneTwoLayerNet {
    const c = checkpoint.config as { inputSize: number; hiddenSize: number; outputSize: number; std: number; dtype: DType };
    const model = new StandaloneTwoLayerNet(c.inputSize, c.hiddenSize, c.outputSize, { std: c.std, dtype: c.dtype, rng: 0 });
    restoreTensors(file, 'parameters', model.params, checkpoint.params);
    model.preprocessing = checkpoint.preprocessing;
    return model;
  }
}

/** Every row of out (n rows) set to bias, for a gemm to add its product to. */
function seedRows(out: FloatArray, bias: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) out.set(bias, i * bias.length);
}

/** Class indices as accuracy takes them: a typed array or an array of numbers. */
function classesArg(fn: string, name: string, value: unknown): ArrayLike<number> {
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) return value as ArrayLike<number>;
  throw invalidType(fn, name, 'an Int32Array, Uint8Array or number[] of class indices', value);
}

/**
 * Fraction of predictions equal to the labels.
 * @param predicted class indices, e.g. from argmaxRows
 * @param labels the true classes, as many as predicted (at least one)
 */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  const fn = 'accuracy';
  const p = classesArg(fn, 'predicted', predicted);
  const y = classesArg(fn, 'labels', labels);
  if (p.length !== y.length) throw new RangeError(`${fn}: predicted has ${p.length} values but labels has ${y.length}`);
  if (p.length === 0) throw invalidValue(fn, 'predicted', 'at least one prediction', p);
  let correct = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === y[i]) correct++;
  return correct / p.length;
}
