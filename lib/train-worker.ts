/**
 * Training on a worker thread, so the thread that serves stays free:
 * `trainInWorker(model, data, solverOptions)` runs the Solver on a copy of
 * the model in a worker, over the caller's arrays (SharedArrayBuffers are
 * shared, not copied), streams the Solver's events back, and resolves with
 * the trained model, built in the calling thread. The model passed in is not
 * changed, so a service can go on predicting with it and swap in the new one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { modelFromCheckpoint, type LoadedModel } from './models/load';
import type { Checkpointable, Model } from './models/model';
import { preprocessingArg, type ResolvedPreprocessing } from './models/preprocessing';
import type { UpdateRuleName } from './optim';
import type { EpochEvent, IterationEvent, SolverOptions } from './solver';
import { Tensor, type FloatArray } from './tensor';
import {
  invalidType, invalidValue, type KeySet, type Labels, labelsArg, objectArg, optionsObjectArg, positiveIntegerArg,
} from './validate';

/** A tensor as it crosses between threads. */
interface TensorMessage {
  data: FloatArray;
  shape: number[];
}

/** A model as it crosses between threads: what its checkpoint holds. */
export interface ModelMessage {
  architecture: string;
  config: Record<string, unknown>;
  params: Record<string, TensorMessage>;
  buffers: Record<string, TensorMessage>;
  preprocessing: ResolvedPreprocessing | null;
}

/** Training inputs as they cross: float rows, or bytes with their mean (ByteImages). */
export type InputMessage = TensorMessage | { data: Uint8Array; shape: number[]; mean: Float64Array | null };

/** What the worker is given. */
export interface WorkerJob {
  model: ModelMessage;
  data: { XTrain: InputMessage; yTrain: Int32Array; XVal: InputMessage; yVal: Int32Array };
  options: WorkerSolverOptions;
  /** Set to 1 by stop(); read by the worker after every iteration. */
  stop: Int32Array;
  blasThreads: number;
  nice: number;
}

/** What the worker sends back. */
export type WorkerMessage =
  | { type: 'iteration'; event: IterationEvent }
  | { type: 'epoch'; event: EpochEvent }
  | { type: 'done'; model: ModelMessage; history: TrainingHistory }
  | { type: 'error'; name: string; message: string };

/** The Solver options that can cross to a worker: no functions (listen on the handle instead), seeds for rng. */
export interface WorkerSolverOptions extends Omit<SolverOptions, 'updateRule' | 'rng' | 'onIteration' | 'onEpoch' | 'log'> {
  /** 'sgd', 'sgd_momentum' (or 'sgdMomentum'), 'rmsprop' or 'adam' (default 'sgd'). */
  updateRule?: UpdateRuleName;
  /** Seed for minibatch and accuracy sampling. */
  rng?: number;
  /** Log the Solver's lines to the process's stdout (default false). */
  verbose?: boolean;
  /**
   * BLAS threads while the worker trains (default: the cores less one, at
   * least 1), the previous count restored when it ends. OpenBLAS keeps one
   * thread count for the whole process, so this applies to predictions on the
   * calling thread too: the default leaves a core to it (see "Serving a
   * model" in the README for the measurements).
   */
  blasThreads?: number;
  /**
   * Niceness of the training thread, 0 to 19 (default 10): when it and the
   * calling thread want the same core, the calling thread (the service)
   * wins. Linux only, where niceness is per thread; elsewhere ignored.
   */
  nice?: number;
}

/** The keys of WorkerSolverOptions, checked against the type: an unknown key is an error. */
const WORKER_SOLVER_OPTIONS = { updateRule: true, rng: true, verbose: true, blasThreads: true, nice: true, optimConfig: true, lrDecay: true, batchSize: true, numEpochs: true, numTrainSamples: true, numValSamples: true, printEvery: true, checkpointName: true, fuseSgd: true, augment: true } as const satisfies KeySet<WorkerSolverOptions>;

/** How training went: the Solver's histories. */
export interface TrainingHistory {
  lossHistory: number[];
  trainAccHistory: number[];
  valAccHistory: number[];
  bestValAcc: number;
  /** Epochs completed. */
  epoch: number;
  /** Whether stop() ended it early. */
  stopped: boolean;
}

export interface WorkerTrainingResult extends TrainingHistory {
  /** The trained model (the best parameters by validation accuracy), built in this thread. */
  model: LoadedModel;
}

/** A training running on a worker thread. */
export interface WorkerTraining {
  /** Resolves when training ends (or stops) with the trained model; rejects with the Solver's error. */
  readonly promise: Promise<WorkerTrainingResult>;
  /** Calls listener after every accuracy check, as the Solver's onEpoch; returns this handle. */
  onEpoch(listener: (event: EpochEvent) => void): WorkerTraining;
  /** Calls listener after every iteration, as the Solver's onIteration; returns this handle. */
  onIteration(listener: (event: IterationEvent) => void): WorkerTraining;
  /** Asks the worker to stop after its current iteration; the promise then resolves with the best model so far. */
  stop(): void;
}

/**
 * An array to send to another thread: itself when in a SharedArrayBuffer (the
 * threads then share it), else a copy of exactly its elements whose memory is
 * listed in `transfers`, to be moved rather than copied again.
 */
function crossing<A extends FloatArray | Uint8Array>(a: A, transfers: ArrayBuffer[]): A {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  // A fresh array of the base type: Buffer's slice() would share the memory (and Buffer's pool).
  const Type = a instanceof Float32Array ? Float32Array : a instanceof Float64Array ? Float64Array : Uint8Array;
  const copy = new Type(a.length) as A;
  copy.set(a as never);
  transfers.push(copy.buffer as ArrayBuffer);
  return copy;
}

const tensorMessage = (t: Tensor, transfers: ArrayBuffer[]): TensorMessage => ({ data: crossing(t.data, transfers), shape: [...t.shape] });

/**
 * What crosses to another thread of a model: architecture, config, tensors
 * (copies, their memory listed in `transfers`) and preprocessing.
 */
export function modelMessage(fn: string, model: Checkpointable, transfers: ArrayBuffer[]): ModelMessage {
  const entries = (tensors: Record<string, Tensor>) =>
    Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, tensorMessage(t, transfers)]));
  const p = model.preprocessing;
  return {
    architecture: model.architecture,
    config: model.config(),
    params: entries(model.params),
    buffers: entries(model.buffers()),
    preprocessing: p === undefined || p === null ? null : preprocessingArg(fn, 'model.preprocessing', p),
  };
}

/**
 * The same memory viewed as this context's Float32Array or Float64Array: a
 * message's arrays belong to the thread's main context, which is not the
 * context code runs in under a vm sandbox (jest), where instanceof fails.
 */
function local(a: FloatArray): FloatArray {
  const Type = a.BYTES_PER_ELEMENT === 4 ? Float32Array : Float64Array;
  return new Type(a.buffer as ArrayBuffer, a.byteOffset, a.length);
}

/** Builds the model a message describes, as its class in this thread. */
export function modelFromMessage(source: string, m: ModelMessage): LoadedModel {
  const tensors = (entries: Record<string, TensorMessage>) =>
    Object.fromEntries(Object.entries(entries).map(([name, t]) => [name, new Tensor(local(t.data), t.shape)]));
  const p = m.preprocessing;
  return modelFromCheckpoint(source, {
    architecture: m.architecture, config: m.config, params: tensors(m.params), buffers: tensors(m.buffers), metadata: {},
    preprocessing: p === null || p.meanImage === null ? p : { ...p, meanImage: local(p.meanImage) as Float64Array },
  });
}

/** A training input checked for its kind (the Solver in the worker checks the rest). */
function inputMessage(fn: string, name: string, value: unknown, transfers: ArrayBuffer[]): InputMessage {
  if (value instanceof Tensor) {
    if (value.ndim < 1 || value.shape[0] < 1) throw invalidType(fn, name, 'a non-empty Tensor', value);
    return tensorMessage(value, transfers);
  }
  const v = objectArg(fn, name, value);
  if (!(v.data instanceof Uint8Array) || !Array.isArray(v.shape)) {
    throw invalidType(fn, name, 'a Tensor or byte images {data: Uint8Array, shape, mean?}', value);
  }
  const mean = v.mean instanceof Tensor ? v.mean.data : v.mean ?? null;
  if (mean !== null && !(mean instanceof Float64Array)) throw invalidType(fn, `${name}.mean`, 'a Float64Array', v.mean);
  return { data: crossing(v.data, transfers), shape: [...(v.shape as number[])], mean };
}

function optionsMessage(fn: string, value: unknown): WorkerSolverOptions {
  const o = value === undefined ? {} : objectArg(fn, 'solverOptions', value);
  // Functions first: the Solver's callbacks say where to listen instead, rather than being unknown keys.
  for (const [key, v] of Object.entries(o)) {
    if (typeof v === 'function') {
      const hint = key === 'onEpoch' || key === 'onIteration' ? `; listen with .${key}() on the handle trainInWorker returns` : '';
      throw invalidType(fn, `solverOptions.${key}`, `a value that can cross to a worker thread${hint}`, v);
    }
  }
  optionsObjectArg(fn, 'solverOptions', o, WORKER_SOLVER_OPTIONS);
  if (o.rng !== undefined && typeof o.rng !== 'number') throw invalidType(fn, 'solverOptions.rng', 'a seed (a number)', o.rng);
  if (o.blasThreads !== undefined) positiveIntegerArg(fn, 'solverOptions.blasThreads', o.blasThreads);
  if (o.nice !== undefined && !(Number.isInteger(o.nice) && (o.nice as number) >= 0 && (o.nice as number) <= 19)) {
    throw invalidValue(fn, 'solverOptions.nice', 'an integer in [0, 19]', o.nice);
  }
  return o as WorkerSolverOptions;
}

/**
 * The compiled worker script: beside this file, or in dist/ when this file
 * runs from its TypeScript source (the tests compile first).
 */
function workerScript(): string {
  const beside = path.join(__dirname, 'train-worker-thread.js');
  return fs.existsSync(beside) ? beside : path.resolve(__dirname, '..', 'dist', 'lib', 'train-worker-thread.js');
}

/**
 * Trains a copy of `model` with the Solver on a worker thread.
 * @param model the model to start from (TwoLayerNet, FullyConnectedNet, ...):
 *   its architecture, hyper-parameters, weights and preprocessing are copied;
 *   it is not changed
 * @param data as for the Solver; arrays in SharedArrayBuffers (getCifar10Data
 *   with `shared: true`) are shared with the worker, others copied to it
 * @param solverOptions as for the Solver, without functions, plus blasThreads
 * @returns a handle: `promise`, `onEpoch(listener)`, `onIteration(listener)`, `stop()`
 */
export function trainInWorker(model: Model, data: { XTrain: unknown; yTrain: Labels; XVal: unknown; yVal: Labels }, solverOptions?: WorkerSolverOptions): WorkerTraining {
  const fn = 'trainInWorker';
  const m = objectArg(fn, 'model', model) as unknown as Model;
  if (typeof m.architecture !== 'string' || typeof m.config !== 'function' || typeof m.buffers !== 'function' ||
      typeof m.params !== 'object' || m.params === null) {
    throw invalidType(fn, 'model', 'a model (TwoLayerNet, FullyConnectedNet, ...)', model);
  }
  const d = objectArg(fn, 'data', data);
  const { blasThreads, nice, ...options } = optionsMessage(fn, solverOptions);
  const transfers: ArrayBuffer[] = [];
  const XTrain = inputMessage(fn, 'data.XTrain', d.XTrain, transfers);
  const XVal = inputMessage(fn, 'data.XVal', d.XVal, transfers);
  const job: WorkerJob = {
    model: modelMessage(fn, m, transfers),
    data: {
      XTrain, XVal,
      yTrain: Int32Array.from(labelsArg(fn, 'data.yTrain', d.yTrain, XTrain.shape[0], Number.MAX_SAFE_INTEGER)),
      yVal: Int32Array.from(labelsArg(fn, 'data.yVal', d.yVal, XVal.shape[0], Number.MAX_SAFE_INTEGER)),
    },
    options,
    stop: new Int32Array(new SharedArrayBuffer(4)),
    blasThreads: blasThreads ?? Math.max(1, os.availableParallelism() - 1),
    nice: nice ?? 10,
  };
  const epochListeners: ((event: EpochEvent) => void)[] = [];
  const iterationListeners: ((event: IterationEvent) => void)[] = [];
  const promise = new Promise<WorkerTrainingResult>((resolve, reject) => {
    const worker = new Worker(workerScript(), { workerData: job, transferList: transfers });
    let settled = false;
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'iteration') for (const l of iterationListeners) l(msg.event);
      else if (msg.type === 'epoch') for (const l of epochListeners) l(msg.event);
      else if (msg.type === 'done') {
        settled = true;
        try {
          resolve({ ...msg.history, model: modelFromMessage(fn, msg.model) });
        } catch (e) {
          reject(e);
        }
      } else {
        settled = true;
        const type = msg.name === 'TypeError' ? TypeError : msg.name === 'RangeError' ? RangeError : Error;
        reject(new type(msg.message));
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`${fn}: the worker thread exited with code ${code} before training ended`));
    });
  });
  const handle: WorkerTraining = {
    promise,
    onEpoch(listener) {
      if (typeof listener !== 'function') throw invalidType(`${fn} onEpoch`, 'listener', 'a function', listener);
      epochListeners.push(listener);
      return handle;
    },
    onIteration(listener) {
      if (typeof listener !== 'function') throw invalidType(`${fn} onIteration`, 'listener', 'a function', listener);
      iterationListeners.push(listener);
      return handle;
    },
    stop() {
      Atomics.store(job.stop, 0, 1);
    },
  };
  return handle;
}
