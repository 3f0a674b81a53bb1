/**
 * The FC_nets notebook, cell by cell, with nndl: the layer checks (with the
 * notebook's expected values), the modular TwoLayerNet's checks, the Solver
 * run on CIFAR-10 and its plots, the FullyConnectedNet gradient checks, and
 * overfitting 50 examples.
 *
 *   node dist/examples/fc-nets.js [CIFAR-10 source] [output directory]
 */
import fs from 'node:fs';
import path from 'node:path';

import {
  FullyConnectedNet, NumpyRandomState, Solver, TwoLayerNet, affineForward, fromArray, getCifar10Data, linspace, relError,
  reluForward, softmaxLoss, zeros, type Model, type Tensor,
} from '../lib/index';
import { layerGradientErrors, lossGradientError } from '../lib/layers/check';
import { LAYERS, LOSSES } from '../lib/layers/specs';
import { NOTEBOOK_CHECK, modelGradientErrors } from '../lib/models/check';
import { accuracyPlot, lossPlot } from '../lib/report/plots';

const source = process.argv[2] ?? 'cifar10';
const out = process.argv[3] ?? 'fc-nets-out';
const rng = new NumpyRandomState(0);
const randn = (...shape: number[]) => rng.randn(...shape);

function layers(): void {
  console.log('== 1.2.1 Testing affine_forward function:');
  const x = linspace(-0.1, 0.5, 2 * 120).reshape(2, 4, 5, 6);
  const w = linspace(-0.2, 0.3, 3 * 120).reshape(120, 3);
  const b = linspace(-0.3, 0.1, 3);
  const [out0] = affineForward(x, w, b);
  const correct = fromArray([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]]);
  console.log('difference:', relError(out0, correct), '(notebook: 9.769847728806635e-10)');

  console.log('== 1.3.1 Testing relu_forward function:');
  const [relu] = reluForward(linspace(-0.5, 0.5, 12).reshape(3, 4));
  const reluCorrect = fromArray([[0, 0, 0, 0], [0, 0, 0.04545455, 0.13636364], [0.22727273, 0.31818182, 0.40909091, 0.5]]);
  console.log('difference:', relError(relu, reluCorrect), '(notebook: 4.999999798022158e-08)');

  console.log('== 1.5 Testing softmax_loss:');
  const sx = randn(50, 10);
  for (let i = 0; i < sx.size; i++) sx.data[i] *= 0.001;
  const [loss] = softmaxLoss(sx, rng.randint(0, 10, 50));
  console.log('loss:', loss, '(about 2.3)');

  // 1.2.2, 1.3.2, 1.4.1 and 1.5's gradient checks, for every layer of the table and every loss.
  console.log('== Gradient checks of every layer (dx, dW, db, ...), on the table\'s sample inputs');
  for (const kind of Object.values(LAYERS)) {
    const errors = layerGradientErrors(kind, kind.samples[0]);
    console.log(`${kind.type}: ${errors.map(([name, e]) => `${name} error ${e.toExponential(2)}`).join(', ')}`);
  }
  for (const loss of Object.values(LOSSES)) {
    const [, n, c, scale] = loss.samples[0];
    console.log(`${loss.type} loss: dx error ${lossGradientError(loss, n, c, scale).toExponential(2)}`);
  }
}

function checkGradients(model: Model, X: Tensor, y: Int32Array): void {
  for (const { name, error } of modelGradientErrors(model, X, y, NOTEBOOK_CHECK)) console.log(`${name} relative error: ${error}`);
}

function twoLayerNet(): void {
  console.log('== 1.6 TwoLayerNet');
  const [N, D, H, C] = [3, 5, 50, 7];
  const std = 1e-2;
  const model = new TwoLayerNet({ inputDim: D, hiddenDims: H, numClasses: C, weightScale: std, rng });
  const stdOf = (t: Tensor) => {
    const v = Array.from(t.data);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
  };
  console.log('Testing initialization ... W1 std', stdOf(model.params.W1), 'W2 std', stdOf(model.params.W2));
  model.params.W1.data.set(linspace(-0.7, 0.3, D * H).data);
  model.params.b1.data.set(linspace(-0.1, 0.9, H).data);
  model.params.W2.data.set(linspace(-0.3, 0.4, H * C).data);
  model.params.b2.data.set(linspace(-0.9, 0.1, C).data);
  const flat = linspace(-5.5, 4.5, N * D).data;
  const X = zeros([N, D]);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) X.data[i * D + j] = flat[j * N + i];
  const scores = model.loss(X);
  const correct = [
    [11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
    [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
    [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319],
  ].flat();
  console.log('Testing test-time forward pass ... difference', correct.reduce((s, v, i) => s + Math.abs(scores.data[i] - v), 0));
  const y = Int32Array.from([0, 5, 1]);
  console.log('Testing training loss (no regularization):', model.loss(X, y)[0], '(3.4702243556)');
  model.reg = 1.0;
  console.log('With regularization 1.0:', model.loss(X, y)[0], '(26.5948426952)');
  for (const reg of [0.0, 0.7]) {
    console.log(`Running numeric gradient check with reg = ${reg}`);
    model.reg = reg;
    checkGradients(model, X, y);
  }
}

function fullyConnected(): void {
  console.log('== 1.8 FullyConnectedNet');
  const [N, D, H1, H2, C] = [2, 15, 20, 30, 10];
  const X = randn(N, D);
  const y = rng.randint(0, C, N);
  for (const reg of [0, 3.14]) {
    console.log(`Running check with reg = ${reg}`);
    const model = new FullyConnectedNet([H1, H2], { inputDim: D, numClasses: C, reg, weightScale: 5e-2, dtype: 'float64', rng });
    console.log('Initial loss:', model.loss(X, y)[0]);
    checkGradients(model, X, y);
  }
}

async function cifar(): Promise<void> {
  console.log(`\n== CIFAR-10 (${source})`);
  let data;
  try {
    data = await getCifar10Data({ source, dtype: 'float64' });
  } catch (e) {
    console.log(`skipped: no CIFAR-10 (${(e as Error).message.split('\n')[0]})`);
    return;
  }
  for (const [k, v] of Object.entries(data)) if (v && typeof v === 'object' && 'shape' in v) console.log(`${k}: [${(v as Tensor).shape}]`);
  fs.mkdirSync(out, { recursive: true });

  console.log('\n== 1.7 Solver: TwoLayerNet(hidden 200), sgd lr 1e-3, lr decay 0.95, 10 epochs, batch 100');
  const model = new TwoLayerNet({ hiddenDims: 200, rng });
  const solver = new Solver(model, data, {
    updateRule: 'sgd', optimConfig: { learningRate: 1e-3 }, lrDecay: 0.95, numEpochs: 10, batchSize: 100, printEvery: 500, verbose: true, rng,
  });
  const t0 = Date.now();
  solver.train();
  console.log(`best val acc ${solver.bestValAcc} (notebook: 0.528 at best; ${((Date.now() - t0) / 10000).toFixed(2)} s per epoch with checks)`);
  console.log('test acc', solver.checkAccuracy(data.XTest, data.yTest));
  fs.writeFileSync(path.join(out, 'solver-loss.svg'), await lossPlot(solver.lossHistory));
  fs.writeFileSync(path.join(out, 'solver-accuracy.svg'), await accuracyPlot(solver.trainAccHistory, solver.valAccHistory));

  console.log('\n== Overfit 50 training examples: [100, 100], weight scale 3e-2, sgd lr 1e-3, 20 epochs, batch 25');
  const small = { XTrain: data.XTrain.reshape(49000, 3072), yTrain: data.yTrain, XVal: data.XVal.reshape(1000, 3072), yVal: data.yVal };
  const first50 = {
    ...small,
    XTrain: fromArray(small.XTrain.data.subarray(0, 50 * 3072)).reshape(50, 3072),
    yTrain: data.yTrain.subarray(0, 50),
  };
  const deep = new FullyConnectedNet([100, 100], { weightScale: 3e-2, dtype: 'float64', rng });
  const overfit = new Solver(deep, first50, {
    printEvery: 10, verbose: true, numEpochs: 20, batchSize: 25, updateRule: 'sgd', optimConfig: { learningRate: 1e-3 }, rng,
  });
  overfit.train();
  fs.writeFileSync(path.join(out, 'overfit-loss.svg'), await lossPlot(overfit.lossHistory));
  console.log(`final train acc ${overfit.trainAccHistory[overfit.trainAccHistory.length - 1]} (notebook: 1.0); pictures in ${out}/`);
}

layers();
twoLayerNet();
fullyConnected();
cifar().catch((e) => {
  console.error(e);
  process.exit(1);
});
