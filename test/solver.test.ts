import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { FullyConnectedNet } from '../lib/models/fully-connected-net';
import { loadModel } from '../lib/models/load';
import type { Model, Params } from '../lib/models/model';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { NumpyRandomState } from '../lib/random';
import { Solver, type EpochEvent, type IterationEvent } from '../lib/solver';
import { Tensor } from '../lib/tensor';
import { getCifar10Data } from '../lib/data/cifar10';
import { NonFiniteLossError } from '../lib/index';

/**
 * CIFAR-shaped inputs at the scale of mean-subtracted pixels (std 60): ten
 * classes around random centres (std 10 per pixel), so a model must learn,
 * but can, from a few hundred examples.
 */
function cifarShaped(seed: number, n: number): { X: Tensor; y: Int32Array } {
  const rng = new NumpyRandomState(seed);
  const centres = new NumpyRandomState(1234).standardNormal([10, 3072]);
  const y = rng.randint(0, 10, n);
  const X = rng.standardNormal([n, 3, 32, 32]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3072; j++) X.data[i * 3072 + j] = 60 * X.data[i * 3072 + j] + 10 * centres.data[y[i] * 3072 + j];
  }
  return { X, y };
}

const quiet = { verbose: false };

const SHARED = path.resolve(__dirname, '..', '..', 'shared', 'datasets', 'cifar-10-binary.tar.gz');

/** 50 training and 100 validation examples: real CIFAR-10 when the archive is beside the checkout. */
async function smallData(): Promise<{ train: { X: Tensor; y: Int32Array }; val: { X: Tensor; y: Int32Array } }> {
  if (!fs.existsSync(SHARED)) {
    console.log(`overfitting generated CIFAR-shaped data: ${SHARED} is absent`);
    return { train: cifarShaped(1, 50), val: cifarShaped(2, 100) };
  }
  const d = await getCifar10Data({ source: SHARED, numTraining: 49000, numValidation: 100, numTest: 0, dtype: 'float64' });
  const first = (X: Tensor, n: number) => new Tensor(X.data.subarray(0, n * 3072), [n, 3, 32, 32]);
  return { train: { X: first(d.XTrain, 50), y: d.yTrain.subarray(0, 50) }, val: { X: d.XVal, y: d.yVal } };
}

test('a three-layer net overfits 50 examples to train accuracy 1.0 within 20 epochs (the notebook setting)', async () => {
  const { train, val } = await smallData();
  const model = new FullyConnectedNet([100, 100], { weightScale: 3e-2, dtype: 'float64', rng: 0 });
  const solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y }, {
    ...quiet, numEpochs: 20, batchSize: 25, updateRule: 'sgd', optimConfig: { learningRate: 1e-3 }, rng: 0,
  });
  solver.train();
  expect(solver.lossHistory).toHaveLength(40);
  expect(solver.trainAccHistory).toHaveLength(21);
  expect(Math.max(...solver.trainAccHistory)).toBe(1);
}, 60000);

test('a TwoLayerNet learns with each update rule; best parameters are restored', () => {
  const train = cifarShaped(3, 600);
  const val = cifarShaped(4, 200);
  for (const [updateRule, learningRate] of [['sgd', 1e-3], ['sgd_momentum', 1e-3], ['rmsprop', 1e-4], ['adam', 1e-4]] as const) {
    const model = new TwoLayerNet({ hiddenDims: 50, weightScale: 1e-3, rng: 0 });
    const solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y }, {
      ...quiet, numEpochs: 5, batchSize: 50, updateRule, optimConfig: { learningRate }, lrDecay: 0.95, rng: 1,
    });
    solver.train();
    expect(solver.bestValAcc).toBeGreaterThan(0.5);
    expect(solver.bestValAcc).toBe(Math.max(...solver.valAccHistory));
    // The restored parameters are those of the best check.
    expect(solver.checkAccuracy(val.X, val.y)).toBe(solver.bestValAcc);
    expect(solver.optimConfigs.W1.learningRate).toBeCloseTo(learningRate * 0.95 ** 5, 15);
  }
});

test('progress callbacks and log lines, as the reference prints them', () => {
  const train = cifarShaped(5, 40);
  const lines: string[] = [];
  const iterations: IterationEvent[] = [];
  const epochs: EpochEvent[] = [];
  const model = new TwoLayerNet({ hiddenDims: 10, rng: 0 });
  new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y }, {
    numEpochs: 2, batchSize: 10, printEvery: 3, verbose: true, rng: 0,
    log: (l) => lines.push(l), onIteration: (e) => iterations.push(e), onEpoch: (e) => epochs.push(e),
  }).train();
  expect(iterations.map((e) => e.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  expect(iterations[3]).toMatchObject({ numIterations: 8, epoch: 1 });
  expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
  expect(lines[0]).toMatch(/^\(Iteration 1 \/ 8\) loss: \d+\.\d{6}$/);
  expect(lines[1]).toMatch(/^\(Epoch 0 \/ 2\) train acc: \d\.\d{6}; val_acc: \d\.\d{6}$/);
  expect(lines.filter((l) => l.startsWith('(Iteration'))).toHaveLength(3);
});

test('the Solver is quiet unless asked: no log line without verbose: true', () => {
  const train = cifarShaped(5, 40);
  const lines: string[] = [];
  const model = new TwoLayerNet({ hiddenDims: 10, rng: 0 });
  const solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y }, {
    numEpochs: 2, batchSize: 10, printEvery: 1, rng: 0, log: (l) => lines.push(l),
  });
  solver.train();
  expect(solver.lossHistory).toHaveLength(8);
  expect(lines).toEqual([]);
});

test('stop() ends training after the current iteration, with the best parameters', () => {
  const train = cifarShaped(6, 100);
  const model = new TwoLayerNet({ hiddenDims: 10, rng: 0 });
  const solver: Solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y }, {
    ...quiet, numEpochs: 10, batchSize: 10, rng: 0, onIteration: (e) => e.iteration === 15 && solver.stop(),
  });
  solver.train();
  expect(solver.stopped).toBe(true);
  expect(solver.lossHistory).toHaveLength(15);
});

test('a non-finite loss stops training with an error naming the iteration', () => {
  const train = cifarShaped(7, 100);
  const model = new TwoLayerNet({ hiddenDims: 10, rng: 0 });
  const solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y }, {
    ...quiet, numEpochs: 5, batchSize: 10, optimConfig: { learningRate: 1e10 }, rng: 0,
  });
  expect(() => solver.train()).toThrow(/^Solver: the loss is (NaN|Infinity) at iteration \d+ \(epoch \d+\); training stopped/);
  for (const p of Object.values(model.params)) expect(Array.from(p.data).every(Number.isFinite)).toBe(true);
});

test('the error of a non-finite loss is a NonFiniteLossError, exported, with the loss and the iteration', () => {
  const train = cifarShaped(7, 100);
  const model = new TwoLayerNet({ hiddenDims: 10, rng: 0 });
  const solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y }, {
    ...quiet, numEpochs: 5, batchSize: 10, optimConfig: { learningRate: 1e10 }, rng: 0,
  });
  let error: unknown;
  try {
    solver.train();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(NonFiniteLossError);
  expect(error).toBeInstanceOf(Error);
  const e = error as NonFiniteLossError;
  expect(e.name).toBe('NonFiniteLossError');
  expect(Number.isFinite(e.loss)).toBe(false);
  expect(e.iteration).toBe(solver.lossHistory.length + 1);
  expect(e.message).toContain(`at iteration ${e.iteration} `);
});

test('float64 data trains a float32 model: batches are converted while gathered', () => {
  const train = cifarShaped(8, 60);
  const model = new FullyConnectedNet([20], { rng: 0 });
  const solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y }, {
    ...quiet, numEpochs: 1, batchSize: 20, rng: 0,
  });
  solver.train();
  expect(model.params.W1.dtype).toBe('float32');
  expect(solver.lossHistory.every(Number.isFinite)).toBe(true);
});

test('checkpoints are written after each check and load back', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-solver-'));
  try {
    const train = cifarShaped(9, 20);
    const model = new FullyConnectedNet([8], { useBatchnorm: true, rng: 0 });
    new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y }, {
      ...quiet, numEpochs: 2, batchSize: 10, rng: 0, checkpointName: path.join(dir, 'run'),
    }).train();
    expect(fs.readdirSync(dir).sort()).toEqual(['run_epoch_0.safetensors', 'run_epoch_1.safetensors', 'run_epoch_2.safetensors']);
    expect(loadModel(path.join(dir, 'run_epoch_2.safetensors'))).toBeInstanceOf(FullyConnectedNet);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a custom update rule that returns new tensors works too', () => {
  const train = cifarShaped(10, 20);
  const model = new TwoLayerNet({ hiddenDims: 5, rng: 0 });
  const before = Array.from(model.params.W1.data);
  const halfStep = (w: Tensor, dw: Tensor) => {
    const next = w.clone();
    for (let i = 0; i < w.size; i++) next.data[i] -= 1e-4 * dw.data[i];
    return [next, {}] as [Tensor, object];
  };
  new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y }, {
    ...quiet, numEpochs: 1, batchSize: 10, updateRule: halfStep, rng: 0,
  }).train();
  expect(Array.from(model.params.W1.data)).not.toEqual(before);
});

test('bad arguments', () => {
  const train = cifarShaped(11, 10);
  const model = new TwoLayerNet({ hiddenDims: 5, rng: 0 });
  const data = { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y };
  expect(() => new Solver({} as Model, data)).toThrow(/Expected a model with params and loss\(\) for model/);
  expect(() => new Solver(model, { ...data, yTrain: train.y.subarray(0, 5) })).toThrow(/data\.yTrain has 5 labels but x has 10 rows/);
  expect(() => new Solver(model, { ...data, XTrain: [1] as never })).toThrow(TypeError);
  // @ts-expect-error: the type names the update rules too.
  expect(() => new Solver(model, data, { updateRule: 'nesterov' })).toThrow(/options\.updateRule/);
  expect(() => new Solver(model, data, { batchSize: 0 })).toThrow(/options\.batchSize/);
  expect(() => new Solver(model, data, { onEpoch: 3 as never })).toThrow(/options\.onEpoch/);
  const params: Params = model.params;
  expect(Object.keys(params)).toEqual(['W1', 'b1', 'W2', 'b2']);
});

test('byte images train exactly as their float conversion does', () => {
  const rng = new NumpyRandomState(12);
  const bytes = Uint8Array.from(rng.randint(0, 256, 60 * 3072));
  const y = rng.randint(0, 10, 60);
  const mean = new Float64Array(3072).map((_, j) => 100 + (j % 50));
  const floats = new Tensor(Float64Array.from(bytes, (v, i) => v - mean[i % 3072]), [60, 3, 32, 32]);
  const images = { data: bytes, shape: [60, 3, 32, 32], mean };
  const run = (X: Tensor | typeof images) => {
    const model = new TwoLayerNet({ hiddenDims: 10, rng: 0 });
    const solver = new Solver(model, { XTrain: X, yTrain: y, XVal: X, yVal: y }, { ...quiet, numEpochs: 2, batchSize: 20, rng: 3 });
    solver.train();
    return [solver.lossHistory, solver.valAccHistory, solver.checkAccuracy(X, y)];
  };
  expect(run(images)).toEqual(run(floats));
  expect(() => new Solver(new TwoLayerNet({ hiddenDims: 5, rng: 0 }), { XTrain: { data: bytes, shape: [61, 3072] }, yTrain: y, XVal: floats, yVal: y }))
    .toThrow(/data\.XTrain\.shape is \[61, 3072\] but data\.XTrain\.data has 184320 bytes/);
  expect(() => new Solver(new TwoLayerNet({ hiddenDims: 5, rng: 0 }), { XTrain: { ...images, mean: new Float64Array(3) }, yTrain: y, XVal: floats, yVal: y }))
    .toThrow(/data\.XTrain\.mean/);
});

test('trainAsync trains exactly as train() and gives the event loop a turn within each accuracy check', async () => {
  const train = cifarShaped(13, 100);
  const val = cifarShaped(14, 1000);
  const run = async (async: boolean) => {
    const model = new TwoLayerNet({ hiddenDims: 10, rng: 0 });
    const solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y }, {
      ...quiet, numEpochs: 1, batchSize: 100, rng: 2,
    });
    // One iteration, then one check: 1 batch of the training set and 10 of the validation set.
    let turns = 0;
    let done = false;
    const turn = () => {
      turns++;
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    if (async) await solver.trainAsync();
    else solver.train();
    done = true;
    return { turns, history: [solver.lossHistory, solver.trainAccHistory, solver.valAccHistory, Array.from(model.params.W2.data)] };
  };
  const sync = await run(false);
  const chunked = await run(true);
  expect(chunked.history).toEqual(sync.history);
  expect(sync.turns).toBe(0);
  expect(chunked.turns).toBeGreaterThanOrEqual(1 + 11);
});

test('the Solver records the training in the model\'s preprocessing, when it has one', () => {
  const train = cifarShaped(15, 40);
  const model = new TwoLayerNet({ hiddenDims: 10, rng: 0 });
  model.preprocessing = { meanImage: null, classNames: ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'], training: { data: 'generated' } };
  const solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y }, { ...quiet, numEpochs: 2, batchSize: 10, rng: 0 });
  const before = Date.now();
  solver.train();
  const training = model.preprocessing.training!;
  expect(training).toMatchObject({ data: 'generated', valAcc: solver.bestValAcc, epochs: 2 });
  expect(training.trainAcc).toBe(solver.trainAccHistory[solver.valAccHistory.indexOf(solver.bestValAcc)]);
  expect(Date.parse(training.date!)).toBeGreaterThanOrEqual(before - 1000);
  const plain = new TwoLayerNet({ hiddenDims: 10, rng: 0 });
  new Solver(plain, { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y }, { ...quiet, numEpochs: 1, batchSize: 10, rng: 0 }).train();
  expect(plain.preprocessing).toBeNull();
});

test('the best parameters come back with the batchnorm statistics they were checked with', () => {
  const train = cifarShaped(11, 300);
  // Labels the images do not predict: the validation accuracy wanders, so its best is not the last check.
  const val = { X: cifarShaped(12, 100).X, y: new NumpyRandomState(13).randint(0, 10, 100) };
  const model = new FullyConnectedNet([30], { useBatchnorm: true, dtype: 'float64', weightScale: 0.05, rng: 3 });
  let atBest: Float64Array[] = [];
  let best = -1;
  const solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y }, {
    ...quiet, updateRule: 'sgd', optimConfig: { learningRate: 0.5 }, batchSize: 50, numEpochs: 6, rng: 4,
    onEpoch: ({ valAcc }) => {
      if (valAcc > best) {
        best = valAcc;
        atBest = Object.values(model.buffers()).map((t) => Float64Array.from(t.data));
      }
    },
  });
  solver.train();
  // The case is only a test when the statistics moved on after the best check.
  expect(solver.valAccHistory.indexOf(solver.bestValAcc)).toBeLessThan(solver.valAccHistory.length - 1);
  expect(Object.values(model.buffers()).map((t) => Array.from(t.data))).toEqual(atBest.map((a) => Array.from(a)));
  expect(solver.checkAccuracy(val.X, val.y)).toBe(solver.bestValAcc);
});
