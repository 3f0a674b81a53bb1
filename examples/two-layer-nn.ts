/**
 * The two_layer_nn notebook, cell by cell, with nndl: the toy checks (same
 * seeds, same printed numbers), the first CIFAR-10 run, its debugging plots,
 * the learning-rate search, the weights of both nets, and the test accuracy.
 *
 *   node dist/examples/two-layer-nn.js [CIFAR-10 source] [output directory]
 *
 * The source is anything loadCifar10 takes (default 'cifar10', the cache);
 * pictures go to the output directory (default two-layer-nn-out).
 */
import fs from 'node:fs';
import path from 'node:path';

import {
  NumpyRandomState, StandaloneTwoLayerNet, accuracy, evalNumericalGradient, fromArray, getCifar10Data, relError,
  type Tensor,
} from '../lib/index';
import { accuracyPlot, lossPlot, sweepPlot } from '../lib/report/plots';
import { weightsPng } from '../lib/report/weights';

const source = process.argv[2] ?? 'cifar10';
const out = process.argv[3] ?? 'two-layer-nn-out';

function toy(): void {
  console.log('== 0.2 Toy example');
  // init_toy_model: np.random.seed(0); init_toy_data: np.random.seed(1)
  const initToyModel = () => new StandaloneTwoLayerNet(4, 10, 3, { std: 1e-1, rng: new NumpyRandomState(0) });
  const X = new NumpyRandomState(1).randn(5, 4);
  for (let i = 0; i < X.size; i++) X.data[i] *= 10;
  const y = [0, 1, 2, 2, 1];
  let net = initToyModel();

  const scores = net.loss(X);
  const correct = fromArray([
    [-1.07260209, 0.05083871, -0.87253915], [-2.02778743, -0.10832494, -1.52641362],
    [-0.74225908, 0.15259725, -0.39578548], [-0.38172726, 0.10835902, -0.17328274],
    [-0.64417314, -0.18886813, -0.41106892],
  ]);
  let diff = 0;
  for (let i = 0; i < scores.size; i++) diff += Math.abs(scores.data[i] - correct.data[i]);
  console.log('Difference between your scores and correct scores:', diff);

  const [loss] = net.loss(X, y, 0.05);
  console.log('Loss:', loss, ' difference from 1.071696123862817:', Math.abs(loss - 1.071696123862817));

  const [, grads] = net.loss(X, y, 0.05);
  for (const name of Object.keys(grads)) {
    const num = evalNumericalGradient(() => net.loss(X, y, 0.05)[0], net.params[name], { verbose: false });
    console.log(`${name} max relative error: ${relError(num, grads[name])}`);
  }

  net = initToyModel();
  const stats = net.train(X, y, X, y, { learningRate: 1e-1, reg: 5e-6, numIters: 100 });
  console.log('Final training loss:', stats.lossHistory[stats.lossHistory.length - 1], '(notebook: 0.01449786458776595)');
}

async function cifar(): Promise<void> {
  console.log(`\n== 0.3 Classify CIFAR-10 (${source})`);
  let data;
  try {
    data = await getCifar10Data({ source, layout: 'rows', dtype: 'float64' });
  } catch (e) {
    console.log(`skipped: no CIFAR-10 (${(e as Error).message.split('\n')[0]})`);
    return;
  }
  const { XTrain, yTrain, XVal, yVal, XTest, yTest } = data;
  console.log('Train data shape:', XTrain.shape, ' Validation:', XVal.shape, ' Test:', XTest.shape);
  fs.mkdirSync(out, { recursive: true });
  const rng = new NumpyRandomState(0);
  const acc = (net: StandaloneTwoLayerNet, X: Tensor, y: Int32Array) => accuracy(net.predict(X), y);

  console.log('\n== 0.3.1 Running SGD (hidden 50, 1000 iterations, lr 1e-4, decay 0.95, reg 0.25)');
  const subopt = new StandaloneTwoLayerNet(3072, 50, 10, { rng });
  let t0 = Date.now();
  const stats = subopt.train(XTrain, yTrain, XVal, yVal, {
    numIters: 1000, batchSize: 200, learningRate: 1e-4, learningRateDecay: 0.95, reg: 0.25, verbose: true,
  });
  console.log('Validation accuracy:', acc(subopt, XVal, yVal), `(notebook: 0.283; ${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  console.log('\n== 0.4 Debugging plots: loss and accuracies (train accuracy is measured on each epoch\'s last minibatch)');
  fs.writeFileSync(path.join(out, 'subopt-loss.svg'), await lossPlot(stats.lossHistory));
  fs.writeFileSync(path.join(out, 'subopt-accuracy.svg'), await accuracyPlot(stats.trainAccHistory, stats.valAccHistory));

  console.log('\n== 0.6 Optimize: learning rates, 3000 iterations each, hidden 50, reg 0.55');
  const alphas = [1e-1, 6e-2, 3e-2, 1e-2, 6e-3, 3e-3, 1e-3, 6e-4, 3e-4];
  const results: { alpha: number; train: number; val: number; net: StandaloneTwoLayerNet }[] = [];
  t0 = Date.now();
  for (const alpha of alphas) {
    const net = new StandaloneTwoLayerNet(3072, 50, 10, { rng });
    net.train(XTrain, yTrain, XVal, yVal, { numIters: 3000, batchSize: 200, learningRate: alpha, learningRateDecay: 0.95, reg: 0.55 });
    const r = { alpha, train: acc(net, XTrain, yTrain), val: acc(net, XVal, yVal), net };
    results.push(r);
    console.log(`Val Accuracy: ${(100 * r.val).toFixed(2)}% for alpha = ${alpha.toFixed(4)}`);
  }
  const best = results.reduce((a, b) => (b.val > a.val ? b : a));
  console.log(`Best validation accuracy is alpha = ${best.alpha.toFixed(4)}: ${(100 * best.val).toFixed(1)}% ` +
    `with train accuracy: ${(100 * best.train).toFixed(1)}% (${((Date.now() - t0) / 1000).toFixed(1)} s for the search)`);
  fs.writeFileSync(path.join(out, 'accuracy-vs-alpha.svg'),
    await sweepPlot(results.map((r) => ({ learningRate: r.alpha, trainAcc: r.train, valAcc: r.val, label: '' }))));

  console.log('\n== Visualize the weights of the network');
  const layout = { orientation: 'units-by-inputs', inputOrder: 'hwc' } as const;
  fs.writeFileSync(path.join(out, 'subopt-weights.png'), weightsPng(subopt.params.W1, layout));
  fs.writeFileSync(path.join(out, 'best-weights.png'), weightsPng(best.net.params.W1, layout));

  console.log('\n== 0.9 Evaluate on test set');
  console.log('Test accuracy:', acc(best.net, XTest, yTest), '(notebook: 0.513)');
  console.log(`pictures in ${out}/`);
}

toy();
cifar().catch((e) => {
  console.error(e);
  process.exit(1);
});
