/**
 * The course's ConvolutionalNetworks notebook, cell by cell, with nndl: the
 * conv and max-pool forward checks with the notebook's expected values, the
 * gradient checks of every layer of the table on images,
 * ThreeLayerConvNet's initial loss and gradient check, overfitting 100
 * examples, and one epoch on the full training set (the notebook expects
 * more than 40% training accuracy), with its plots. The run exits with 1
 * when the overfitting or the one-epoch check fails.
 *
 *   node dist/examples/conv-nets.js [CIFAR-10 source] [output directory]
 */
import fs from 'node:fs';
import path from 'node:path';

import {
  NumpyRandomState, Solver, ThreeLayerConvNet, convForward, fromArray, getCifar10Data, linspace, maxPoolForward, relError,
  Tensor,
} from '../lib/index';
import { layerGradientErrors } from '../lib/layers/check';
import { LAYERS } from '../lib/layers/specs';
import { ACCURATE_CHECK, MODEL_SAMPLES, NOTEBOOK_CHECK, modelCase, modelGradientErrors, type ModelSample } from '../lib/models/check';
import { accuracyPlot, lossPlot } from '../lib/report/plots';

const source = process.argv[2] ?? 'cifar10';
const out = process.argv[3] ?? 'conv-nets-out';
const rng = new NumpyRandomState(231);

function layers(): void {
  console.log('== Testing conv_forward_naive');
  const x = linspace(-0.1, 0.5, 2 * 3 * 4 * 4).reshape(2, 3, 4, 4);
  const w = linspace(-0.2, 0.3, 3 * 3 * 4 * 4).reshape(3, 3, 4, 4);
  const b = linspace(-0.1, 0.2, 3);
  const [conv] = convForward(x, w, b, { stride: 2, pad: 1 });
  const correct = fromArray([
    [[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]], [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
      [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
    [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]], [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
      [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]],
  ]);
  console.log('difference:', relError(conv, correct), '(about 1e-8)');

  console.log('== Testing max_pool_forward_naive');
  const [pooled] = maxPoolForward(linspace(-0.3, 0.4, 2 * 3 * 4 * 4).reshape(2, 3, 4, 4), { poolHeight: 2, poolWidth: 2, stride: 2 });
  const pooledCorrect = fromArray([
    [[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]], [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
      [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
    [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]], [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
      [[0.32631579, 0.34105263], [0.38526316, 0.4]]],
  ]);
  console.log('difference:', relError(pooled, pooledCorrect), '(about 4e-8)');

  console.log('== Gradient checks of the layers on images (the layer table\'s samples with (N, C, H, W) inputs)');
  for (const kind of Object.values(LAYERS)) {
    for (const sample of kind.samples.filter((s) => s.input.length === 4)) {
      const errors = layerGradientErrors(kind, sample);
      console.log(`${kind.type} (${sample.label}): ${errors.map(([name, e]) => `${name} error ${e.toExponential(2)}`).join(', ')}`);
    }
  }
}

function threeLayerConvNet(): void {
  console.log('== ThreeLayerConvNet: sanity check of the loss');
  const X = rng.randn(50, 3, 32, 32).astype('float32');
  const y = rng.randint(0, 10, 50);
  const model = new ThreeLayerConvNet({ rng });
  console.log('Initial loss (no regularization):', model.loss(X, y)[0], '(about log(10) = 2.3026)');
  model.reg = 0.5;
  console.log('Initial loss (with regularization):', model.loss(X, y)[0], '(a bit more)');

  console.log('== ThreeLayerConvNet: gradient check (2 inputs of 3 x 16 x 16, 3 filters of 3 x 3, hidden 7, float64)');
  const small = new ThreeLayerConvNet({ numFilters: 3, filterSize: 3, inputDim: [3, 16, 16], hiddenDim: 7, dtype: 'float64', rng });
  const Xs = rng.randn(2, 3, 16, 16);
  const ys = rng.randint(0, 10, 2);
  // The notebook's difference (h = 1e-5) crosses ReLU and pool kinks, which the 1e-3 initial weights put
  // everywhere: its errors are as large as the notebook's. The step-halving check leaves out the entries at a kink.
  const accurate = modelGradientErrors(small, Xs, ys, ACCURATE_CHECK);
  modelGradientErrors(small, Xs, ys, NOTEBOOK_CHECK).forEach(({ name, error }, i) => {
    const a = accurate[i];
    console.log(
      `${name} max relative error: ${error.toExponential(6)} (notebook's difference); ${a.error.toExponential(2)} halving the step, ` +
        `${a.kinks} of ${a.size} entries at a kink left out`,
    );
  });
  const sample = MODEL_SAMPLES.find((m) => m.label.startsWith('ThreeLayerConvNet')) as ModelSample;
  console.log(`== ${sample.label}, nndl gradcheck's sample: inputs away from the kinks`);
  const c = modelCase(sample);
  for (const { name, error, kinks, size } of modelGradientErrors(c.model, c.X, c.y, sample.method)) {
    console.log(`${name} max relative error: ${error.toExponential(2)}${kinks > 0 ? ` (${kinks} of ${size} entries at a kink left out)` : ''}`);
  }
}

/** Prints a check of the notebook's; a failed one makes the run exit with 1 at the end. */
function check(ok: boolean, what: string): void {
  console.log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
  if (!ok) process.exitCode = 1;
}

async function cifar(): Promise<void> {
  console.log(`\n== CIFAR-10 (${source})`);
  let data;
  try {
    data = await getCifar10Data({ source, dtype: 'float32' });
  } catch (e) {
    console.log(`skipped: no CIFAR-10 (${(e as Error).message.split('\n')[0]})`);
    return;
  }
  fs.mkdirSync(out, { recursive: true });

  console.log('\n== Overfit 100 examples: ThreeLayerConvNet, weight scale 1e-2, adam 1e-3, 15 epochs, batch 50');
  const first100 = {
    XTrain: new Tensor(data.XTrain.data.subarray(0, 100 * 3072), [100, 3, 32, 32]), yTrain: data.yTrain.subarray(0, 100),
    XVal: data.XVal, yVal: data.yVal,
  };
  const overfit = new Solver(new ThreeLayerConvNet({ weightScale: 1e-2, rng }), first100, {
    numEpochs: 15, batchSize: 50, updateRule: 'adam', optimConfig: { learningRate: 1e-3 }, printEvery: 1, verbose: true, rng,
  });
  overfit.train();
  fs.writeFileSync(path.join(out, 'overfit-accuracy.svg'), await accuracyPlot(overfit.trainAccHistory, overfit.valAccHistory));
  const fit = overfit.trainAccHistory[overfit.trainAccHistory.length - 1];
  const held = overfit.valAccHistory[overfit.valAccHistory.length - 1];
  check(fit >= 0.9 && held < fit - 0.4, `overfitting: train acc ${fit} (near 1 expected), val acc ${held} (far lower expected)`);

  console.log('\n== One epoch of the full set: ThreeLayerConvNet, weight scale 1e-3, hidden 500, reg 1e-3, adam 1e-3, batch 50');
  const model = new ThreeLayerConvNet({ weightScale: 1e-3, hiddenDim: 500, reg: 1e-3, rng });
  const solver = new Solver(model, data, {
    numEpochs: 1, batchSize: 50, updateRule: 'adam', optimConfig: { learningRate: 1e-3 }, printEvery: 20, verbose: true, rng,
  });
  const t0 = Date.now();
  solver.train();
  const trainAcc = solver.trainAccHistory[solver.trainAccHistory.length - 1];
  console.log(`val acc ${solver.bestValAcc}; ${((Date.now() - t0) / 1000).toFixed(0)} s with its checks`);
  check(trainAcc > 0.4, `one epoch: train acc ${trainAcc} (the notebook expects more than 0.4)`);
  fs.writeFileSync(path.join(out, 'epoch-loss.svg'), await lossPlot(solver.lossHistory));
  console.log(`pictures in ${out}/`);
}

layers();
threeLayerConvNet();
cifar().catch((e) => {
  console.error(e);
  process.exit(1);
});
