import { evalNumericalGradientArray, relError } from '../lib/gradient-check';
import { batchnormBackward, batchnormForward, type BatchnormCache, type BatchnormParam } from '../lib/layers/batchnorm';
import {
  spatialBatchnormBackward, spatialBatchnormForward, type SpatialBatchnormCache,
} from '../lib/layers/spatial-batchnorm';
import { Tensor, fromArray, zeros } from '../lib/tensor';
import { randn, scaledError } from './helpers';
import { loopSpatialBatchnorm } from './loops';

// [name, x shape]
const cases: [string, number[]][] = [
  ['the notebook shape', [2, 3, 4, 5]],
  ['N = 1', [1, 4, 3, 3]],
  ['1x1 maps', [5, 2, 1, 1]],
  ['odd sizes', [3, 5, 7, 9]],
  ['many small maps', [20, 3, 2, 2]],
];

const train = (): BatchnormParam => ({ mode: 'train' });

/** (N, C, H, W) -> (N H W, C), the layout batchnormForward normalizes per column. */
function toRows(t: Tensor): Tensor {
  const [n, c, h, w] = t.shape;
  const out = zeros([n * h * w, c], t.dtype);
  for (let a = 0; a < n; a++) for (let ch = 0; ch < c; ch++) for (let k = 0; k < h * w; k++) {
    out.data[(a * h * w + k) * c + ch] = t.data[(a * c + ch) * h * w + k];
  }
  return out;
}

describe('against nested loops, float64', () => {
  test.each(cases)('%s: output, running statistics, gradients', (_, shape) => {
    const c = shape[1];
    const x = randn(1, shape, 3);
    for (let i = 0; i < x.size; i++) x.data[i] += 5;
    const gamma = randn(2, [c]);
    const beta = randn(3, [c]);
    const dout = randn(4, shape);
    const param: BatchnormParam = { mode: 'train', eps: 1e-5, momentum: 0.9 };
    const [out, cache] = spatialBatchnormForward(x, gamma, beta, param);
    const ref = loopSpatialBatchnorm(x, gamma, beta, dout, 1e-5);
    expect(relError(out, ref.out)).toBeLessThan(1e-10);
    expect(relError(param.runningMean!, ref.mean.map((m) => 0.1 * m))).toBeLessThan(1e-10);
    expect(relError(param.runningVar!, ref.variance.map((v) => 0.1 * v))).toBeLessThan(1e-10);
    const [dx, dgamma, dbeta] = spatialBatchnormBackward(dout, cache as SpatialBatchnormCache);
    expect(relError(dx, ref.dx)).toBeLessThan(1e-10);
    expect(relError(dgamma, ref.dgamma)).toBeLessThan(1e-10);
    expect(relError(dbeta, ref.dbeta)).toBeLessThan(1e-10);
  });

  test.each(cases)('%s: the same as batchnormForward on the (N H W, C) rows', (_, shape) => {
    const c = shape[1];
    const x = randn(5, shape);
    const gamma = randn(6, [c]);
    const beta = randn(7, [c]);
    const dout = randn(8, shape);
    const spatial = train();
    const rows = train();
    const [out, cache] = spatialBatchnormForward(x, gamma, beta, spatial);
    const [rowOut, rowCache] = batchnormForward(toRows(x), gamma, beta, rows);
    expect(relError(toRows(out), rowOut)).toBeLessThan(1e-10);
    expect(relError(spatial.runningMean!, rows.runningMean!)).toBeLessThan(1e-10);
    expect(relError(spatial.runningVar!, rows.runningVar!)).toBeLessThan(1e-10);
    const [dx, dgamma, dbeta] = spatialBatchnormBackward(dout, cache as SpatialBatchnormCache);
    const [rdx, rdgamma, rdbeta] = batchnormBackward(toRows(dout), rowCache as BatchnormCache);
    expect(relError(toRows(dx), rdx)).toBeLessThan(1e-10);
    expect(relError(dgamma, rdgamma)).toBeLessThan(1e-10);
    expect(relError(dbeta, rdbeta)).toBeLessThan(1e-10);
  });
});

describe('numerical gradients', () => {
  // Smaller odd sizes than above: on 945 values the centered differences'
  // rounding (about 1e-10 of a loss summed over every output) is already 1e-7
  // of the smallest dx entries.
  const small = cases.map(([name, shape]): [string, number[]] => (name === 'odd sizes' ? [name, [3, 2, 3, 5]] : [name, shape]));
  test.each(small)('%s', (_, shape) => {
    const c = shape[1];
    const x = randn(11, shape, 2);
    const gamma = randn(12, [c]);
    const beta = randn(13, [c]);
    const dout = randn(14, shape);
    const f = (xv: Tensor, g: Tensor, b: Tensor) => spatialBatchnormForward(xv, g, b, train())[0];
    const [, cache] = spatialBatchnormForward(x, gamma, beta, train());
    const [dx, dgamma, dbeta] = spatialBatchnormBackward(dout, cache as SpatialBatchnormCache);
    expect(relError(evalNumericalGradientArray((v) => f(v, gamma, beta), x, dout), dx)).toBeLessThan(1e-7);
    expect(relError(evalNumericalGradientArray((v) => f(x, v, beta), gamma, dout), dgamma)).toBeLessThan(1e-7);
    expect(relError(evalNumericalGradientArray((v) => f(x, gamma, v), beta, dout), dbeta)).toBeLessThan(1e-7);
  });
});

describe('float32 agrees with float64 within 1e-5 of scale', () => {
  test.each(cases)('%s', (_, shape) => {
    const c = shape[1];
    const x32 = randn(21, shape, 2, 'float32');
    const g32 = randn(22, [c], 1, 'float32');
    const b32 = randn(23, [c], 1, 'float32');
    const d32 = randn(24, shape, 1, 'float32');
    const p32 = train();
    const p64 = train();
    const [o32, c32] = spatialBatchnormForward(x32, g32, b32, p32);
    const [o64, c64] = spatialBatchnormForward(x32.astype('float64'), g32.astype('float64'), b32.astype('float64'), p64);
    expect(o32.dtype).toBe('float32');
    expect(scaledError(o32, o64)).toBeLessThan(1e-5);
    expect(scaledError(p32.runningVar!, p64.runningVar!)).toBeLessThan(1e-5);
    const grads32 = spatialBatchnormBackward(d32, c32 as SpatialBatchnormCache);
    const grads64 = spatialBatchnormBackward(d32.astype('float64'), c64 as SpatialBatchnormCache);
    grads32.forEach((g, i) => expect(scaledError(g, grads64[i])).toBeLessThan(1e-5));
  });
});

describe('modes and values', () => {
  test('train mode gives each channel mean beta and std gamma, as the notebook checks', () => {
    const x = randn(31, [2, 3, 4, 5], 4);
    for (let i = 0; i < x.size; i++) x.data[i] += 10;
    const [out] = spatialBatchnormForward(x, fromArray([3, 4, 5]), fromArray([6, 7, 8]), train());
    for (let ch = 0; ch < 3; ch++) {
      const values: number[] = [];
      for (let a = 0; a < 2; a++) values.push(...out.data.subarray((a * 3 + ch) * 20, (a * 3 + ch + 1) * 20));
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
      expect(mean).toBeCloseTo(6 + ch, 10);
      expect(std).toBeCloseTo(3 + ch, 4);
    }
  });

  test('the variance keeps its digits under a large mean', () => {
    const x = randn(32, [4, 2, 3, 3]);
    const shifted = x.clone();
    for (let i = 0; i < x.size; i++) shifted.data[i] += 1e6;
    const gamma = fromArray([1, 2]);
    const beta = fromArray([0, 1]);
    const [a] = spatialBatchnormForward(x, gamma, beta, train());
    const [b] = spatialBatchnormForward(shifted, gamma, beta, train());
    expect(scaledError(b, a)).toBeLessThan(1e-9);
  });

  test('test mode uses the running statistics; many train steps bring them to the batch statistics', () => {
    const x = randn(33, [8, 3, 4, 4], 2);
    const gamma = randn(34, [3]);
    const beta = randn(35, [3]);
    const param = train();
    const [trainOut] = spatialBatchnormForward(x, gamma, beta, param);
    for (let k = 0; k < 300; k++) spatialBatchnormForward(x, gamma, beta, param);
    param.mode = 'test';
    const [testOut, cache] = spatialBatchnormForward(x, gamma, beta, param);
    expect(cache).toBeNull();
    expect(scaledError(testOut, trainOut)).toBeLessThan(1e-6);
    // Test mode may run in place; train mode may not (its cache keeps x).
    const copy = x.clone();
    const [inPlace] = spatialBatchnormForward(copy, gamma, beta, param, { out: copy });
    expect(inPlace).toBe(copy);
    expect(Array.from(copy.data)).toEqual(Array.from(testOut.data));
    param.mode = 'train';
    expect(() => spatialBatchnormForward(copy, gamma, beta, param, { out: copy })).toThrow(
      /^spatialBatchnormForward(Train)?: out shares memory with x$/,
    );
  });

  test('NaN in one channel makes that channel NaN and leaves the others', () => {
    const x = randn(36, [2, 3, 2, 2]);
    x.data[(1 * 3 + 1) * 4 + 2] = NaN;
    const param = train();
    const [out] = spatialBatchnormForward(x, fromArray([1, 1, 1]), fromArray([0, 0, 0]), param);
    for (let a = 0; a < 2; a++) {
      for (let ch = 0; ch < 3; ch++) {
        for (const v of out.data.subarray((a * 3 + ch) * 4, (a * 3 + ch + 1) * 4)) {
          if (ch === 1) expect(v).toBeNaN();
          else expect(Number.isFinite(v)).toBe(true);
        }
      }
    }
    expect(param.runningVar!.data[1]).toBeNaN();
  });

  test('outputs the caller provides, whatever they held', () => {
    const x = randn(37, [3, 2, 3, 4]);
    const gamma = randn(38, [2]);
    const beta = randn(39, [2]);
    const dout = randn(40, [3, 2, 3, 4]);
    const [fresh, cache] = spatialBatchnormForward(x, gamma, beta, train());
    const [fdx, fdg, fdb] = spatialBatchnormBackward(dout, cache as SpatialBatchnormCache);
    const out = zeros(x.shape);
    const dx = zeros(x.shape);
    const dw = zeros([2]);
    const db = zeros([2]);
    for (const t of [out, dx, dw, db]) t.data.fill(7);
    const [o, c2] = spatialBatchnormForward(x, gamma, beta, train(), { out });
    const grads = spatialBatchnormBackward(dout, c2 as SpatialBatchnormCache, { dx, dw, db });
    expect(o).toBe(out);
    expect(grads).toEqual([dx, dw, db]);
    expect(Array.from(out.data)).toEqual(Array.from(fresh.data));
    expect(Array.from(dx.data)).toEqual(Array.from(fdx.data));
    expect(Array.from(dw.data)).toEqual(Array.from(fdg.data));
    expect(Array.from(db.data)).toEqual(Array.from(fdb.data));
  });
});
