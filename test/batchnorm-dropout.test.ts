import fs from 'node:fs';
import path from 'node:path';

import { evalNumericalGradientArray, relError } from '../lib/gradient-check';
import { batchnormBackward, batchnormForward, type BatchnormCache, type BatchnormParam } from '../lib/layers/batchnorm';
import { dropoutBackward, dropoutForward } from '../lib/layers/dropout';
import { NumpyRandomState } from '../lib/random';
import { Tensor, fromArray, zeros } from '../lib/tensor';
import { randn } from './helpers';

const cases = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'numpy-reference.json'), 'utf8')).batchnorm;

describe('batchnorm against numpy-reference.json', () => {
  test.each(cases.map((c: unknown, i: number) => [i, c]) as [number, unknown][])('case %i: forward, backward, running statistics', (_, c) => {
    const r = c as Record<string, number[][] & number[] & number>;
    const param: BatchnormParam = { mode: 'train', eps: r.eps, momentum: r.momentum };
    const [out, cache] = batchnormForward(fromArray(r.x), fromArray(r.gamma), fromArray(r.beta), param);
    expect(relError(out, fromArray(r.out))).toBeLessThan(1e-8);
    const [dx, dgamma, dbeta] = batchnormBackward(fromArray(r.dout), cache as BatchnormCache);
    expect(relError(dx, fromArray(r.dx))).toBeLessThan(1e-8);
    expect(relError(dgamma, fromArray(r.dgamma))).toBeLessThan(1e-8);
    expect(relError(dbeta, fromArray(r.dbeta))).toBeLessThan(1e-8);
    expect(relError(param.runningMean!, fromArray(r.running_mean_after_one_step_from_zero))).toBeLessThan(1e-8);
    expect(relError(param.runningVar!, fromArray(r.running_var_after_one_step_from_zero))).toBeLessThan(1e-8);
  });
});

describe('batchnorm', () => {
  test('numerical gradients of x, gamma and beta', () => {
    const x = randn(1, [6, 4], 2);
    const gamma = randn(2, [4]);
    const beta = randn(3, [4]);
    const dout = randn(4, [6, 4]);
    const f = (xv: Tensor, g: Tensor, b: Tensor) => batchnormForward(xv, g, b, { mode: 'train' })[0];
    const [, cache] = batchnormForward(x, gamma, beta, { mode: 'train' });
    const [dx, dgamma, dbeta] = batchnormBackward(dout, cache as BatchnormCache);
    expect(relError(evalNumericalGradientArray((v) => f(v, gamma, beta), x, dout), dx)).toBeLessThan(1e-7);
    expect(relError(evalNumericalGradientArray((v) => f(x, v, beta), gamma, dout), dgamma)).toBeLessThan(1e-7);
    expect(relError(evalNumericalGradientArray((v) => f(x, gamma, v), beta, dout), dbeta)).toBeLessThan(1e-7);
  });

  test('train mode normalizes each feature; test mode uses the running statistics', () => {
    const x = randn(5, [200, 3], 4);
    for (let i = 0; i < x.size; i++) x.data[i] += 7;
    const param: BatchnormParam = { mode: 'train' };
    const [out] = batchnormForward(x, fromArray([1, 1, 1]), fromArray([0, 0, 0]), param);
    for (let j = 0; j < 3; j++) {
      let mean = 0;
      let sq = 0;
      for (let i = 0; i < 200; i++) mean += out.data[i * 3 + j] / 200;
      for (let i = 0; i < 200; i++) sq += (out.data[i * 3 + j] - mean) ** 2 / 200;
      expect(Math.abs(mean)).toBeLessThan(1e-12);
      expect(sq).toBeCloseTo(1, 5);
    }
    // Many train steps on the same data bring the running statistics to the batch's.
    for (let k = 0; k < 200; k++) batchnormForward(x, fromArray([1, 1, 1]), fromArray([0, 0, 0]), param);
    param.mode = 'test';
    const [test, cache] = batchnormForward(x, fromArray([1, 1, 1]), fromArray([0, 0, 0]), param);
    expect(cache).toBeNull();
    expect(relError(test, out)).toBeLessThan(1e-6);
  });

  test('bad input', () => {
    const x = zeros([4, 3]);
    expect(() => batchnormForward(x, zeros([2]), zeros([3]), { mode: 'train' })).toThrow(/gamma has shape \[2\] but x has shape \[4, 3\]/);
    expect(() => batchnormForward(x, zeros([3]), zeros([3]), { mode: 'eval' as never })).toThrow(/bnParam\.mode/);
    expect(() => batchnormForward(x, zeros([3]), zeros([3], 'float32'), { mode: 'train' })).toThrow(TypeError);
    expect(() => batchnormForward(x, zeros([3]), zeros([3]), { mode: 'train', runningMean: zeros([4]) })).toThrow(/bnParam\.runningMean/);
    expect(() => batchnormBackward(zeros([4, 3]), { xhat: zeros([4, 3]), gamma: zeros([3]), invStd: zeros([2]) })).toThrow(/cache\.invStd/);
  });
});

describe('dropout', () => {
  test('p is the drop probability; kept units are scaled by 1 / (1 - p)', () => {
    const x = zeros([500, 100]);
    x.data.fill(1);
    for (const p of [0.25, 0.4, 0.7]) {
      const [out] = dropoutForward(x, { p, mode: 'train', rng: new NumpyRandomState(0) });
      const kept = Array.from(out.data).filter((v) => v !== 0);
      expect(kept.length / out.size).toBeCloseTo(1 - p, 2);
      expect(new Set(kept)).toEqual(new Set([1 / (1 - p)]));
      // The mean is preserved: that is what makes test mode the identity.
      expect(Array.from(out.data).reduce((s, v) => s + v, 0) / out.size).toBeCloseTo(1, 1);
    }
  });

  test('the mask follows numpy: keep where rand() < 1 - p', () => {
    const [out] = dropoutForward(fromArray([1, 1, 1, 1, 1]), { p: 0.5, mode: 'train', seed: 0 });
    const u = new NumpyRandomState(0).rand(5).data;
    expect(Array.from(out.data)).toEqual(Array.from(u, (v) => (v < 0.5 ? 2 : 0)));
  });

  test('test mode is the identity', () => {
    const x = randn(8, [3, 4]);
    const [out, cache] = dropoutForward(x, { p: 0.5, mode: 'test' });
    expect(out).toBe(x);
    expect(dropoutBackward(x, cache)).toBe(x);
  });

  test('a seed gives the same mask on every call, so gradients check', () => {
    const x = randn(9, [10, 10]);
    const dout = randn(10, [10, 10]);
    const param = { p: 0.3, mode: 'train' as const, seed: 123 };
    const [, cache] = dropoutForward(x, param);
    const dx = dropoutBackward(dout, cache);
    expect(relError(evalNumericalGradientArray((v) => dropoutForward(v, param)[0], x, dout), dx)).toBeLessThan(1e-9);
  });

  test('bad input', () => {
    expect(() => dropoutForward(zeros([2]), { p: 1, mode: 'train' })).toThrow(/dropoutParam\.p/);
    expect(() => dropoutForward(zeros([2]), { p: 0.5, mode: 'train', rng: 'x' as never })).toThrow(TypeError);
    expect(() => dropoutBackward(zeros([3]), { mask: zeros([2]) })).toThrow(/dout has shape \[3\] but cache\.mask/);
  });
});
