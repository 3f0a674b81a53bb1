/**
 * Convolutional networks: ThreeLayerConvNet as the course defines it (its
 * parameters, draws and loss), the course's check that it overfits 100
 * examples, and Sequentials with convolutions, pooling and spatial
 * batchnorm as the Solver trains them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { getCifar10Data } from '../lib/data/cifar10';
import { loadModel } from '../lib/models/load';
import { Sequential } from '../lib/models/sequential';
import { ThreeLayerConvNet } from '../lib/models/three-layer-conv-net';
import { NumpyRandomState } from '../lib/random';
import { Solver } from '../lib/solver';
import { Tensor } from '../lib/tensor';
import { labels, randn, scaledError } from './helpers';

const SHARED = path.resolve(__dirname, '..', '..', 'shared', 'datasets', 'cifar-10-binary.tar.gz');

describe('ThreeLayerConvNet', () => {
  test('conv - relu - 2x2 pool - affine - relu - affine, parameters drawn W1, W2, W3 in order', () => {
    const model = new ThreeLayerConvNet({ numFilters: 4, filterSize: 5, hiddenDim: 6, numClasses: 3, weightScale: 0.01, rng: 3 });
    expect(String(model)).toBe('conv4k5p2,relu,pool2,affine6,relu,affine3,softmax');
    expect(Object.fromEntries(Object.entries(model.params).map(([k, t]) => [k, t.shape]))).toEqual({
      W1: [4, 3, 5, 5], b1: [4], W2: [4 * 16 * 16, 6], b2: [6], W3: [6, 3], b3: [3],
    });
    const rng = new NumpyRandomState(3);
    for (const name of ['W1', 'W2', 'W3']) {
      expect(Array.from(model.params[name].data)).toEqual(Array.from(rng.normal(0, 0.01, [...model.params[name].shape]).astype('float32').data));
    }
    expect(model.dtype).toBe('float32');
  });

  test('the initial loss is about log(10), and grows with reg as 0.5 reg |W|^2', () => {
    const X = randn(1, [8, 3, 32, 32], 1, 'float32');
    const y = labels(2, 8, 10);
    const model = new ThreeLayerConvNet({ rng: 0 });
    const [loss] = model.loss(X, y);
    expect(Math.abs(loss - Math.log(10))).toBeLessThan(0.01);
    model.reg = 0.5;
    const penalty = 0.25 * ['W1', 'W2', 'W3'].reduce((s, k) => s + Array.from(model.params[k].data).reduce((a, v) => a + v * v, 0), 0);
    expect(model.loss(X, y)[0]).toBeCloseTo(loss + penalty, 5);
  });

  test('bad options name themselves', () => {
    expect(() => new ThreeLayerConvNet({ filterSize: 4 })).toThrow(/^ThreeLayerConvNet: Expected an odd filter size/);
    expect(() => new ThreeLayerConvNet({ inputDim: [3, 32] })).toThrow(/options\.inputDim/);
    expect(() => new ThreeLayerConvNet({ inputDim: [3, 7, 7] })).toThrow(/pool/);
  });

  test('saves and loads as itself', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-conv-'));
    try {
      const model = new ThreeLayerConvNet({ inputDim: [3, 8, 8], numFilters: 2, filterSize: 3, hiddenDim: 5, rng: 1 });
      const file = path.join(dir, 'cnn.safetensors');
      model.save(file);
      const X = randn(2, [3, 3, 8, 8], 1, 'float32');
      for (const loaded of [ThreeLayerConvNet.load(file), loadModel(file) as ThreeLayerConvNet]) {
        expect(loaded.architecture).toBe('ThreeLayerConvNet');
        expect(loaded.config()).toEqual(model.config());
        expect(Array.from(loaded.loss(X).data)).toEqual(Array.from(model.loss(X).data));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** 100 training and 200 validation images: real CIFAR-10 when the archive is beside the checkout, else generated. */
async function overfitData(): Promise<{ XTrain: Tensor; yTrain: Int32Array; XVal: Tensor; yVal: Int32Array }> {
  if (!fs.existsSync(SHARED)) {
    console.log(`overfitting generated CIFAR-shaped data: ${SHARED} is absent`);
    const rng = new NumpyRandomState(7);
    const centres = rng.standardNormal([10, 3072]);
    const make = (n: number) => {
      const y = rng.randint(0, 10, n);
      const X = rng.standardNormal([n, 3, 32, 32]);
      for (let i = 0; i < n; i++) for (let j = 0; j < 3072; j++) X.data[i * 3072 + j] = 60 * X.data[i * 3072 + j] + 10 * centres.data[y[i] * 3072 + j];
      return { X: X.astype('float32'), y };
    };
    const [train, val] = [make(100), make(200)];
    return { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y };
  }
  const d = await getCifar10Data({ source: SHARED, numTraining: 49000, numValidation: 200, numTest: 0, dtype: 'float32' });
  return { XTrain: new Tensor(d.XTrain.data.subarray(0, 100 * 3072), [100, 3, 32, 32]), yTrain: d.yTrain.subarray(0, 100), XVal: d.XVal, yVal: d.yVal };
}

test("ThreeLayerConvNet overfits 100 examples (the course's check): train accuracy near 1, validation far lower", async () => {
  const data = await overfitData();
  const model = new ThreeLayerConvNet({ weightScale: 1e-2, rng: 0 });
  const solver = new Solver(model, data, {
    numEpochs: 15, batchSize: 50, updateRule: 'adam', optimConfig: { learningRate: 1e-3 }, verbose: false, rng: 1,
  });
  solver.train();
  const train = solver.trainAccHistory[solver.trainAccHistory.length - 1];
  const val = solver.valAccHistory[solver.valAccHistory.length - 1];
  console.log(`ThreeLayerConvNet on 100 examples, 15 epochs: train accuracy ${train}, validation ${val}`);
  expect(train).toBeGreaterThanOrEqual(0.9);
  expect(val).toBeLessThan(train - 0.4);
}, 120000);

describe('Sequentials with convolutions', () => {
  test('conv then relu then pool runs fused, with the numbers of the layers apart', () => {
    const X = randn(3, [4, 3, 8, 8]);
    const fused = new Sequential('conv4k3p1,relu,pool2,affine5', { inputShape: [3, 8, 8], dtype: 'float64', rng: 1 });
    const apart = new Sequential('conv4k3p1,leakyrelu0,pool2,affine5', { inputShape: [3, 8, 8], dtype: 'float64', rng: 1 });
    const y = labels(4, 4, 5);
    expect(scaledError(fused.loss(X), apart.loss(X))).toBeLessThan(1e-14);
    const [, g1] = fused.loss(X, y);
    const [, g2] = apart.loss(X, y);
    for (const k of Object.keys(g1)) expect(scaledError(g1[k], g2[k])).toBeLessThan(1e-13);
  });

  test('sgdStep equals loss() then sgd, with convolutions, spatial batchnorm and pooling', () => {
    const make = () => new Sequential('conv3k3p1,bn,relu,conv4k3s2,relu,pool2,dropout0.2,affine5', {
      inputShape: [2, 9, 9], reg: 0.05, seed: 2, dtype: 'float64', rng: 0,
    });
    const X = randn(5, [6, 2, 9, 9]);
    const y = labels(6, 6, 5);
    const plain = make();
    const fused = make();
    const [loss, grads] = plain.loss(X, y);
    for (const [name, p] of Object.entries(plain.params)) for (let i = 0; i < p.size; i++) p.data[i] -= 0.1 * grads[name].data[i];
    expect(fused.sgdStep(X, y, 0.1)).toBeCloseTo(loss, 12);
    for (const [name, p] of Object.entries(fused.params)) expect(scaledError(p, plain.params[name])).toBeLessThan(1e-12);
    expect(Object.keys(fused.buffers())).toEqual(['runningMean1', 'runningVar1']);
    expect(fused.params.gamma1.shape).toEqual([3]);
  });

  test('a layer that does not fit its input names itself and the numbers', () => {
    expect(() => new Sequential('conv4k5,affine3', { inputShape: [3, 4, 4] })).toThrow(
      /^Sequential: layers\[0\] \(conv4k5\) does not fit its input \[3, 4, 4\]: the output height 1 \+ \(H \+ 2 pad - size\) \/ stride = 1 \+ \(4 \+ 0 - 5\) \/ 1 = 0 is not a positive integer$/,
    );
    expect(() => new Sequential('conv4k3s2,affine3', { inputShape: [3, 6, 6] })).toThrow(/= 2\.5 is not a positive integer/);
    expect(() => new Sequential('affine8,conv4k3,affine3', { inputShape: [3, 6, 6] })).toThrow(/layers\[1\] \(conv4k3\) convolves images \(C, H, W\) but receives examples of shape \[8\]/);
    expect(() => new Sequential('conv4k3p1,pool3,affine3', { inputShape: [3, 4, 4] })).toThrow(/layers\[1\] \(pool3\) does not fit its input \[4, 4, 4\]/);
  });
});
