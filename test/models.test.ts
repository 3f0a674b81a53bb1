/** The FC_nets notebook's model checks, save and load. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { evalNumericalGradient, relError } from '../lib/gradient-check';
import { FullyConnectedNet, type FullyConnectedNetOptions } from '../lib/models/fully-connected-net';
import { StandaloneTwoLayerNet } from '../lib/models/standalone-two-layer-net';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { NumpyRandomState } from '../lib/random';
import { linspace, zeros, type Tensor } from '../lib/tensor';
import type { Model } from '../lib/models/model';
import { labels, randn } from './helpers';

/** Largest relative error between each analytic gradient and its numerical estimate. */
function gradientErrors(model: Model, X: Tensor, y: ArrayLike<number>): Record<string, number> {
  const yy = Array.from(y);
  const [, grads] = model.loss(X, yy);
  const errors: Record<string, number> = {};
  for (const name of Object.keys(grads).sort()) {
    const num = evalNumericalGradient(() => model.loss(X, yy)[0], model.params[name], { verbose: false });
    errors[name] = relError(num, grads[name]);
  }
  return errors;
}

describe('TwoLayerNet (the FC_nets notebook cell)', () => {
  const [N, D, H, C] = [3, 5, 50, 7];
  const std = 1e-2;

  test('initialization: weight std near weightScale, zero biases', () => {
    const model = new TwoLayerNet({ inputDim: D, hiddenDims: H, numClasses: C, weightScale: std, rng: 0 });
    const stdOf = (t: Tensor) => {
      const values = Array.from(t.data);
      const m = values.reduce((s, v) => s + v, 0) / t.size;
      return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / t.size);
    };
    expect(Math.abs(stdOf(model.params.W1) - std)).toBeLessThan(std / 10);
    expect(Math.abs(stdOf(model.params.W2) - std)).toBeLessThan(std / 10);
    expect(Array.from(model.params.b1.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(model.params.b2.data).every((v) => v === 0)).toBe(true);
    expect(model.params.W1.shape).toEqual([D, H]);
  });

  function linspaceModel(): { model: TwoLayerNet; X: Tensor } {
    const model = new TwoLayerNet({ inputDim: D, hiddenDims: H, numClasses: C, weightScale: std, rng: 0 });
    model.params.W1.data.set(linspace(-0.7, 0.3, D * H).data);
    model.params.b1.data.set(linspace(-0.1, 0.9, H).data);
    model.params.W2.data.set(linspace(-0.3, 0.4, H * C).data);
    model.params.b2.data.set(linspace(-0.9, 0.1, C).data);
    // np.linspace(-5.5, 4.5, num=N*D).reshape(D, N).T
    const flat = linspace(-5.5, 4.5, N * D).data;
    const X = zeros([N, D]);
    for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) X.data[i * D + j] = flat[j * N + i];
    return { model, X };
  }

  test('test-time forward pass matches correct_scores', () => {
    const { model, X } = linspaceModel();
    const scores = model.loss(X);
    const correct = [
      [11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
      [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
      [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319],
    ].flat();
    const diff = correct.reduce((s, v, i) => s + Math.abs(scores.data[i] - v), 0);
    expect(diff).toBeLessThan(1e-6);
  });

  test('training loss 3.4702243556, and 26.5948426952 with reg 1.0', () => {
    const { model, X } = linspaceModel();
    const y = [0, 5, 1];
    expect(Math.abs(model.loss(X, y)[0] - 3.4702243556)).toBeLessThan(1e-10);
    model.reg = 1.0;
    expect(Math.abs(model.loss(X, y)[0] - 26.5948426952)).toBeLessThan(1e-10);
  });

  test.each([0, 0.7])('numerical gradient check, reg %f', (reg) => {
    const model = new TwoLayerNet({ inputDim: D, hiddenDims: H, numClasses: C, weightScale: std, reg, rng: 1 });
    const errors = gradientErrors(model, randn(2, [N, D]), labels(3, N, C));
    for (const e of Object.values(errors)) expect(e).toBeLessThan(1e-6);
  });
});

describe('FullyConnectedNet', () => {
  const [N, D, H1, H2, C] = [2, 15, 20, 30, 10];
  const X = randn(11, [N, D]);
  const y = labels(12, N, C);

  test.each([
    ['reg 0', { reg: 0 }],
    ['reg 3.14', { reg: 3.14 }],
    ['batchnorm, reg 0', { useBatchnorm: true }],
    ['batchnorm, reg 3.14', { useBatchnorm: true, reg: 3.14 }],
    ['dropout 0.5 with a fixed seed', { dropout: 0.5, seed: 123 }],
    ['batchnorm and dropout 0.25', { useBatchnorm: true, dropout: 0.25, seed: 9, reg: 0.1 }],
  ] as [string, FullyConnectedNetOptions][])('numerical gradient check, %s', (_, options) => {
    // Batchnorm needs more than two examples per batch to be worth checking.
    const n = options.useBatchnorm ? 16 : N;
    const x = options.useBatchnorm ? randn(13, [n, D]) : X;
    const yy = options.useBatchnorm ? labels(14, n, C) : y;
    const model = new FullyConnectedNet([H1, H2], { inputDim: D, numClasses: C, weightScale: 5e-2, dtype: 'float64', rng: 0, ...options });
    const errors = gradientErrors(model, x, yy);
    const names = Object.keys(errors);
    expect(names).toEqual(expect.arrayContaining(['W1', 'W2', 'W3', 'b1', 'b2', 'b3']));
    if (options.useBatchnorm) expect(names).toEqual(expect.arrayContaining(['gamma1', 'beta1', 'gamma2', 'beta2']));
    for (const [name, e] of Object.entries(errors)) {
      // A bias followed by batchnorm is removed with the batch mean: its true
      // gradient is exactly zero, so only its size can be checked.
      if (options.useBatchnorm && (name === 'b1' || name === 'b2')) continue;
      expect(e).toBeLessThan(1e-5);
    }
    if (options.useBatchnorm) {
      const [, grads] = model.loss(x, Array.from(yy));
      for (const name of ['b1', 'b2']) expect(Math.max(...Array.from(grads[name].data, Math.abs))).toBeLessThan(1e-12);
    }
  });

  test('initial loss is about log(C) with small weights, plus the penalty', () => {
    const model = new FullyConnectedNet([H1, H2], { inputDim: D, numClasses: C, weightScale: 5e-2, dtype: 'float64', rng: 0 });
    expect(model.loss(X, y)[0]).toBeCloseTo(Math.log(C), 1);
  });

  test('parameters are float32 by default, the draws of numpy.random.normal rounded', () => {
    const model = new FullyConnectedNet([4], { inputDim: 3, numClasses: 2, rng: 5 });
    expect(model.params.W1.dtype).toBe('float32');
    const expected = new NumpyRandomState(5).normal(0, 1e-2, [3, 4]).astype('float32');
    expect(Array.from(model.params.W1.data)).toEqual(Array.from(expected.data));
  });

  test('gradients go into the tensors given', () => {
    const model = new FullyConnectedNet([H1], { inputDim: D, numClasses: C, dtype: 'float64', rng: 0 });
    const grads = Object.fromEntries(Object.entries(model.params).map(([k, p]) => [k, zeros(p.shape, p.dtype)]));
    const [, out] = model.loss(X, y, { grads });
    for (const k of Object.keys(grads)) expect(out[k]).toBe(grads[k]);
    const [, fresh] = model.loss(X, y);
    for (const k of Object.keys(grads)) expect(Array.from(out[k].data)).toEqual(Array.from(fresh[k].data));
    expect(() => model.loss(X, y, { grads: { ...grads, W1: zeros([1]) } })).toThrow(/options\.W1 has shape \[1\]|W1/);
  });

  test('bad options', () => {
    expect(() => new FullyConnectedNet([10, 0])).toThrow(/hiddenDims\[1\]/);
    expect(() => new FullyConnectedNet(10 as never)).toThrow(TypeError);
    expect(() => new FullyConnectedNet([10], { dropout: 1 })).toThrow(/options\.dropout/);
    expect(() => new FullyConnectedNet([10], { dtype: 'float16' as never })).toThrow(/options\.dtype/);
    const model = new FullyConnectedNet([4], { inputDim: 6, numClasses: 3, rng: 0 });
    expect(() => model.loss(zeros([2, 5]))).toThrow(/^FullyConnectedNet.loss: X has shape \[2, 5\], 5 values per example, but the network takes 6$/);
  });
});

describe('save and load', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-models-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a FullyConnectedNet with batchnorm round-trips to identical predictions', () => {
    const model = new FullyConnectedNet([20, 10], { inputDim: 12, numClasses: 4, useBatchnorm: true, dropout: 0.2, rng: 3 });
    const X = randn(20, [16, 12], 1, 'float32');
    model.loss(X, labels(21, 16, 4));
    const file = path.join(dir, 'fc.safetensors');
    model.save(file);
    const loaded = FullyConnectedNet.load(file);
    expect(loaded.config()).toEqual(model.config());
    expect(Array.from(loaded.loss(X).data)).toEqual(Array.from(model.loss(X).data));
    expect(Array.from(loaded.buffers().runningVar1.data)).toEqual(Array.from(model.buffers().runningVar1.data));
    expect(fs.readdirSync(dir)).toEqual(['fc.safetensors']);
  });

  test('TwoLayerNet and StandaloneTwoLayerNet round-trip too', () => {
    const two = new TwoLayerNet({ inputDim: 6, hiddenDims: 5, numClasses: 3, rng: 1 });
    two.save(path.join(dir, 'two.safetensors'));
    const X = randn(22, [4, 6]);
    expect(Array.from(TwoLayerNet.load(path.join(dir, 'two.safetensors')).loss(X).data)).toEqual(Array.from(two.loss(X).data));
    const standalone = new StandaloneTwoLayerNet(6, 5, 3, { std: 0.1, rng: 1 });
    standalone.save(path.join(dir, 'standalone.safetensors'));
    expect(Array.from(StandaloneTwoLayerNet.load(path.join(dir, 'standalone.safetensors')).predict(X))).toEqual(
      Array.from(standalone.predict(X)),
    );
  });

  test('a truncated file is refused and says so', () => {
    const model = new TwoLayerNet({ inputDim: 6, hiddenDims: 5, numClasses: 3, rng: 1 });
    const file = path.join(dir, 'whole.safetensors');
    model.save(file);
    const bytes = fs.readFileSync(file);
    const cut = path.join(dir, 'cut.safetensors');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    expect(() => TwoLayerNet.load(cut)).toThrow(/cut\.safetensors: truncated/);
    fs.writeFileSync(cut, bytes.subarray(0, 20));
    expect(() => TwoLayerNet.load(cut)).toThrow(/truncated/);
  });

  test('a file that is not safetensors, or of another architecture, is refused', () => {
    const junk = path.join(dir, 'junk.safetensors');
    fs.writeFileSync(junk, 'hello, this is not a model at all');
    expect(() => TwoLayerNet.load(junk)).toThrow(/not a safetensors file/);
    const fc = path.join(dir, 'arch.safetensors');
    new FullyConnectedNet([3], { inputDim: 4, numClasses: 2, rng: 0 }).save(fc);
    expect(() => TwoLayerNet.load(fc)).toThrow(/holds a FullyConnectedNet, not a TwoLayerNet/);
    expect(() => FullyConnectedNet.load(path.join(dir, 'missing.safetensors'))).toThrow(/missing\.safetensors does not exist/);
  });
});
