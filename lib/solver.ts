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
import { Batcher, augmentArg, solverInputArg, type AugmentOptions, type SolverInput } from './data/batcher';
import { NonFiniteLossError } from './errors';
import { saveModel } from './models/checkpoint';
import type { Model, Params } from './models/model';
import { argmaxRows } from './ops';
import { sgd, updateRuleArg, type OptimConfig, type UpdateRule, type UpdateRuleName } from './optim';
import { randomStateArg, type NumpyRandomState, type RandomSource } from './random';
import { zerosLike } from './tensor';
import {
  booleanArg, invalidType, type KeySet, type Labels, labelsArg, nonNegativeNumberArg, objectArg, optionsObjectArg, positiveIntegerArg,
} from './validate';

export type { ByteImages, SolverInput, AugmentOptions } from './data/batcher';

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
  updateRule?: UpdateRuleName | UpdateRule;
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
  /** Log the loss every printEvery iterations and the accuracies of every check (default false: a library is quiet unless asked). */
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
  /**
   * Random crops and flips of the training images (N, C, H, W) as each
   * minibatch is gathered: true for the defaults (pad 4, flips), or
   * {pad, flip}; drawn from the Solver's generator (default false).
   */
  augment?: boolean | AugmentOptions;
  /** Called after every iteration. */
  onIteration?: (event: IterationEvent) => void;
  /** Called after every accuracy check. */
  onEpoch?: (event: EpochEvent) => void;
  /** Where log lines go (default console.log). */
  log?: (line: string) => void;
}

/** The keys of SolverOptions, checked against the type: an unknown key is an error. */
const SOLVER_OPTIONS = { updateRule: true, optimConfig: true, lrDecay: true, batchSize: true, numEpochs: true, numTrainSamples: true, numValSamples: true, printEvery: true, verbose: true, checkpointName: true, rng: true, fuseSgd: true, augment: true, onIteration: true, onEpoch: true, log: true } as const satisfies KeySet<SolverOptions>;

function callbackArg<F>(fn: string, name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalidType(fn, name, 'a function', value);
  return value as F;
}

/**
 * Trains a classification model by minibatch gradient descent, as the
 * reference's `solver.py`: `new Solver(model, {XTrain, yTrain, XVal, yVal},
 * options)`, then train() (or trainAsync()). It checks the train and
 * validation accuracies after each epoch, keeps the best parameters in the
 * model at the end, and records lossHistory, trainAccHistory and
 * valAccHistory. Quiet unless `verbose: true`.
 */
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
  /**
   * Copies of the model's buffers (batchnorm running statistics) at the same
   * check: the best parameters need the statistics they were evaluated with.
   */
  readonly bestBuffers: Params = {};
  /** Epochs completed. */
  epoch = 0;
  /** Whether training ended early because stop() was called. */
  stopped = false;

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
  /** Minibatches of the training set (augmented when asked); its buffer also serves accuracy checks. */
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
    const XTrain = solverInputArg(fn, 'data.XTrain', d.XTrain);
    this.XVal = solverInputArg(fn, 'data.XVal', d.XVal);
    // Labels are checked against the model's classes on every loss call; here only their count.
    const yTrain = labelsArg(fn, 'data.yTrain', d.yTrain, XTrain.shape[0], Number.MAX_SAFE_INTEGER);
    this.yVal = labelsArg(fn, 'data.yVal', d.yVal, this.XVal.shape[0], Number.MAX_SAFE_INTEGER);
    if (this.XVal.shape.slice(1).join() !== XTrain.shape.slice(1).join()) {
      throw new RangeError(`${fn}: data.XVal has examples of shape [${this.XVal.shape.slice(1)}] but data.XTrain of [${XTrain.shape.slice(1)}]`);
    }

    const o = optionsObjectArg(fn, 'options', options, SOLVER_OPTIONS);
    this.updateRule = updateRuleArg(fn, 'options.updateRule', o.updateRule ?? 'sgd');
    const optimConfig = o.optimConfig === undefined ? {} : objectArg(fn, 'options.optimConfig', o.optimConfig);
    this.lrDecay = nonNegativeNumberArg(fn, 'options.lrDecay', o.lrDecay ?? 1);
    this.batchSize = positiveIntegerArg(fn, 'options.batchSize', o.batchSize ?? 100);
    this.numEpochs = positiveIntegerArg(fn, 'options.numEpochs', o.numEpochs ?? 10);
    this.numTrainSamples = positiveIntegerArg(fn, 'options.numTrainSamples', o.numTrainSamples ?? 1000);
    this.numValSamples = o.numValSamples == null ? null : positiveIntegerArg(fn, 'options.numValSamples', o.numValSamples);
    this.printEvery = positiveIntegerArg(fn, 'options.printEvery', o.printEvery ?? 10);
    this.verbose = booleanArg(fn, 'options.verbose', o.verbose ?? false);
    if (o.checkpointName !== undefined && typeof o.checkpointName !== 'string') {
      throw invalidType(fn, 'options.checkpointName', 'a string', o.checkpointName);
    }
    this.checkpointName = o.checkpointName as string | undefined;
    this.rng = randomStateArg(fn, 'options.rng', o.rng);
    this.onIteration = callbackArg(fn, 'options.onIteration', o.onIteration);
    this.onEpoch = callbackArg(fn, 'options.onEpoch', o.onEpoch);
    this.log = callbackArg<(line: string) => void>(fn, 'options.log', o.log) ?? ((line) => console.log(line));

    for (const name of Object.keys(m.params)) this.optimConfigs[name] = { ...optimConfig };
    const augment = augmentArg(fn, 'options.augment', o.augment, XTrain.shape);
    this.batcher = new Batcher(XTrain, yTrain, Math.max(this.batchSize, 100), m.dtype, augment);
    this.fuseSgd = booleanArg(fn, 'options.fuseSgd', o.fuseSgd ?? true) && this.updateRule === sgd && typeof m.sgdStep === 'function';
  }

  /** Asks train() to end after the current iteration (and restore the best parameters). */
  stop(): void {
    this.stopRequested = true;
  }

  /** One minibatch step: loss, gradients, an update of every parameter. Returns the loss. */
  private step(iteration: number): number {
    const [xb, yb] = this.batcher.sample(this.batchSize, this.rng);
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
    const steps = this.accuracySteps(X, y, numSamples, batchSize);
    let step = steps.next();
    while (!step.done) step = steps.next();
    return step.value;
  }

  /** checkAccuracy one batch at a time: yields after each batch, returns the accuracy. */
  private *accuracySteps(X: SolverInput, y: Labels, numSamples: number | null, batchSize: number): Generator<void, number, void> {
    const fn = 'Solver.checkAccuracy';
    const x = solverInputArg(fn, 'X', X);
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
    // The training minibatches' buffer when it is large enough (nothing else uses it meanwhile).
    const buffer = size <= this.batcher.y.length ? this.batcher.x : undefined;
    const batcher = new Batcher(x, labels, size, this.model.dtype, null, buffer);
    let correct = 0;
    for (let start = 0; start < n; start += size) {
      const [xb, yb] = batcher.rows(rows.subarray(start, Math.min(start + size, n)));
      const predicted = argmaxRows(this.model.loss(xb));
      for (let i = 0; i < yb.length; i++) if (predicted[i] === yb[i]) correct++;
      yield;
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
   * The same training, giving the event loop a turn after every iteration
   * and after every batch of the accuracy checks, so signal handlers (Ctrl-C
   * calling stop()), timers, progress displays and a server's requests run
   * while it trains: the loop waits at most one step or one check batch.
   */
  async trainAsync(): Promise<void> {
    for (const _ of this.iterations()) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * The training loop, yielding after every iteration and every batch of an
   * accuracy check; the best parameters are restored when it ends.
   */
  private *iterations(): Generator<void, void, void> {
    const n = this.batcher.size;
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
          yield* this.check(seconds);
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
      this.summarize();
    }
  }

  private *check(seconds: number): Generator<void, void, void> {
    const trainAcc = yield* this.accuracySteps(this.batcher.X, this.batcher.labels, this.numTrainSamples, 100);
    const valAcc = yield* this.accuracySteps(this.XVal, this.yVal, this.numValSamples, 100);
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
      for (const [name, b] of Object.entries(this.model.buffers())) {
        this.bestBuffers[name] ??= zerosLike(b);
        this.bestBuffers[name].data.set(b.data);
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

  /**
   * Records how training went in the model's preprocessing (saved with the
   * model), when it has one: the accuracies of the best check, the epochs
   * and the date. The data it was trained on is the caller's to record.
   */
  private summarize(): void {
    const p = this.model.preprocessing;
    if (p === undefined || p === null) return;
    const best = this.valAccHistory.indexOf(this.bestValAcc);
    this.model.preprocessing = {
      ...p,
      training: {
        ...p.training,
        ...(best < 0 ? {} : { trainAcc: this.trainAccHistory[best], valAcc: this.bestValAcc }),
        epochs: this.epoch,
        date: new Date().toISOString(),
      },
    };
  }

  /** Copies the best parameters and buffers back into the model's (the same tensors, so references stay valid). */
  private restoreBest(): void {
    for (const [name, best] of Object.entries(this.bestParams)) this.model.params[name].data.set(best.data);
    const buffers = this.model.buffers();
    for (const [name, best] of Object.entries(this.bestBuffers)) buffers[name].data.set(best.data);
  }
}
