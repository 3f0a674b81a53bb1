/**
 * The reference's `fc_net.FullyConnectedNet`, with its known bugs fixed:
 * {affine - [batchnorm] - relu - [dropout]} x (L - 1) - affine - softmax.
 * Parameters W1..WL, b1..bL, and gamma1..gamma(L-1), beta1..beta(L-1) with
 * batchnorm; L2 regularization on the weights only.
 */
import { affineBackward, affineBackwardSgd, affineForward, type AffineCache } from '../layers/affine';
import { reluBackward, reluForward } from '../layers/activations';
import { batchnormBackward, batchnormForward, type BatchnormCache, type BatchnormParam } from '../layers/batchnorm';
import { dropoutBackward, dropoutForward, type DropoutCache, type DropoutParam } from '../layers/dropout';
import { softmaxLoss } from '../layers/losses';
import { affineReluBackward, affineReluBackwardSgd, affineReluForward, type AffineReluCache } from '../layer-utils';
import { sgd } from '../optim';
import { randomStateArg, type NumpyRandomState, type RandomSource } from '../random';
import { native } from '../native';
import { Tensor, zeros, type DType, type FloatArray } from '../tensor';
import {
  booleanArg, dtypeArg, formatShape, invalidType, invalidValue, labelsArg, nonNegativeIntegerArg, nonNegativeNumberArg,
  numberArg, objectArg, positiveIntegerArg, positiveNumberArg, tensorArg, type Labels,
} from '../validate';
import { encodeModel, readCheckpoint, restoreTensors, saveModel, type Checkpoint } from './checkpoint';
import { addL2, gradOutputs, inputArg, l2Penalty, type Model, type ModelLossOptions, type Params } from './model';
import { saveModelAsync } from './model-io';
import { predictClasses, predictProba, predictScores, type PredictInput, type PredictOptions, type ScoresOptions } from './predict';
import type { Preprocessing } from './preprocessing';
import { Workspace } from './workspace';

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

/** What the forward pass leaves for the loss and the backward pass. */
interface ForwardPass {
  n: number;
  scores: Tensor;
  caches: BlockCache[];
  last: AffineCache;
}

/** What one hidden block's forward pass leaves for its backward pass. */
interface BlockCache {
  affine?: AffineCache;
  affineRelu?: AffineReluCache;
  batchnorm?: BatchnormCache;
  relu?: Tensor;
  dropout?: DropoutCache;
}

export class FullyConnectedNet implements Model {
  readonly architecture = 'FullyConnectedNet';
  readonly params: Params = {};
  readonly hiddenDims: readonly number[];
  readonly inputDim: number;
  readonly numClasses: number;
  readonly dropout: number;
  readonly useBatchnorm: boolean;
  readonly weightScale: number;
  readonly dtype: DType;
  readonly seed: number | undefined;
  readonly numLayers: number;
  /** L2 regularization strength; may be changed between calls. */
  reg: number;
  /** One per hidden layer when batchnorm is on: mode and running statistics. */
  readonly bnParams: BatchnormParam[] = [];
  /** Shared by every dropout layer. */
  readonly dropoutParam: DropoutParam | undefined;
  private readonly rng: NumpyRandomState;
  private readonly workspace = new Workspace();
  /** W1..WL, the weights the L2 penalty covers. */
  private readonly weights: readonly string[];
  /** Per layer l (from 1, at index l - 1): its bias's name, and the names of its output and gradient in the workspace. */
  private readonly names: { b: readonly string[]; h: readonly string[]; dh: readonly string[] };
  /** Layer sizes: input, hidden..., classes. */
  private readonly dims: readonly number[];

  /**
   * @param hiddenDims sizes of the hidden layers, e.g. [100, 100]
   */
  constructor(hiddenDims: readonly number[], options: FullyConnectedNetOptions = {}) {
    const fn = 'FullyConnectedNet';
    if (!Array.isArray(hiddenDims)) throw invalidType(fn, 'hiddenDims', 'an array of positive integers', hiddenDims);
    this.hiddenDims = Object.freeze(hiddenDims.map((h, i) => positiveIntegerArg(fn, `hiddenDims[${i}]`, h)));
    const o = objectArg(fn, 'options', options);
    this.inputDim = positiveIntegerArg(fn, 'options.inputDim', o.inputDim ?? 3 * 32 * 32);
    this.numClasses = positiveIntegerArg(fn, 'options.numClasses', o.numClasses ?? 10);
    this.dropout = numberArg(fn, 'options.dropout', o.dropout ?? 0);
    if (this.dropout < 0 || this.dropout >= 1) throw invalidValue(fn, 'options.dropout', 'a drop probability in [0, 1)', o.dropout);
    this.useBatchnorm = booleanArg(fn, 'options.useBatchnorm', o.useBatchnorm ?? false);
    this.reg = nonNegativeNumberArg(fn, 'options.reg', o.reg ?? 0);
    this.weightScale = positiveNumberArg(fn, 'options.weightScale', o.weightScale ?? 1e-2);
    this.dtype = dtypeArg(fn, 'options.dtype', o.dtype ?? 'float32');
    this.seed = o.seed === undefined ? undefined : nonNegativeIntegerArg(fn, 'options.seed', o.seed);
    this.rng = randomStateArg(fn, 'options.rng', o.rng);
    this.numLayers = this.hiddenDims.length + 1;
    this.weights = Object.freeze(Array.from({ length: this.numLayers }, (_, i) => `W${i + 1}`));
    const names = (prefix: string) => Object.freeze(Array.from({ length: this.numLayers }, (_, i) => `${prefix}${i + 1}`));
    this.names = { b: names('b'), h: names('h'), dh: names('dh') };
    const dims = (this.dims = Object.freeze([this.inputDim, ...this.hiddenDims, this.numClasses]));
    for (let l = 1; l <= this.numLayers; l++) {
      this.params[`W${l}`] = this.rng.normal(0, this.weightScale, [dims[l - 1], dims[l]]).astype(this.dtype);
      this.params[`b${l}`] = zeros([dims[l]], this.dtype);
    }
    if (this.useBatchnorm) {
      for (let l = 1; l < this.numLayers; l++) {
        const gamma = zeros([dims[l]], this.dtype);
        gamma.data.fill(1);
        this.params[`gamma${l}`] = gamma;
        this.params[`beta${l}`] = zeros([dims[l]], this.dtype);
        this.bnParams.push({ mode: 'train', runningMean: zeros([dims[l]], this.dtype), runningVar: zeros([dims[l]], this.dtype) });
      }
    }
    if (this.dropout > 0) {
      this.dropoutParam = { mode: 'train', p: this.dropout, ...(this.seed === undefined ? { rng: this.rng } : { seed: this.seed }) };
    }
  }

  /**
   * Scores, or loss and gradients.
   * @param X inputs, shape (N, d1, ..., dk) with d1 * ... * dk = inputDim; cast to the model's dtype
   * @param y labels (N,); without them the call is a test-time pass (batchnorm
   *   uses its running statistics, dropout is the identity)
   * @param options `grads`: tensors to write the gradients into
   * @returns scores (N, C) without y; [loss, grads] with y
   */
  loss(X: Tensor): Tensor;
  loss(X: Tensor, y: Labels, options?: ModelLossOptions): [number, Params];
  loss(X: Tensor, y?: Labels, options?: ModelLossOptions): Tensor | [number, Params] {
    const fn = 'FullyConnectedNet.loss';
    const pass = this.forward(fn, X, y === undefined);
    if (y === undefined) return pass.scores;
    const grads = gradOutputs(fn, options, this.params);
    const [dataLoss, dscores] = this.dataLoss(pass, y);
    this.backward(pass, dscores, { grads });
    return [addL2(dataLoss, this.reg, this.params, grads, this.weights), grads];
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
    const fn = 'FullyConnectedNet.sgdStep';
    const lr = nonNegativeNumberArg(fn, 'learningRate', learningRate);
    if (!this.useBatchnorm && !this.dropoutParam) return this.plainSgdStep(fn, X, y, lr);
    const pass = this.forward(fn, X, false);
    const [dataLoss, dscores] = this.dataLoss(pass, y);
    const loss = dataLoss + l2Penalty(this.reg, this.params, this.weights);
    if (Number.isFinite(loss)) this.backward(pass, dscores, { learningRate: lr });
    return loss;
  }

  /**
   * sgdStep of a network without batchnorm or dropout, calling the addon
   * directly: the same kernels as forward and backward, without the layer
   * functions' argument checks around each. Those cost about a tenth of a
   * W3 step (200 x 3072 into [100, 100]), because their code and objects are
   * out of the cache after every large gemm. The layers' shapes are fixed at
   * construction; the parameters are checked once per step here, and the
   * addon checks every length again.
   */
  private plainSgdStep(fn: string, X: Tensor, y: Labels, lr: number): number {
    const x = inputArg(fn, X, this.inputDim, this.dtype);
    const n = x.shape[0];
    const labels = labelsArg(fn, 'y', y, n, this.numClasses);
    const { dims, names } = this;
    const L = this.numLayers;
    const W: FloatArray[] = [];
    const b: FloatArray[] = [];
    for (let l = 1; l <= L; l++) {
      W.push(this.paramData(fn, this.weights[l - 1], [dims[l - 1], dims[l]]));
      b.push(this.paramData(fn, names.b[l - 1], [dims[l]]));
    }
    const ws = this.workspace;
    const dt = this.dtype;
    const addon = native();
    // h[l] is the input of layer l + 1: the batch, then each hidden layer's output.
    const h: FloatArray[] = [x.data];
    for (let l = 1; l < L; l++) {
      h.push(ws.get(names.h[l - 1], [n, dims[l]], dt).data);
      addon.affineReluForward(h[l - 1], W[l - 1], b[l - 1], h[l], n, dims[l - 1], dims[l]);
    }
    const scores = ws.get('scores', [n, dims[L]], dt).data;
    addon.affineForward(h[L - 1], W[L - 1], b[L - 1], scores, n, dims[L - 1], dims[L]);
    const dscores = ws.get('dscores', [n, dims[L]], dt).data;
    const loss = addon.softmaxLoss(scores, labels, dscores, n, dims[L]) + l2Penalty(this.reg, this.params, this.weights);
    if (!Number.isFinite(loss)) return loss;
    let dout = dscores;
    for (let l = L; l >= 1; l--) {
      // The gradient reaching the output of hidden layer l - 1; the input (l = 1) needs none.
      const dx = l === 1 ? null : ws.get(names.dh[l - 2], [n, dims[l - 1]], dt).data;
      if (l === L) addon.affineBackwardSgd(dout, h[l - 1], W[l - 1], b[l - 1], dx, n, dims[l - 1], dims[l], lr, this.reg);
      else addon.affineReluBackwardSgd(dout, h[l - 1], W[l - 1], b[l - 1], h[l], dx, n, dims[l - 1], dims[l], lr, this.reg);
      if (dx) dout = dx;
    }
    return loss;
  }

  /**
   * The data of parameter name, which must still have the layer's shape and
   * the model's dtype: the same kinds of errors as the layer functions give
   * in loss() (a RangeError for a shape, a TypeError for a dtype).
   */
  private paramData(fn: string, name: string, shape: readonly number[]): FloatArray {
    const t = tensorArg(fn, `params.${name}`, this.params[name]);
    if (t.dtype !== this.dtype) {
      throw new TypeError(`${fn}: params.${name} is ${t.dtype} but the network is ${this.dtype}; convert it with .astype()`);
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new RangeError(`${fn}: params.${name} has shape ${formatShape(t.shape)} but the layer needs ${formatShape(shape)}`);
    }
    return t.data;
  }

  /** The forward pass in test mode (scores handed to the caller) or train mode (scores kept inside). */
  private forward(fn: string, X: Tensor, test: boolean): ForwardPass {
    const mode = test ? 'test' : 'train';
    for (const bn of this.bnParams) bn.mode = mode;
    if (this.dropoutParam) this.dropoutParam.mode = mode;
    const p = this.params;
    let h = inputArg(fn, X, this.inputDim, this.dtype);
    const n = h.shape[0];
    const ws = this.workspace;
    const dt = this.dtype;
    const caches: BlockCache[] = [];
    for (let l = 1; l < this.numLayers; l++) {
      const cache: BlockCache = {};
      const width = this.hiddenDims[l - 1];
      const out = { out: ws.get(`h${l}`, [n, width], dt) };
      if (this.useBatchnorm) {
        const [a, affine] = affineForward(h, p[`W${l}`], p[`b${l}`], out);
        const [normed, batchnorm] = batchnormForward(a, p[`gamma${l}`], p[`beta${l}`], this.bnParams[l - 1], { out: a });
        [h] = reluForward(normed, { out: normed });
        Object.assign(cache, { affine, batchnorm: batchnorm ?? undefined, relu: h });
      } else {
        [h, cache.affineRelu] = affineReluForward(h, p[`W${l}`], p[`b${l}`], out);
      }
      if (this.dropoutParam) [h, cache.dropout] = dropoutForward(h, this.dropoutParam, { out: ws.get(`drop${l}`, [n, width], dt) });
      caches.push(cache);
    }
    const L = this.numLayers;
    const [scores, last] = affineForward(h, p[`W${L}`], p[`b${L}`], test ? {} : { out: ws.get('scores', [n, this.numClasses], dt) });
    return { n, scores, caches, last };
  }

  private dataLoss(pass: ForwardPass, y: Labels): [number, Tensor] {
    return softmaxLoss(pass.scores, y, { dx: this.workspace.get('dscores', [pass.n, this.numClasses], this.dtype) });
  }

  /**
   * Backpropagates dscores through the blocks, writing every parameter's
   * gradient into grads, or stepping every parameter by -learningRate times
   * its gradient (reg folded in for the weights), fused where the layer allows.
   */
  private backward(pass: ForwardPass, dscores: Tensor, update: { grads: Params } | { learningRate: number }): void {
    const p = this.params;
    const ws = this.workspace;
    const dt = this.dtype;
    const { n, caches } = pass;
    const L = this.numLayers;
    const step = 'learningRate' in update ? { learningRate: update.learningRate, reg: this.reg } : undefined;
    const grad = (name: string) => ('grads' in update ? update.grads[name] : ws.get(`d${name}`, p[name].shape, dt));
    // The gradient reaching the output of hidden layer l is written into
    // dh{l}; the input (l = 0) needs none.
    const dhOf = (l: number) => ws.get(`dh${l}`, [n, this.hiddenDims[l - 1]], dt);
    const dxOf = (l: number) => (l === 0 ? false : dhOf(l));
    if (step) affineBackwardSgd(dscores, pass.last, p[`b${L}`], { ...step, dx: dxOf(L - 1) });
    else affineBackward(dscores, pass.last, { dx: dxOf(L - 1), dw: grad(`W${L}`), db: grad(`b${L}`) });
    for (let l = L - 1; l >= 1; l--) {
      const cache = caches[l - 1];
      const dh = dhOf(l);
      if (cache.dropout) dropoutBackward(dh, cache.dropout, { dx: dh });
      if (cache.affineRelu) {
        if (step) affineReluBackwardSgd(dh, cache.affineRelu, p[`b${l}`], { ...step, dx: dxOf(l - 1) });
        else affineReluBackward(dh, cache.affineRelu, { dx: dxOf(l - 1), dw: grad(`W${l}`), db: grad(`b${l}`) });
        continue;
      }
      reluBackward(dh, cache.relu as Tensor, { dx: dh });
      const [da] = batchnormBackward(dh, cache.batchnorm as BatchnormCache, {
        dx: ws.get(`dbn${l}`, [n, this.hiddenDims[l - 1]], dt), dw: grad(`gamma${l}`), db: grad(`beta${l}`),
      });
      if (step) {
        for (const name of [`gamma${l}`, `beta${l}`]) sgd(p[name], grad(name), { learningRate: step.learningRate }, { out: p[name] });
        affineBackwardSgd(da, cache.affine as AffineCache, p[`b${l}`], { ...step, dx: dxOf(l - 1) });
      } else {
        affineBackward(da, cache.affine as AffineCache, { dx: dxOf(l - 1), dw: grad(`W${l}`), db: grad(`b${l}`) });
      }
    }
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

  /** Batchnorm running statistics, runningMean1, runningVar1, ... */
  buffers(): Params {
    const out: Params = {};
    this.bnParams.forEach((bn, i) => {
      out[`runningMean${i + 1}`] = bn.runningMean as Tensor;
      out[`runningVar${i + 1}`] = bn.runningVar as Tensor;
    });
    return out;
  }

  config(): Record<string, unknown> {
    const { hiddenDims, inputDim, numClasses, dropout, useBatchnorm, reg, weightScale, dtype, seed } = this;
    return { hiddenDims, inputDim, numClasses, dropout, useBatchnorm, reg, weightScale, dtype, ...(seed === undefined ? {} : { seed }) };
  }

  /** Saves parameters, running statistics and config as safetensors, atomically. */
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

  /** Loads a FullyConnectedNet saved by `save`; other files and architectures are refused. */
  static load(file: string): FullyConnectedNet {
    return FullyConnectedNet.fromCheckpoint(file, readCheckpoint(file, 'FullyConnectedNet'));
  }

  /** Builds the model a checkpoint read from `file` describes. */
  static fromCheckpoint(file: string, checkpoint: Checkpoint): FullyConnectedNet {
    const { hiddenDims, ...options } = checkpoint.config as unknown as FullyConnectedNetOptions & { hiddenDims: number[] };
    const model = new FullyConnectedNet(hiddenDims, { ...options, rng: 0 });
    restoreTensors(file, 'parameters', model.params, checkpoint.params);
    restoreTensors(file, 'buffers', model.buffers(), checkpoint.buffers);
    model.preprocessing = checkpoint.preprocessing;
    return model;
  }
}
