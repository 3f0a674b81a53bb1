/**
 * The reference's Solver: minibatch training of a model with an update rule,
 * per-parameter optimizer state, learning-rate decay per epoch, accuracy
 * checks on the first iteration, every epoch's end and the last iteration,
 * and the best parameters (by validation accuracy) restored at the end.
 *
 * Hot-path memory is allocated once: the minibatch buffer (gathered and
 * converted to the model's dtype natively), the gradients and the optimizer
 * state; parameters are updated in place. With plain SGD and a model that
 * offers sgdStep, the update is fused into the backward pass and no
 * gradient is stored at all.
 */
import { NonFiniteLossError } from './errors';
import { saveModel } from './models/checkpoint';
import type { Model, Params } from './models/model';
import { native } from './native';
import { argmaxRows } from './ops';
import { sgd, updateRuleArg, type OptimConfig, type UpdateRule } from './optim';
import { randomStateArg, type NumpyRandomState, type RandomSource } from './random';
import { Tensor, empty, zerosLike } from './tensor';
import {
  booleanArg, invalidType, labelsArg, nonEmptyTensorArg, nonNegativeNumberArg, objectArg, positiveIntegerArg,
  type Labels,
} from './validate';

/**
 * Images kept as bytes, each minibatch converted to the model's dtype (with
 * the mean subtracted) as it is gathered: the data set takes a quarter of the
 * memory of float32, and a step reads a quarter of the bytes.
 */
export interface ByteImages {
  readonly data: Uint8Array;
  /** (N, d1, ..., dk). */
  readonly shape: readonly number[];
  /** Subtracted from every example: d1 * ... * dk values (a Float64Array or a float64 Tensor); none when absent. */
  readonly mean?: Float64Array | Tensor | null;
}

/** What the Solver trains and evaluates on: float tensors, or bytes converted per minibatch. */
export type SolverInput = Tensor | ByteImages;

export interface SolverData {
  /** Training inputs (N, d1, ..., dk). */
  XTrain: SolverInput;
  /** Training labels (N,). */
  yTrain: Labels;
  /** Validation inputs (M, d1, ..., dk). */
  XVal: SolverInput;
  /** Validation labels (M,). */
  yVal: Labels;
}

export interface IterationEvent {
  /** 1-based. */
  iteration: number;
  numIterations: number;
  /** Epochs completed before this iteration. */
  epoch: number;
  loss: number;
}

export interface EpochEvent {
  /** Epochs completed: 0 for the check after the first iteration. */
  epoch: number;
  numEpochs: number;
  trainAcc: number;
  valAcc: number;
  /** Wall-clock seconds of training since the previous check. */
  seconds: number;
}

export interface SolverOptions {
  /** 'sgd', 'sgd_momentum', 'rmsprop', 'adam' (or camelCase), or a function (default 'sgd'). */
  updateRule?: string | UpdateRule;
  /** Hyper-parameters given to the update rule; each parameter gets its own copy and state. */
  optimConfig?: OptimConfig;
  /** Factor applied to every learning rate after each epoch (default 1). */
  lrDecay?: number;
  /** Minibatch size (default 100). */
  batchSize?: number;
  /** Epochs to train (default 10). */
  numEpochs?: number;
  /** Training examples sampled for each train-accuracy check (default 1000). */
  numTrainSamples?: number;
  /** Validation examples sampled for each check; null (the default) means all. */
  numValSamples?: number | null;
  /** Log the loss every this many iterations (default 10). */
  printEvery?: number;
  /** Log progress (default true). */
  verbose?: boolean;
  /** When set, the model is saved as `${checkpointName}_epoch_${epoch}.safetensors` after each check. */
  checkpointName?: string;
  /** Generator or seed for minibatch and accuracy sampling (default: the global generator). */
  rng?: RandomSource;
  /**
   * With the 'sgd' rule, step models that offer sgdStep (TwoLayerNet,
   * FullyConnectedNet) with the update fused into their backward pass, which
   * writes no gradients (default true). The same training up to rounding.
   */
  fuseSgd?: boolean;
  /** Called after every iteration. */
  onIteration?: (event: IterationEvent) => void;
  /** Called after every accuracy check. */
  onEpoch?: (event: EpochEvent) => void;
  /** Where log lines go (default console.log). */
  log?: (line: string) => void;
}

function callbackArg<F>(fn: string, name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalidType(fn, name, 'a function', value);
  return value as F;
}

/** A SolverInput, checked: a non-empty tensor, or bytes whose shape and mean fit. */
function inputArg(fn: string, name: string, value: unknown): SolverInput {
  if (value instanceof Tensor) return nonEmptyTensorArg(fn, name, value);
  const v = objectArg(fn, name, value);
  if (!(v.data instanceof Uint8Array) || !Array.isArray(v.shape)) {
    throw invalidType(fn, name, 'a Tensor or byte images {data: Uint8Array, shape, mean?}', value);
  }
  const shape = v.shape as number[];
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.length < 1 || shape[0] < 1 || count !== v.data.length) {
    throw new RangeError(`${fn}: ${name}.shape is [${shape.join(', ')}] but ${name}.data has ${v.data.length} bytes`);
  }
  const mean = v.mean instanceof Tensor ? v.mean.data : v.mean;
  if (mean !== undefined && mean !== null && !(mean instanceof Float64Array && mean.length === count / shape[0])) {
    throw invalidType(fn, `${name}.mean`, `a Float64Array of ${count / shape[0]} values`, v.mean);
  }
  return value as ByteImages;
}

/** Rows of a data set gathered into one reused buffer of the model's dtype. */
class Batcher {
  readonly x: Tensor;
  readonly y: Int32Array;
  private readonly rowLen: number;

  constructor(shape: readonly number[], size: number, model: Model) {
    this.rowLen = shape.slice(1).reduce((a, b) => a * b, 1);
    this.x = empty([size, ...shape.slice(1)], model.dtype);
    this.y = new Int32Array(size);
  }

  /** Gathers rows idx (at most the buffer's size) and returns views of that many. */
  gather(X: SolverInput, y: Int32Array, idx: Int32Array): [Tensor, Int32Array] {
    const n = idx.length;
    const xs = n === this.y.length ? this.x : new Tensor(this.x.data.subarray(0, n * this.rowLen), [n, ...this.x.shape.slice(1)]);
    if (X instanceof Tensor) {
      native().gatherRows(X.data, idx, xs.data, this.rowLen);
    } else {
      const mean = X.mean instanceof Tensor ? (X.mean.data as Float64Array) : X.mean ?? null;
      native().gatherByteRows(X.data, idx, mean, xs.data, this.rowLen);
    }
    const ys = this.y.subarray(0, n);
    for (let i = 0; i < n; i++) ys[i] = y[idx[i]];
    return [xs, ys];
  }
}

export class Solver {
  readonly model: Model;
  /** Loss of every iteration. */
  readonly lossHistory: number[] = [];
  /** Accuracy on numTrainSamples training examples at each check. */
  readonly trainAccHistory: number[] = [];
  /** Accuracy on the validation set (or numValSamples of it) at each check. */
  readonly valAccHistory: number[] = [];
  /** Per-parameter update-rule configs, holding each parameter's optimizer state. */
  readonly optimConfigs: Record<string, OptimConfig> = {};
  bestValAcc = 0;
  /** Copies of the parameters at the best validation accuracy; empty until one improves on 0. */
  readonly bestParams: Params = {};
  /** Epochs completed. */
  epoch = 0;
  /** Whether training ended early because stop() was called. */
  stopped = false;

  private readonly XTrain: SolverInput;
  private readonly yTrain: Int32Array;
  private readonly XVal: SolverInput;
  private readonly yVal: Int32Array;
  private readonly updateRule: UpdateRule;
  private readonly lrDecay: number;
  private readonly batchSize: number;
  private readonly numEpochs: number;
  private readonly numTrainSamples: number;
  private readonly numValSamples: number | null;
  private readonly printEvery: number;
  private readonly verbose: boolean;
  private readonly checkpointName: string | undefined;
  private readonly rng: NumpyRandomState;
  private readonly onIteration: ((event: IterationEvent) => void) | undefined;
  private readonly onEpoch: ((event: EpochEvent) => void) | undefined;
  private readonly log: (line: string) => void;
  /** Gradient buffers, allocated on the first step that is not fused. */
  private grads: Params | undefined;
  private readonly batcher: Batcher;
  private readonly fuseSgd: boolean;
  private stopRequested = false;

  constructor(model: Model, data: SolverData, options: SolverOptions = {}) {
    const fn = 'Solver';
    const m = objectArg(fn, 'model', model) as unknown as Model;
    if (typeof m.loss !== 'function' || typeof m.params !== 'object' || m.params === null) {
      throw invalidType(fn, 'model', 'a model with params and loss()', model);
    }
    this.model = m;
    const d = objectArg(fn, 'data', data);
    this.XTrain = inputArg(fn, 'data.XTrain', d.XTrain);
    this.XVal = inputArg(fn, 'data.XVal', d.XVal);
    // Labels are checked against the model's classes on every loss call; here only their count.
    this.yTrain = labelsArg(fn, 'data.yTrain', d.yTrain, this.XTrain.shape[0], Number.MAX_SAFE_INTEGER);
    this.yVal = labelsArg(fn, 'data.yVal', d.yVal, this.XVal.shape[0], Number.MAX_SAFE_INTEGER);
    if (this.XVal.shape.slice(1).join() !== this.XTrain.shape.slice(1).join()) {
      throw new RangeError(`${fn}: data.XVal has examples of shape [${this.XVal.shape.slice(1)}] but data.XTrain of [${this.XTrain.shape.slice(1)}]`);
    }

    const o = objectArg(fn, 'options', options);
    this.updateRule = updateRuleArg(fn, 'options.updateRule', o.updateRule ?? 'sgd');
    const optimConfig = o.optimConfig === undefined ? {} : objectArg(fn, 'options.optimConfig', o.optimConfig);
    this.lrDecay = nonNegativeNumberArg(fn, 'options.lrDecay', o.lrDecay ?? 1);
    this.batchSize = positiveIntegerArg(fn, 'options.batchSize', o.batchSize ?? 100);
    this.numEpochs = positiveIntegerArg(fn, 'options.numEpochs', o.numEpochs ?? 10);
    this.numTrainSamples = positiveIntegerArg(fn, 'options.numTrainSamples', o.numTrainSamples ?? 1000);
    this.numValSamples = o.numValSamples == null ? null : positiveIntegerArg(fn, 'options.numValSamples', o.numValSamples);
    this.printEvery = positiveIntegerArg(fn, 'options.printEvery', o.printEvery ?? 10);
    this.verbose = booleanArg(fn, 'options.verbose', o.verbose ?? true);
    if (o.checkpointName !== undefined && typeof o.checkpointName !== 'string') {
      throw invalidType(fn, 'options.checkpointName', 'a string', o.checkpointName);
    }
    this.checkpointName = o.checkpointName as string | undefined;
    this.rng = randomStateArg(fn, 'options.rng', o.rng);
    this.onIteration = callbackArg(fn, 'options.onIteration', o.onIteration);
    this.onEpoch = callbackArg(fn, 'options.onEpoch', o.onEpoch);
    this.log = callbackArg<(line: string) => void>(fn, 'options.log', o.log) ?? ((line) => console.log(line));

    for (const name of Object.keys(m.params)) this.optimConfigs[name] = { ...optimConfig };
    this.batcher = new Batcher(this.XTrain.shape, Math.max(this.batchSize, 100), m);
    this.fuseSgd = booleanArg(fn, 'options.fuseSgd', o.fuseSgd ?? true) && this.updateRule === sgd && typeof m.sgdStep === 'function';
  }

  /** Asks train() to end after the current iteration (and restore the best parameters). */
  stop(): void {
    this.stopRequested = true;
  }

  /** One minibatch step: loss, gradients, an update of every parameter. Returns the loss. */
  private step(iteration: number): number {
    const n = this.XTrain.shape[0];
    const [xb, yb] = this.batcher.gather(this.XTrain, this.yTrain, this.rng.choice(n, this.batchSize));
    const learningRate = this.fuseSgd ? this.sharedLearningRate() : undefined;
    let loss: number;
    let grads: Params | undefined;
    // fuseSgd holds only for models with sgdStep.
    if (learningRate !== undefined) loss = this.model.sgdStep!(xb, yb, learningRate);
    else {
      this.grads ??= Object.fromEntries(Object.entries(this.model.params).map(([name, p]) => [name, zerosLike(p)]));
      [loss, grads] = this.model.loss(xb, yb, { grads: this.grads });
    }
    if (!Number.isFinite(loss)) {
      throw new NonFiniteLossError(
        `Solver: the loss is ${loss} at iteration ${iteration} (epoch ${this.epoch + 1}); training stopped` +
          (Object.keys(this.bestParams).length > 0
            ? `, the parameters of the best validation accuracy so far (${this.bestValAcc}) are restored`
            : ', before any update with it'),
        loss,
        iteration,
      );
    }
    this.lossHistory.push(loss);
    if (grads === undefined) return loss;
    for (const [name, w] of Object.entries(this.model.params)) {
      const [next, config] = this.updateRule(w, grads[name], this.optimConfigs[name], { out: w });
      if (next !== w) w.data.set(next.data);
      this.optimConfigs[name] = config;
    }
    return loss;
  }

  /** The learning rate every parameter's config holds, or undefined when they differ (then no fused step). */
  private sharedLearningRate(): number | undefined {
    let lr: number | undefined;
    for (const config of Object.values(this.optimConfigs)) {
      const own = config.learningRate ?? 1e-2;
      if (lr !== undefined && own !== lr) return undefined;
      lr = own;
    }
    return lr;
  }

  /**
   * Accuracy of the model on (X, y): on numSamples rows drawn with
   * replacement when X has more, else on all of them, in batches.
   */
  checkAccuracy(X: SolverInput, y: Labels, numSamples: number | null = null, batchSize = 100): number {
    const fn = 'Solver.checkAccuracy';
    const x = inputArg(fn, 'X', X);
    const labels = labelsArg(fn, 'y', y, x.shape[0], Number.MAX_SAFE_INTEGER);
    const size = positiveIntegerArg(fn, 'batchSize', batchSize);
    let n = x.shape[0];
    let rows: Int32Array;
    if (numSamples !== null && n > positiveIntegerArg(fn, 'numSamples', numSamples)) {
      rows = this.rng.choice(n, numSamples);
      n = numSamples;
    } else {
      rows = Int32Array.from({ length: n }, (_, i) => i);
    }
    const batcher = size <= this.batcher.y.length ? this.batcher : new Batcher(x.shape, size, this.model);
    let correct = 0;
    for (let start = 0; start < n; start += size) {
      const [xb, yb] = batcher.gather(x, labels, rows.subarray(start, Math.min(start + size, n)));
      const predicted = argmaxRows(this.model.loss(xb));
      for (let i = 0; i < yb.length; i++) if (predicted[i] === yb[i]) correct++;
    }
    return correct / n;
  }

  /** Trains for numEpochs (or until stop()), then restores the best parameters. */
  train(): void {
    for (const _ of this.iterations()) {
      // Each step runs as the generator advances.
    }
  }

  /**
   * The same training, giving the event loop a turn after every iteration,
   * so signal handlers (Ctrl-C calling stop()), timers and progress displays
   * run while it trains.
   */
  async trainAsync(): Promise<void> {
    for (const _ of this.iterations()) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** The training loop, one yield per iteration; the best parameters are restored when it ends. */
  private *iterations(): Generator<void, void, void> {
    const n = this.XTrain.shape[0];
    const iterationsPerEpoch = Math.max(Math.floor(n / this.batchSize), 1);
    const numIterations = this.numEpochs * iterationsPerEpoch;
    let since = process.hrtime.bigint();
    try {
      for (let t = 0; t < numIterations; t++) {
        const loss = this.step(t + 1);
        if (this.verbose && t % this.printEvery === 0) {
          this.log(`(Iteration ${t + 1} / ${numIterations}) loss: ${loss.toFixed(6)}`);
        }
        const epochEnd = (t + 1) % iterationsPerEpoch === 0;
        if (epochEnd) {
          this.epoch++;
          for (const config of Object.values(this.optimConfigs)) {
            config.learningRate = (config.learningRate ?? 1e-2) * this.lrDecay;
          }
        }
        this.onIteration?.({ iteration: t + 1, numIterations, epoch: this.epoch, loss });
        const stopping = this.stopRequested && t < numIterations - 1;
        if (t === 0 || t === numIterations - 1 || epochEnd || stopping) {
          const seconds = Number(process.hrtime.bigint() - since) / 1e9;
          this.check(seconds);
          since = process.hrtime.bigint();
        }
        if (stopping) {
          this.stopped = true;
          return;
        }
        yield;
      }
    } finally {
      this.restoreBest();
    }
  }

  private check(seconds: number): void {
    const trainAcc = this.checkAccuracy(this.XTrain, this.yTrain, this.numTrainSamples);
    const valAcc = this.checkAccuracy(this.XVal, this.yVal, this.numValSamples);
    this.trainAccHistory.push(trainAcc);
    this.valAccHistory.push(valAcc);
    if (this.verbose) {
      this.log(`(Epoch ${this.epoch} / ${this.numEpochs}) train acc: ${trainAcc.toFixed(6)}; val_acc: ${valAcc.toFixed(6)}`);
    }
    if (valAcc > this.bestValAcc) {
      this.bestValAcc = valAcc;
      for (const [name, p] of Object.entries(this.model.params)) {
        this.bestParams[name] ??= zerosLike(p);
        this.bestParams[name].data.set(p.data);
      }
    }
    if (this.checkpointName !== undefined) this.saveCheckpoint();
    this.onEpoch?.({ epoch: this.epoch, numEpochs: this.numEpochs, trainAcc, valAcc, seconds });
  }

  private saveCheckpoint(): void {
    saveModel(this.model, `${this.checkpointName}_epoch_${this.epoch}.safetensors`, {
      solver: JSON.stringify({
        epoch: this.epoch,
        batchSize: this.batchSize,
        lrDecay: this.lrDecay,
        numTrainSamples: this.numTrainSamples,
        numValSamples: this.numValSamples,
        lossHistory: this.lossHistory,
        trainAccHistory: this.trainAccHistory,
        valAccHistory: this.valAccHistory,
      }),
    });
  }

  /** Copies the best parameters back into the model's (the same tensors, so references stay valid). */
  private restoreBest(): void {
    for (const [name, best] of Object.entries(this.bestParams)) this.model.params[name].data.set(best.data);
  }
}
