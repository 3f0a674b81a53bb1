/**
 * Sequential: gradient checks of models of several shapes, parameter names,
 * fused blocks, train and test modes, the fused SGD step and its direct fast
 * path, save and load, the layer-list string, and bad input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { formatLayers, layerGrammar, parseLayers } from '../lib/layers/layer-string';
import { MODEL_SAMPLES, modelCase, modelGradientErrors } from '../lib/models/check';
import { readSafetensors, writeSafetensors } from '../lib/io/safetensors';
import { readCheckpoint } from '../lib/models/checkpoint';
import { loadModel } from '../lib/models/load';
import { Sequential } from '../lib/models/sequential';
import { sgd } from '../lib/optim';
import { Solver } from '../lib/solver';
import { Tensor, zeros } from '../lib/tensor';
import { labels, randn, scaledError } from './helpers';

describe('gradient checks of the sample models (lib/models/check.ts), float64', () => {
  test.each(MODEL_SAMPLES.map((s) => [s.label, s] as const))('%s', (_, sample) => {
    const { model, X, y } = modelCase(sample);
    const [, grads] = model.loss(X, y);
    for (const { name, error, kinks, size } of modelGradientErrors(model, X, y, sample.method)) {
      // A bias before batchnorm has a true gradient of zero: only its size means anything.
      if (sample.zero?.includes(name)) expect(Math.max(...Array.from(grads[name].data, Math.abs))).toBeLessThan(1e-12);
      else expect([name, error]).toEqual([name, expect.any(Number)]), expect(error).toBeLessThan(sample.method.tolerance);
      // Entries with a kink within a few 1e-5 are rare, or the check would check little.
      expect(kinks).toBeLessThanOrEqual(size / 100);
    }
  });
});

describe('parameters', () => {
  test('W and b number the layers with weights, gamma and beta the batchnorm layers, in order', () => {
    const model = new Sequential('affine8,bn,relu,affine6,relu,affine5,bn,tanh,affine3', { inputShape: [4], rng: 0 });
    expect(Object.keys(model.params)).toEqual(['W1', 'b1', 'gamma1', 'beta1', 'W2', 'b2', 'W3', 'b3', 'gamma2', 'beta2', 'W4', 'b4']);
    expect(Object.keys(model.buffers())).toEqual(['runningMean1', 'runningVar1', 'runningMean2', 'runningVar2']);
    expect(model.params.W3.shape).toEqual([6, 5]);
    expect(model.params.gamma2.shape).toEqual([5]);
    expect(Array.from(model.params.gamma1.data)).toEqual(new Array(8).fill(1));
    expect(model.numClasses).toBe(3);
    expect(model.dtype).toBe('float32');
    expect(model.toString()).toBe('affine8,bn,relu,affine6,relu,affine5,bn,tanh,affine3,softmax');
  });

  test("He initialization draws N(0, 2 / fanIn), numpy's normal in order; weightScale a fixed std", () => {
    const model = new Sequential('affine300,relu,affine10', { inputShape: [2, 10, 10], dtype: 'float64', rng: 7 });
    const std = (t: Tensor) => Math.sqrt(Array.from(t.data).reduce((s, v) => s + v * v, 0) / t.size);
    expect(Math.abs(std(model.params.W1) / Math.sqrt(2 / 200) - 1)).toBeLessThan(0.02);
    expect(Math.abs(std(model.params.W2) / Math.sqrt(2 / 300) - 1)).toBeLessThan(0.05);
    const fixed = new Sequential('affine3,relu,affine2', { inputShape: [4], weightScale: 0.5, dtype: 'float64', rng: 7 });
    const { NumpyRandomState } = jest.requireActual('../lib/random');
    const rng = new NumpyRandomState(7);
    expect(Array.from(fixed.params.W1.data)).toEqual(Array.from(rng.normal(0, 0.5, [4, 3]).data));
    expect(Array.from(fixed.params.W2.data)).toEqual(Array.from(rng.normal(0, 0.5, [3, 2]).data));
    expect(fixed.config()).toMatchObject({ weightScale: 0.5 });
    expect(model.config()).toMatchObject({ init: 'he' });
  });

  test('L2 covers the weights only: 0.5 reg |W|^2 on the loss, reg W on their gradients, nothing on b, gamma, beta', () => {
    const model = new Sequential('conv3k3p1,bn,relu,pool2,affine5,bn,relu,affine4', { inputShape: [2, 4, 4], dtype: 'float64', rng: 2 });
    // Biases, gammas and betas away from their initial zeros and ones, so that a penalty on them would show.
    for (const [name, p] of Object.entries(model.params)) if (!name.startsWith('W')) p.data.forEach((v, i) => (p.data[i] = v + 0.5 + 0.1 * i));
    const X = randn(3, [6, 2, 4, 4]);
    const y = labels(4, 6, 4);
    const [plain, g0] = model.loss(X, y);
    model.reg = 0.3;
    const [penalized, g1] = model.loss(X, y);
    const weights = ['W1', 'W2', 'W3'];
    const squares = weights.reduce((s, k) => s + Array.from(model.params[k].data).reduce((a, v) => a + v * v, 0), 0);
    expect(penalized - plain).toBeCloseTo(0.5 * 0.3 * squares, 12);
    for (const name of Object.keys(model.params)) {
      const expected = weights.includes(name) ? g0[name].data.map((v, i) => v + 0.3 * model.params[name].data[i]) : g0[name].data;
      expect(scaledError(g1[name], new Tensor(expected, g1[name].shape))).toBeLessThan(1e-14);
    }
  });
});

describe('forward passes', () => {
  test('affine then relu runs fused, with the numbers of the two layers apart', () => {
    const fused = new Sequential('affine7,relu,affine3', { inputShape: [5], dtype: 'float64', rng: 1 });
    // leakyrelu with slope 0 is a ReLU that does not fuse.
    const apart = new Sequential('affine7,leakyrelu0,affine3', { inputShape: [5], dtype: 'float64', rng: 1 });
    const X = randn(2, [6, 5]);
    const y = labels(3, 6, 3);
    expect(Array.from(fused.loss(X).data)).toEqual(Array.from(apart.loss(X).data));
    const [l1, g1] = fused.loss(X, y);
    const [l2, g2] = apart.loss(X, y);
    expect(l1).toBe(l2);
    for (const k of Object.keys(g1)) expect(scaledError(g1[k], g2[k])).toBeLessThan(1e-15);
  });

  test('test mode: batchnorm uses its running statistics and dropout is the identity', () => {
    const model = new Sequential('affine6,bn,relu,dropout0.5,affine3', { inputShape: [4], dtype: 'float64', rng: 2 });
    const X = randn(4, [10, 4]);
    const first = model.loss(X);
    expect(Array.from(model.loss(X).data)).toEqual(Array.from(first.data));
    model.loss(X, labels(5, 10, 3));
    const after = model.loss(X);
    // The train pass moved the running statistics, nothing else.
    expect(Array.from(after.data)).not.toEqual(Array.from(first.data));
    expect(Array.from(model.loss(X).data)).toEqual(Array.from(after.data));
    expect(Array.from(model.buffers().runningMean1.data).some((v) => v !== 0)).toBe(true);
  });

  test("a test pass's scores belong to the caller: the next call does not overwrite them", () => {
    const model = new Sequential('affine4,relu,affine3,relu', { inputShape: [2], dtype: 'float64', rng: 3 });
    const X = randn(6, [5, 2]);
    const a = model.loss(X);
    const copy = Array.from(a.data);
    model.loss(randn(7, [5, 2]));
    model.loss(X, labels(8, 5, 3));
    expect(Array.from(a.data)).toEqual(copy);
  });

  test('inputs of any shape with inputShape\'s number of values are viewed in it', () => {
    const model = new Sequential('flatten,affine3', { inputShape: [3, 2, 2], dtype: 'float64', rng: 4 });
    const X = randn(9, [4, 12]);
    expect(Array.from(model.loss(X).data)).toEqual(Array.from(model.loss(X.reshape(4, 3, 2, 2)).data));
    expect(() => model.loss(randn(9, [4, 11]))).toThrow(/^Sequential\.loss: X has shape \[4, 11\], 11 values per example, but the network takes 12$/);
  });
});

describe('sgdStep', () => {
  // layers, loss digits and parameter tolerance of the comparison with loss() then sgd
  const cases: [string, string][] = [
    ['direct fast path (affine, affine-ReLU)', 'affine7,relu,affine6,relu,affine4'],
    ['direct fast path with the svm loss', 'affine7,relu,affine4,svm'],
    ['batchnorm, dropout, an activation without a fused step', 'affine7,bn,relu,dropout0.3,affine6,tanh,affine4'],
  ];
  test.each(cases)('%s: the loss and parameters of loss() then sgd, up to rounding', (_, layers) => {
    const make = () => new Sequential(layers, { inputShape: [3, 4], reg: 0.1, seed: 5, dtype: 'float64', rng: 0 });
    const X = randn(10, [9, 3, 4]);
    const y = labels(11, 9, 4);
    const plain = make();
    const fused = make();
    const [loss, grads] = plain.loss(X, y);
    for (const [name, p] of Object.entries(plain.params)) sgd(p, grads[name], { learningRate: 0.07 }, { out: p });
    expect(fused.sgdStep(X, y, 0.07)).toBeCloseTo(loss, 12);
    for (const [name, p] of Object.entries(fused.params)) expect(scaledError(p, plain.params[name])).toBeLessThan(1e-12);
  });

  test('a parameter replaced by one of another shape is refused with the same error by loss() and both steps', () => {
    for (const layers of ['affine3,relu,affine2', 'affine3,tanh,affine2']) {
      const model = new Sequential(layers, { inputShape: [4], rng: 0 });
      model.params.W2 = randn(1, [2, 3], 1, 'float32');
      const X = randn(2, [2, 4], 1, 'float32');
      const y = Int32Array.from([0, 1]);
      const message = 'params.W2 has shape [2, 3] but the layer needs [3, 2]';
      expect(() => model.sgdStep(X, y, 0.1)).toThrow(new RangeError(`Sequential.sgdStep: ${message}`));
      expect(() => model.loss(X, y)).toThrow(new RangeError(`Sequential.loss: ${message}`));
      expect(() => model.loss(X)).toThrow(new RangeError(`Sequential.loss: ${message}`));
      delete model.params.W2;
      expect(() => model.sgdStep(X, y, 0.1)).toThrow(new TypeError('Sequential.sgdStep: Expected a Tensor for params.W2 but received undefined'));
    }
  });

  test('the Solver trains a Sequential the same with and without the fused step, up to float32 rounding', () => {
    const train = (fuseSgd: boolean) => {
      const X = randn(21, [120, 3, 4, 4], 1, 'float32');
      const y = labels(22, 120, 10);
      const model = new Sequential('affine20,bn,relu,affine15,relu,affine10', { inputShape: [3, 4, 4], weightScale: 0.1, reg: 0.01, rng: 0 });
      const solver = new Solver(model, { XTrain: X, yTrain: y, XVal: X, yVal: y }, {
        optimConfig: { learningRate: 0.05 }, batchSize: 30, numEpochs: 2, verbose: false, rng: 5, fuseSgd,
      });
      solver.train();
      return { model, solver };
    };
    const fused = train(true);
    const plain = train(false);
    fused.solver.lossHistory.forEach((l, i) => expect(Math.abs(l - plain.solver.lossHistory[i])).toBeLessThan(1e-4));
    for (const [name, p] of Object.entries(fused.model.params)) {
      // b1 feeds batchnorm: its gradient is rounding, and it stays near zero either way.
      if (name === 'b1') expect(Math.max(...Array.from(p.data, Math.abs))).toBeLessThan(1e-6);
      else expect(scaledError(p, plain.model.params[name])).toBeLessThan(1e-4);
    }
  });
});

describe('save and load', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-sequential-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the layer list goes into the metadata; the model comes back with the same predictions', () => {
    const model = new Sequential('affine6,bn,relu,dropout0.2,affine4,leakyrelu0.2,affine3,svm', { inputShape: [2, 5], reg: 0.3, seed: 4, rng: 1 });
    const X = randn(3, [7, 2, 5], 1, 'float32');
    model.loss(X, labels(4, 7, 3));
    const file = path.join(dir, 'model.safetensors');
    model.save(file);
    const config = JSON.parse(readCheckpoint(file).metadata.config);
    expect(formatLayers(config.layers)).toBe('affine6,bn,relu,dropout0.2,affine4,leakyrelu0.2,affine3,svm');
    for (const loaded of [Sequential.load(file), loadModel(file) as Sequential]) {
      expect(loaded).toBeInstanceOf(Sequential);
      expect(loaded.config()).toEqual(model.config());
      expect(Array.from(loaded.loss(X).data)).toEqual(Array.from(model.loss(X).data));
      expect(Array.from(loaded.buffers().runningVar1.data)).toEqual(Array.from(model.buffers().runningVar1.data));
    }
  });

  test("a file whose config names other layers than its tensors is refused on its header, naming the tensor", () => {
    const file = path.join(dir, 'tampered.safetensors');
    const model = new Sequential('conv3k3p1,bn,relu,pool2,affine4', { inputShape: [2, 4, 4], rng: 0 });
    model.save(file);
    const { tensors, metadata } = readSafetensors(file);
    const config = JSON.parse(metadata.config);
    writeSafetensors(file, tensors, { ...metadata, config: JSON.stringify({ ...config, layers: parseLayers('x', 'conv5k3p1,bn,relu,pool2,affine4') }) });
    expect(() => Sequential.load(file)).toThrow(/tampered\.safetensors: W1 is float32 \[3, 2, 3, 3\] but the config needs float32 \[5, 2, 3, 3\]$/);
    writeSafetensors(file, tensors, { ...metadata, config: JSON.stringify({ ...config, layers: [{ type: 'conv', filters: 3, size: 9 }, { type: 'softmax' }] }) });
    expect(() => loadModel(file)).toThrow(/tampered\.safetensors: config: layers\[0\] \(conv3k9\) does not fit its input \[2, 4, 4\]/);
    writeSafetensors(file, tensors, { ...metadata, config: JSON.stringify({ ...config, layers: 'conv3k3p1' }) });
    expect(() => loadModel(file)).toThrow(/tampered\.safetensors: config\.layers is string "conv3k3p1", expected a list$/);
  });

  test('a file whose tensors do not fit its layers is refused', () => {
    const file = path.join(dir, 'other.safetensors');
    new Sequential('affine6,relu,affine3', { inputShape: [4], rng: 0 }).save(file);
    const checkpoint = readCheckpoint(file);
    checkpoint.config.layers = [{ type: 'affine', units: 5 }, { type: 'relu' }, { type: 'affine', units: 3 }, { type: 'softmax' }];
    expect(() => Sequential.fromCheckpoint(file, checkpoint)).toThrow(/W1 is float32 \[4, 6\] but the architecture needs float32 \[4, 5\]/);
  });
});

describe('the layer-list string', () => {
  test('reads the issue\'s network, adding softmax, and writes it back', () => {
    const text = 'affine256, relu, dropout0.5, BN, leakyrelu, sigmoid, tanh, flatten, affine10';
    const specs = parseLayers('--layers', text);
    expect(specs).toEqual([
      { type: 'affine', units: 256 }, { type: 'relu' }, { type: 'dropout', p: 0.5 }, { type: 'batchnorm', momentum: 0.9, eps: 1e-5 },
      { type: 'leakyrelu', alpha: 0.01 }, { type: 'sigmoid' }, { type: 'tanh' }, { type: 'flatten' }, { type: 'affine', units: 10 },
      { type: 'softmax' },
    ]);
    expect(formatLayers(specs)).toBe('affine256,relu,dropout0.5,bn,leakyrelu0.01,sigmoid,tanh,flatten,affine10,softmax');
    expect(parseLayers('x', 'affine3,svm').map((s) => s.type)).toEqual(['affine', 'svm']);
  });

  test.each([
    ['affine10,conv3x3,affine2', /^--layers: unknown layer "conv3x3" \(layer 2 of 3\); a layer is one of affine<units>, .*dropout<p>.*, softmax, svm$/],
    ['affine10,,affine2', /^--layers: an empty layer \(layer 2 of 3\)/],
    ['affine10,softmax,affine2', /^--layers: "softmax" \(layer 2 of 3\) is a loss, which can only come last$/],
    ['affine10,dropout1.5', /^--layers: "dropout1.5" \(layer 2 of 2\): Expected a drop probability in \[0, 1\) for p but received number 1.5$/],
    ['affine0', /^--layers: "affine0" \(layer 1 of 1\): Expected a positive integer for units but received number 0$/],
  ])('%s is refused with one error naming the token', (text, message) => {
    expect(() => parseLayers('--layers', text)).toThrow(message);
  });

  test('the grammar lists every token of the table', () => {
    expect(layerGrammar()).toEqual(expect.arrayContaining(['affine<units>', 'relu', 'bn', 'dropout<p>', 'flatten', 'softmax', 'svm']));
  });
});

describe('bad layers and options', () => {
  test.each([
    [[{ type: 'affine', units: 3 }], /^Sequential: Expected a loss to end the layers \(softmax or svm\) for layers\[0\]\.type but received string "affine"$/],
    [[{ type: 'softmax' }, { type: 'affine', units: 3 }, { type: 'softmax' }], /^Sequential: Expected a layer \(the loss softmax must come last\) for layers\[0\]\.type but received string "softmax"$/],
    [[{ type: 'conv2d' }, { type: 'softmax' }], /^Sequential: Expected one of affine, conv, pool, relu, .* for layers\[0\]\.type but received string "conv2d"$/],
    [[{ type: 'affineRelu', units: 3 }, { type: 'softmax' }], /for layers\[0\]\.type but received string "affineRelu"/],
    [[{ type: 'affine' }, { type: 'softmax' }], /^Sequential: Expected a positive integer for layers\[0\]\.units but received undefined$/],
    [[{ type: 'relu', slope: 2 }, { type: 'affine', units: 2 }, { type: 'softmax' }], /layers\[0\]\.slope/],
    [[{ type: 'relu' }, { type: 'softmax' }], /must give one score per class, but they give \[3, 2, 2\] per example/],
    ['affine3,,relu', /^Sequential: an empty layer \(layer 2 of 3\)/],
    [[], /at least one layer and a loss/],
    [[{ type: 'svm' }], /^Sequential: Expected at least one layer before the loss for layers but received Array of length 1$/],
    [7, /^Sequential: Expected an array of layer specs or a layer-list string for layers but received number 7$/],
  ])('%j', (layers, message) => {
    expect(() => new Sequential(layers as never, { inputShape: [3, 2, 2] })).toThrow(message);
  });

  test('options', () => {
    expect(() => new Sequential('affine3', { numClasses: 4 })).toThrow(/^Sequential: options\.numClasses is 4 but the layers give 3 scores per example$/);
    expect(() => new Sequential('affine3', { weightScale: 0.1, init: 'he' })).toThrow(/options\.init/);
    expect(() => new Sequential('affine3', { init: 'xavier' as never })).toThrow(/Expected 'he' for options\.init/);
    expect(() => new Sequential('affine3', { inputShape: [3, 0] })).toThrow(/options\.inputShape\[1\]/);
    expect(() => new Sequential('affine3', { dtype: 'int8' as never })).toThrow(/options\.dtype/);
    expect(() => new Sequential('affine3', { reg: -1 })).toThrow(/options\.reg/);
    const model = new Sequential('affine3', { inputShape: [2] });
    expect(() => model.loss(zeros([1, 2], 'float32'), [3])).toThrow(/softmaxLoss: .*y\[0\]/);
    expect(() => model.sgdStep(zeros([1, 2], 'float32'), [3], 0.1)).toThrow(/^Sequential\.sgdStep: .*y\[0\]/);
  });
});
