/**
 * trainInWorker: the Solver on a worker thread trains exactly as it does on
 * the main thread, streams its events, stops when asked, reports its errors,
 * and hands back a model built in the calling thread.
 */
import fs from 'node:fs';

import { blasInfo } from '../lib/blas';
import { FullyConnectedNet } from '../lib/models/fully-connected-net';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { NumpyRandomState } from '../lib/random';
import { Solver, type EpochEvent } from '../lib/solver';
import { Tensor, sharedZeros } from '../lib/tensor';
import { trainInWorker } from '../lib/train-worker';

/** Ten classes around random centres, (n, 3, 8, 8), in a SharedArrayBuffer when asked. */
function data(seed: number, n: number, shared = false): { X: Tensor; y: Int32Array } {
  const rng = new NumpyRandomState(seed);
  const centres = new NumpyRandomState(99).standardNormal([10, 192]);
  const y = rng.randint(0, 10, n);
  const noise = rng.standardNormal([n, 3, 8, 8]);
  const X = shared ? sharedZeros([n, 3, 8, 8], 'float32') : new Tensor(new Float32Array(n * 192), [n, 3, 8, 8]);
  for (let i = 0; i < n * 192; i++) X.data[i] = noise.data[i] + 2 * centres.data[y[Math.floor(i / 192)] * 192 + (i % 192)];
  return { X, y };
}

/** The niceness of this process's threads, or of one (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNiceness(only?: string): number[] {
  return (only === undefined ? fs.readdirSync('/proc/self/task') : [only]).map((tid) => {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

const train = data(1, 400, true);
const val = data(2, 100);
const split = { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y };
const options = { numEpochs: 3, batchSize: 50, updateRule: 'adam' as const, optimConfig: { learningRate: 1e-3 }, rng: 5 };
const classNames = 'abcdefghij'.split('');
const meanImage = Float64Array.from({ length: 192 }, (_, i) => 120 + (i % 9));

test('trains exactly as the Solver on this thread does, streaming its events, and hands back a model', async () => {
  const model = new FullyConnectedNet([20], { inputDim: 192, useBatchnorm: true, weightScale: 0.05, rng: 3 });
  model.preprocessing = { meanImage, classNames, imageShape: [3, 8, 8] };
  const before = Array.from(model.params.W1.data);

  const epochs: EpochEvent[] = [];
  let iterations = 0;
  const job = trainInWorker(model, split, options).onEpoch((e) => epochs.push(e)).onIteration(() => iterations++);
  const result = await job.promise;

  const local = new FullyConnectedNet([20], { inputDim: 192, useBatchnorm: true, weightScale: 0.05, rng: 3 });
  local.preprocessing = { meanImage, classNames, imageShape: [3, 8, 8] };
  const solver = new Solver(local, split, { ...options, verbose: false });
  solver.train();

  expect(result.model).toBeInstanceOf(FullyConnectedNet);
  expect(result.lossHistory).toEqual(solver.lossHistory);
  expect(result.valAccHistory).toEqual(solver.valAccHistory);
  expect(result.bestValAcc).toBe(solver.bestValAcc);
  expect(result.stopped).toBe(false);
  for (const [name, p] of Object.entries(local.params)) expect(Array.from(result.model.params[name].data)).toEqual(Array.from(p.data));
  for (const [name, b] of Object.entries(local.buffers())) expect(Array.from(result.model.buffers()[name].data)).toEqual(Array.from(b.data));
  expect(result.model.preprocessing?.training).toMatchObject({ valAcc: solver.bestValAcc, epochs: 3 });
  expect(Array.from(result.model.predict(val.X))).toEqual(Array.from(local.predict(val.X)));
  const pixels = Uint8Array.from({ length: 5 * 192 }, (_, i) => (i * 31) % 256);
  expect(Array.from(result.model.predictProba(pixels).data)).toEqual(Array.from(local.predictProba(pixels).data));

  expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
  expect(epochs.map((e) => e.valAcc)).toEqual(solver.valAccHistory);
  expect(iterations).toBe(3 * 8);
  // The model handed in is left as it was, to go on serving.
  expect(Array.from(model.params.W1.data)).toEqual(before);
}, 60000);

test('stop() ends training after the current iteration, with the best model so far; BLAS threads are set while it trains', async () => {
  const before = blasInfo().threads;
  const during: (number | null)[] = [];
  const niceness: number[][] = [];
  const job = trainInWorker(new TwoLayerNet({ inputDim: 192, hiddenDims: 10, rng: 0 }), split, { ...options, numEpochs: 50, blasThreads: 3, nice: 7 });
  job.onIteration((e) => {
    during.push(blasInfo().threads);
    if (e.iteration === 1) niceness.push(threadNiceness());
    if (e.iteration === 10) job.stop();
  });
  const result = await job.promise;
  // OpenBLAS's thread count is the process's: the calling thread sees the worker's setting, then the old one.
  expect(during[0]).toBe(3);
  expect(blasInfo().threads).toBe(before);
  // Linux: the training thread runs at the niceness asked for, this one as before.
  if (process.platform === 'linux') {
    expect(niceness[0]).toContain(7);
    expect(threadNiceness(String(process.pid))).toEqual([0]);
  }
  expect(result.stopped).toBe(true);
  // The worker may run an iteration or two before it reads the request.
  expect(result.lossHistory.length).toBeGreaterThanOrEqual(10);
  expect(result.lossHistory.length).toBeLessThan(50 * 8);
  expect(result.model).toBeInstanceOf(TwoLayerNet);
}, 60000);

test('errors: bad arguments throw at once; the Solver\'s errors reject the promise with their type', async () => {
  const model = new TwoLayerNet({ inputDim: 192, hiddenDims: 10, rng: 0 });
  expect(() => trainInWorker(model, split, { onEpoch: () => {} } as never)).toThrow(
    /^trainInWorker: Expected a value that can cross to a worker thread; listen with \.onEpoch\(\) on the handle trainInWorker returns for solverOptions\.onEpoch but received function$/,
  );
  expect(() => trainInWorker(model, split, { rng: new NumpyRandomState(0) } as never)).toThrow(/solverOptions\.rng/);
  expect(() => trainInWorker({} as never, split)).toThrow(/^trainInWorker: Expected a model .* for model/);
  expect(() => trainInWorker(model, { ...split, XTrain: [1, 2] as never })).toThrow(TypeError);
  expect(() => trainInWorker(model, { ...split, yVal: train.y })).toThrow(/data\.yVal has 400 labels but x has 100 rows/);
  expect(() => trainInWorker(model, split, { blasThreads: 0 })).toThrow(RangeError);
  expect(() => trainInWorker(model, split, { nice: 20 })).toThrow(/^trainInWorker: Expected an integer in \[0, 19\] for solverOptions\.nice but received number 20$/);

  await expect(trainInWorker(model, split, { batchSize: 0 }).promise).rejects.toThrow(RangeError);
  await expect(trainInWorker(model, split, { optimConfig: { learningRate: 1e12 }, rng: 0 }).promise).rejects.toThrow(
    /^Solver: the loss is (NaN|Infinity) at iteration \d+/,
  );
}, 60000);

test('byte images train as on this thread; the caller\'s Buffer is copied to the worker, never moved', async () => {
  // Large enough to have its own memory rather than a slice of Node's pool: slice() would share it.
  const bytes = Buffer.from(Uint8Array.from({ length: 40 * 192 }, (_, i) => (i * 37) % 256));
  const images = { data: bytes, shape: [40, 3, 8, 8], mean: new Float64Array(192).fill(127.5) };
  const y = Int32Array.from({ length: 40 }, (_, i) => i % 10);
  const byteSplit = { XTrain: images, yTrain: y, XVal: images, yVal: y };
  const job = trainInWorker(new TwoLayerNet({ inputDim: 192, hiddenDims: 8, rng: 2 }), byteSplit, { ...options, batchSize: 10 });
  expect(bytes.length).toBe(40 * 192);
  const result = await job.promise;
  const local = new TwoLayerNet({ inputDim: 192, hiddenDims: 8, rng: 2 });
  const solver = new Solver(local, byteSplit, { ...options, batchSize: 10, verbose: false });
  solver.train();
  expect(result.lossHistory).toEqual(solver.lossHistory);
  expect(Array.from(result.model.params.W1.data)).toEqual(Array.from(local.params.W1.data));
}, 60000);
