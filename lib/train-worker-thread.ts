/**
 * The worker side of trainInWorker (lib/train-worker.ts): builds the model it
 * is sent, trains it with the Solver on the data it is sent (shared or moved,
 * never copied here), streams the Solver's events to the parent, and sends the
 * trained model back.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

import { blasInfo } from './blas';
import { setThreads } from './engine';
import type { Model } from './models/model';
import { Solver, type SolverInput } from './solver';
import { Tensor } from './tensor';
import { modelFromMessage, modelMessage, type InputMessage, type WorkerJob, type WorkerMessage } from './train-worker';

const job = workerData as WorkerJob;
const port = parentPort!;
const post = (message: WorkerMessage, transfers: ArrayBuffer[] = []) => port.postMessage(message, transfers);

const input = (m: InputMessage): SolverInput => ('mean' in m ? m : new Tensor(m.data, m.shape));

/**
 * Lowers this thread's priority, so that the parent thread (a service) wins
 * a core they both want. Linux keeps niceness per thread, and
 * /proc/thread-self names this one. Where that cannot be done the training
 * runs at the process's priority: the setting only orders who waits.
 */
function niceThisThread(value: number): void {
  if (value === 0 || process.platform !== 'linux') return;
  try {
    os.setPriority(Number(fs.readlinkSync('/proc/thread-self').split('/').pop()), value);
  } catch {
    // No /proc, or a kernel that refuses: same priority as the process.
  }
}

/** Trains the model it was sent; returns the reply to the parent and the memory it moves. */
function train(): [WorkerMessage, ArrayBuffer[]] {
  // A model the Solver cannot train (StandaloneTwoLayerNet has its own train()) fails in the Solver's first step.
  const model = modelFromMessage('trainInWorker', job.model) as Model;
  const { XTrain, yTrain, XVal, yVal } = job.data;
  const solver: Solver = new Solver(model, { XTrain: input(XTrain), yTrain, XVal: input(XVal), yVal }, {
    ...job.options,
    verbose: job.options.verbose ?? false,
    onIteration: (event) => {
      post({ type: 'iteration', event });
      if (Atomics.load(job.stop, 0) === 1) solver.stop();
    },
    onEpoch: (event) => post({ type: 'epoch', event }),
  });
  solver.train();
  const { lossHistory, trainAccHistory, valAccHistory, bestValAcc, epoch, stopped } = solver;
  const transfers: ArrayBuffer[] = [];
  return [{ type: 'done', model: modelMessage('trainInWorker', model, transfers), history: { lossHistory, trainAccHistory, valAccHistory, bestValAcc, epoch, stopped } }, transfers];
}

// The process's BLAS thread count is restored before the reply goes out, so the parent sees it restored.
const threadsBefore = blasInfo().threads;
let reply: [WorkerMessage, ArrayBuffer[]];
try {
  // BLAS first: threads OpenBLAS starts for a larger count must not inherit the lower priority.
  setThreads(job.blasThreads);
  niceThisThread(job.nice);
  reply = train();
} catch (e) {
  const error = e instanceof Error ? e : new Error(String(e));
  reply = [{ type: 'error', name: error.name, message: error.message }, []];
} finally {
  if (threadsBefore !== null) setThreads(threadsBefore);
}
post(...reply);
