/**
 * A network from a list of layers of the table (lib/layers/specs.ts), ending
 * in a loss: `new Sequential([{type: 'affine', units: 100}, {type: 'relu'},
 * {type: 'affine', units: 10}, {type: 'softmax'}])`, or the same as the
 * layer-list string 'affine100,relu,affine10'. Parameters are named W1, b1,
 * W2, ... for the layers with weights (affine, conv) in order, and gamma1,
 * beta1, ... for the batchnorm layers, as the reference names them; the L2
 * penalty covers the weights only. Layers that follow each other and have a
 * fused entry in the table (affine then relu) run as that entry.
 */
import type { BackwardRun, LayerParams, LayerSpec, LossKind, ParamDef, Role } from '../layers/specs';
import { formatLayers } from '../layers/layer-string';
import { native } from '../native';
import { sgd } from '../optim';
import { randomStateArg, type NumpyRandomState, type RandomSource } from '../random';
import { Tensor, zeros, type DType, type FloatArray, type Shape } from '../tensor';
import {
  dtypeArg, formatShape, invalidType, invalidValue, type KeySet, type Labels, labelsArg, nonNegativeIntegerArg, nonNegativeNumberArg, optionsObjectArg, positiveIntegerArg, positiveNumberArg, tensorArg,
} from '../validate';
import { encodeModel, readCheckpoint, restoreTensors, saveModel, type Checkpoint } from './checkpoint';
import { addL2, gradOutputs, inputArg, l2Penalty, type Model, type ModelLossOptions, type Params } from './model';
import { saveModelAsync } from './model-io';
import { planNetwork, roleNames, type LayerInput, type PlannedBlock } from './plan';
import { predictClasses, predictProba, predictScores, type PredictInput, type PredictOptions, type ScoresOptions } from './predict';
import type { Preprocessing } from './preprocessing';
import { Workspace } from './workspace';

export type { LayerInput } from './plan';

/** How the initial weights are drawn when no weightScale is given: 'he', N(0, 2 / fanIn). */
export type InitRule = 'he';

export interface SequentialOptions {
  /** Shape of one example (default [3, 32, 32]); inputs are viewed in it, so any shape of as many values works. */
  inputShape?: readonly number[];
  /** Number of classes, checked against the layers' output (default: what the layers give). */
  numClasses?: number;
  /** L2 regularization strength on the weights (default 0). */
  reg?: number;
  /** Standard deviation of every initial weight; without it, the init rule. */
  weightScale?: number;
  /** Rule for the initial weights' spread when no weightScale is given (default 'he'). */
  init?: InitRule;
  /** Precision (default float32). */
  dtype?: DType;
  /** Fixed seed for the dropout masks, reused on every pass so gradient checks see one mask. */
  seed?: number;
  /** Generator or seed for the initial weights and the dropout masks (default: the global one). */
  rng?: RandomSource;
}

/** The keys of SequentialOptions, checked against the type: an unknown key is an error. */
const SEQUENTIAL_OPTIONS = { inputShape: true, numClasses: true, reg: true, weightScale: true, init: true, dtype: true, seed: true, rng: true } as const satisfies KeySet<SequentialOptions>;

/** One step of the network as it runs: its plan, with its parameters' names by role, state and workspace names. */
interface Block extends PlannedBlock {
  inSize: number;
  outSize: number;
  /** Parameter names by role: {W: 'W2', b: 'b2'}. */
  names: Partial<Record<Role, string>>;
  state: unknown;
  /** Names of the forward output and input gradient in the workspace. */
  out: string;
  grad: string;
}

/** What a forward pass leaves for the loss and the backward pass. */
interface ForwardPass {
  n: number;
  scores: Tensor;
  caches: unknown[];
}

const DEFAULT_INPUT = Object.freeze([3, 32, 32]);

/**
 * A network of layers from the table, ending in a loss, given as a list of
 * layer objects or a layer string (see the module comment). loss(X, y) on X
 * (N, ...inputShape) gives [loss, grads] with grads shaped as params; loss(X)
 * gives the scores (N, numClasses) in test mode.
 */
export class Sequential implements Model {
  readonly architecture: string = 'Sequential';
  readonly params: Params = {};
  readonly dtype: DType;
  /** The layers, checked and with their defaults, the loss last. */
  readonly layers: readonly LayerSpec[];
  /** Shape of one example. */
  readonly inputShape: readonly number[];
  /** Values of one example. */
  readonly inputDim: number;
  readonly numClasses: number;
  /** Standard deviation of the initial weights, when given. */
  readonly weightScale: number | undefined;
  /** Rule of the initial weights when no weightScale was given. */
  readonly init: InitRule | undefined;
  readonly seed: number | undefined;
  /** L2 regularization strength; may be changed between calls. */
  reg: number;
  private readonly blocks: readonly Block[];
  private readonly lossKind: LossKind;
  /** The weights the L2 penalty covers, in order. */
  private readonly weights: readonly string[];
  /** Every parameter's name and shape, checked before each pass. */
  private readonly shapes: readonly [string, Shape][];
  /** Whether every block has direct addon calls, for sgdStep's fast path. */
  private readonly direct: boolean;
  private readonly rng: NumpyRandomState;
  private readonly workspace = new Workspace();

  /**
   * @param layers layer specs ending in a loss, or a layer-list string (see parseLayers; without a loss it ends in softmax)
   * @param options input shape, classes, regularization, initial weights, dtype, generator
   */
  constructor(layers: readonly LayerInput[] | string, options: SequentialOptions = {}) {
    const fn = 'Sequential';
    const o = optionsObjectArg(fn, 'options', options, SEQUENTIAL_OPTIONS);
    const shape = o.inputShape ?? DEFAULT_INPUT;
    if (!Array.isArray(shape) || shape.length === 0) throw invalidType(fn, 'options.inputShape', 'an array of positive integers', shape);
    this.inputShape = Object.freeze(shape.map((d, i) => positiveIntegerArg(fn, `options.inputShape[${i}]`, d)));
    this.inputDim = this.inputShape.reduce((a, b) => a * b, 1);
    const plan = planNetwork(fn, layers, this.inputShape);
    this.reg = nonNegativeNumberArg(fn, 'options.reg', o.reg ?? 0);
    if (o.weightScale !== undefined && o.init !== undefined) {
      throw invalidValue(fn, 'options.init', 'no init rule when options.weightScale is given', o.init);
    }
    this.weightScale = o.weightScale === undefined ? undefined : positiveNumberArg(fn, 'options.weightScale', o.weightScale);
    if (o.init !== undefined && o.init !== 'he') throw invalidValue(fn, 'options.init', "'he'", o.init);
    this.init = this.weightScale === undefined ? 'he' : undefined;
    this.dtype = dtypeArg(fn, 'options.dtype', o.dtype ?? 'float32');
    this.seed = o.seed === undefined ? undefined : nonNegativeIntegerArg(fn, 'options.seed', o.seed);
    this.rng = randomStateArg(fn, 'options.rng', o.rng);
    this.lossKind = plan.loss;
    this.layers = Object.freeze(plan.layers);
    if (o.numClasses !== undefined && positiveIntegerArg(fn, 'options.numClasses', o.numClasses) !== plan.numClasses) {
      throw new RangeError(`${fn}: options.numClasses is ${o.numClasses} but the layers give ${plan.numClasses} scores per example`);
    }
    this.numClasses = plan.numClasses;

    const env = { dtype: this.dtype, rng: this.rng, ...(this.seed === undefined ? {} : { seed: this.seed }) };
    const weights: string[] = [];
    const blocks = plan.blocks.map((b, at): Block => {
      // Drawn in order, layer by layer: the numpy streams of the reference's models.
      for (const def of b.params) {
        this.params[def.name] = this.initial(def);
        if (def.role === 'W') weights.push(def.name);
      }
      return {
        ...b, inSize: b.input.reduce((x, y) => x * y, 1), outSize: b.output.reduce((x, y) => x * y, 1), names: roleNames(b),
        state: b.kind.state?.(b.spec, b.input, env), out: `out${at}`, grad: `d${at}`,
      };
    });
    this.blocks = Object.freeze(blocks);
    this.weights = Object.freeze(weights);
    this.shapes = Object.freeze(Object.entries(this.params).map(([name, t]): [string, Shape] => [name, t.shape]));
    this.direct = blocks.every((b) => b.kind.direct !== undefined);
  }

  /** A parameter's first value: drawn weights (numpy's normal, then cast), zeros or ones. */
  private initial(def: ParamDef): Tensor {
    if (def.init === 'weight') {
      const std = this.weightScale ?? Math.sqrt(2 / (def.fanIn as number));
      return this.rng.normal(0, std, def.shape).astype(this.dtype);
    }
    const t = zeros(def.shape, this.dtype);
    if (def.init === 'ones') t.data.fill(1);
    return t;
  }

  /** The layers as a layer-list string: 'affine100,relu,affine10,softmax'. */
  toString(): string {
    return formatLayers(this.layers);
  }

  /**
   * Scores, or loss and gradients.
   * @param X inputs (N, ...), inputDim values per example, viewed as (N, ...inputShape); cast to the model's dtype
   * @param y labels (N,); without them the call is a test-time pass (batchnorm
   *   uses its running statistics, dropout is the identity)
   * @param options `grads`: tensors to write the gradients into
   * @returns scores (N, C) without y; [loss, grads] with y
   */
  loss(X: Tensor): Tensor;
  loss(X: Tensor, y: Labels, options?: ModelLossOptions): [number, Params];
  loss(X: Tensor, y?: Labels, options?: ModelLossOptions): Tensor | [number, Params] {
    const fn = `${this.architecture}.loss`;
    const pass = this.forward(fn, X, y === undefined);
    if (y === undefined) return pass.scores;
    const grads = gradOutputs(fn, options, this.params);
    const [dataLoss, dscores] = this.dataLoss(pass, y);
    this.backward(pass, dscores, { grads });
    return [addL2(dataLoss, this.reg, this.params, grads, this.weights), grads];
  }

  /**
   * One step of plain SGD with the update fused into the backward pass where
   * the layer has it (affine: the dW gemm accumulates into W), else computed
   * from the layer's gradients: the same as loss(X, y) then sgd on every
   * parameter, up to rounding. When the loss is not finite the parameters are
   * left as they were.
   * @param X inputs, as for loss
   * @param y labels (N,)
   * @param learningRate step size
   * @returns the loss before the step
   */
  sgdStep(X: Tensor, y: Labels, learningRate: number): number {
    const fn = `${this.architecture}.sgdStep`;
    const lr = nonNegativeNumberArg(fn, 'learningRate', learningRate);
    if (this.direct) return this.directSgdStep(fn, X, y, lr);
    const pass = this.forward(fn, X, false);
    const [dataLoss, dscores] = this.dataLoss(pass, y);
    const loss = dataLoss + l2Penalty(this.reg, this.params, this.weights);
    if (Number.isFinite(loss)) this.backward(pass, dscores, { learningRate: lr });
    return loss;
  }

  /**
   * sgdStep of a network whose every block has direct addon calls (affine,
   * affine-ReLU), calling the addon without the layer functions' argument
   * checks around each: those cost about a tenth of a W3 step (200 x 3072
   * into [100, 100]), because their code and objects are out of the cache
   * after every large gemm. The shapes are fixed at construction, the
   * parameters are checked once per step here, and the addon checks every
   * length again.
   */
  private directSgdStep(fn: string, X: Tensor, y: Labels, lr: number): number {
    const x = inputArg(fn, X, this.inputDim, this.dtype);
    const n = x.shape[0];
    const labels = labelsArg(fn, 'y', y, n, this.numClasses);
    this.checkParams(fn);
    const ws = this.workspace;
    const dt = this.dtype;
    const addon = native();
    const blocks = this.blocks;
    const p = this.params;
    // h[i] is the input of block i: the batch, then each block's output.
    const h: FloatArray[] = [x.data];
    blocks.forEach((b, i) => {
      h.push(ws.get(b.out, [n, b.outSize], dt).data);
      b.kind.direct!.forward(addon, h[i], p[b.names.W!].data, p[b.names.b!].data, h[i + 1], n, b.inSize, b.outSize);
    });
    const L = blocks.length;
    const dscores = ws.get('dscores', [n, this.numClasses], dt).data;
    const loss = this.lossKind.direct(addon, h[L], labels, dscores, n, this.numClasses) + l2Penalty(this.reg, p, this.weights);
    if (!Number.isFinite(loss)) return loss;
    let dout = dscores;
    for (let i = L - 1; i >= 0; i--) {
      const b = blocks[i];
      // The input needs no gradient.
      const dx = i === 0 ? null : ws.get(b.grad, [n, ...b.input], dt).data;
      b.kind.direct!.backwardSgd(addon, dout, h[i], p[b.names.W!].data, p[b.names.b!].data, h[i + 1], dx, n, b.inSize, b.outSize, lr, this.reg);
      if (dx) dout = dx;
    }
    return loss;
  }

  /**
   * Every parameter must still be a tensor of the model's dtype and its
   * layer's shape (the user may replace them): the same kinds of errors as
   * the layer functions give (a RangeError for a shape, a TypeError for a
   * dtype), before anything is computed or trained.
   */
  private checkParams(fn: string): void {
    for (const [name, shape] of this.shapes) {
      const t = tensorArg(fn, `params.${name}`, this.params[name]);
      if (t.dtype !== this.dtype) {
        throw new TypeError(`${fn}: params.${name} is ${t.dtype} but the network is ${this.dtype}; convert it with .astype()`);
      }
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new RangeError(`${fn}: params.${name} has shape ${formatShape(t.shape)} but the layer needs ${formatShape(shape)}`);
      }
    }
  }

  /** The forward pass in test mode (scores handed to the caller) or train mode (scores kept inside). */
  private forward(fn: string, X: Tensor, test: boolean): ForwardPass {
    let h = inputArg(fn, X, this.inputDim, this.dtype);
    const n = h.shape[0];
    if (h.ndim !== this.inputShape.length + 1 || h.shape.some((d, i) => i > 0 && d !== this.inputShape[i - 1])) {
      h = h.reshape(n, ...this.inputShape);
    }
    this.checkParams(fn);
    const mode = test ? 'test' : 'train';
    const ws = this.workspace;
    const caches: unknown[] = [];
    const L = this.blocks.length;
    this.blocks.forEach((b, i) => {
      // A test pass's scores are the caller's: never a tensor reused by the next call.
      const out = test && i === L - 1 ? undefined : ws.get(b.out, [n, ...b.output], this.dtype);
      let cache: unknown;
      [h, cache] = b.kind.forward(h, this.layerParams(b), b.state, { mode, out });
      caches.push(cache);
    });
    if (test && (ws.owns(h) || h.data.buffer === X.data.buffer)) h = h.clone();
    return { n, scores: h, caches };
  }

  private layerParams(b: Block): LayerParams {
    const p: LayerParams = {};
    for (const [role, name] of Object.entries(b.names) as [Role, string][]) p[role] = this.params[name];
    return p;
  }

  private dataLoss(pass: ForwardPass, y: Labels): [number, Tensor] {
    return this.lossKind.loss(pass.scores, y, { dx: this.workspace.get('dscores', [pass.n, this.numClasses], this.dtype) });
  }

  /**
   * Backpropagates dscores through the blocks, writing every parameter's
   * gradient into grads, or stepping every parameter by -learningRate times
   * its gradient (reg folded in for the weights), fused where the layer allows.
   */
  private backward(pass: ForwardPass, dscores: Tensor, update: { grads: Params } | { learningRate: number }): void {
    const ws = this.workspace;
    const dt = this.dtype;
    const { n, caches } = pass;
    let dout: Tensor | null = dscores;
    for (let i = this.blocks.length - 1; i >= 0 && dout !== null; i--) {
      const b = this.blocks[i];
      const p = this.layerParams(b);
      const run = { dx: ws.get(b.grad, [n, ...b.input], dt), needDx: i > 0 };
      if ('grads' in update) {
        const grads: LayerParams = {};
        for (const [role, name] of Object.entries(b.names) as [Role, string][]) grads[role] = update.grads[name];
        dout = b.kind.backward(dout, caches[i], p, { ...run, grads });
      } else if (b.kind.backwardSgd) {
        dout = b.kind.backwardSgd(dout, caches[i], p, { ...run, learningRate: update.learningRate, reg: this.reg });
      } else {
        dout = this.backwardThenStep(b, dout, caches[i], p, run, update.learningRate);
      }
    }
  }

  /** A layer without a fused step: its gradients into the workspace, then w <- w - lr (dw + reg w) (reg on weights only). */
  private backwardThenStep(b: Block, dout: Tensor, cache: unknown, p: LayerParams, run: Omit<BackwardRun, 'grads'>, lr: number): Tensor | null {
    const grads: LayerParams = {};
    const roles = Object.entries(b.names) as [Role, string][];
    for (const [role, name] of roles) grads[role] = this.workspace.get(`d${name}`, this.params[name].shape, this.dtype);
    const dx = b.kind.backward(dout, cache, p, { ...run, grads });
    for (const [role, name] of roles) {
      const w = this.params[name];
      const dw = grads[role] as Tensor;
      if (role === 'W' && this.reg !== 0) native().axpy(this.reg, w.data, dw.data);
      sgd(w, dw, { learningRate: lr }, { out: w });
    }
    return dx;
  }

  /** The state of every layer of a type, in order (a batchnorm layer's mode and running statistics). */
  protected states(type: string): unknown[] {
    return this.blocks.filter((b) => b.spec.type === type).map((b) => b.state);
  }

  /** Batchnorm running statistics, runningMean1, runningVar1, ... */
  buffers(): Params {
    const out: Params = {};
    for (const b of this.blocks) {
      if (b.buffers.length === 0) continue;
      const tensors = b.kind.buffers!(b.state);
      for (const [name, key] of b.buffers) out[name] = tensors[key];
    }
    return out;
  }

  config(): Record<string, unknown> {
    const { layers, inputShape, numClasses, reg, weightScale, init, dtype, seed } = this;
    return {
      layers, inputShape, numClasses, reg, ...(weightScale === undefined ? { init } : { weightScale }), dtype,
      ...(seed === undefined ? {} : { seed }),
    };
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

  /** Saves parameters, running statistics, config (with the layer list) and preprocessing as safetensors, atomically. */
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

  /** Loads a Sequential saved by `save`; other files and architectures are refused. */
  static load(file: string): Sequential {
    return Sequential.fromCheckpoint(file, readCheckpoint(file, 'Sequential'));
  }

  /** Builds the model a checkpoint read from `file` describes. */
  static fromCheckpoint(file: string, checkpoint: Checkpoint): Sequential {
    const { layers, ...options } = checkpoint.config as unknown as SequentialOptions & { layers: LayerInput[] };
    return restore(file, checkpoint, new Sequential(layers, { ...options, rng: 0 }));
  }
}

/** Copies a checkpoint's parameters and buffers into a model built from its config. */
export function restore<M extends Sequential>(file: string, checkpoint: Checkpoint, model: M): M {
  restoreTensors(file, 'parameters', model.params, checkpoint.params);
  restoreTensors(file, 'buffers', model.buffers(), checkpoint.buffers);
  model.preprocessing = checkpoint.preprocessing;
  return model;
}
