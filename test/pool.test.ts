import { evalNumericalGradientArray, relError } from '../lib/gradient-check';
import { maxPoolBackward, maxPoolForward, type PoolParam } from '../lib/layers/pool';
import { Tensor, fromArray, linspace, zeros } from '../lib/tensor';
import { randn } from './helpers';
import { loopMaxPool, loopMaxPoolBackward } from './loops';

// [name, x shape, poolHeight, poolWidth, stride]
type Case = [string, number[], number, number, number];
const cases: Case[] = [
  ['2x2 stride 2 (the fast path)', [3, 4, 8, 6], 2, 2, 2],
  ['3x3 stride 2, overlapping windows, odd sizes', [2, 3, 7, 9], 3, 3, 2],
  ['2x2 stride 1', [2, 2, 5, 4], 2, 2, 1],
  ['N = 1, a 3x2 window', [1, 2, 5, 6], 3, 2, 1],
  ['1x1 windows, stride 3', [2, 1, 7, 4], 1, 1, 3],
  ['one window over the whole plane', [2, 3, 4, 5], 4, 5, 1],
];

const param = (poolHeight: number, poolWidth: number, stride: number): PoolParam => ({ poolHeight, poolWidth, stride });

describe('the ConvolutionalNetworks notebook check', () => {
  test('max_pool_forward matches correct_out (values also given by torch.nn.functional.max_pool2d)', () => {
    const x = linspace(-0.3, 0.4, 2 * 3 * 4 * 4).reshape(2, 3, 4, 4);
    const [out] = maxPoolForward(x, param(2, 2, 2));
    const correct = fromArray([
      [[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
        [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
        [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
      [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
        [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
        [[0.32631579, 0.34105263], [0.38526316, 0.4]]],
    ]);
    expect(relError(out, correct)).toBeLessThan(1e-7);
  });
});

describe('against nested loops, float64', () => {
  test.each(cases)('%s', (_, xShape, ph, pw, stride) => {
    const x = randn(1, xShape);
    const [out, cache] = maxPoolForward(x, param(ph, pw, stride));
    const expected = loopMaxPool(x, ph, pw, stride);
    expect(out.shape).toEqual(expected.out.shape);
    expect(relError(out, expected.out)).toBeLessThan(1e-10);
    const dout = randn(2, out.shape as number[]);
    const dx = maxPoolBackward(dout, cache);
    expect(relError(dx, loopMaxPoolBackward(dout, x.shape, expected.at))).toBeLessThan(1e-10);
  });
});

describe('numerical gradients', () => {
  test.each(cases)('%s', (_, xShape, ph, pw, stride) => {
    const x = randn(3, xShape);
    const p = param(ph, pw, stride);
    const [out, cache] = maxPoolForward(x, p);
    const dout = randn(4, out.shape as number[]);
    const dx = maxPoolBackward(dout, cache);
    expect(relError(evalNumericalGradientArray((v) => maxPoolForward(v, p)[0], x, dout), dx)).toBeLessThan(1e-7);
  });
});

describe('float32 gives the float64 values exactly (a maximum is not rounded)', () => {
  test.each(cases)('%s', (_, xShape, ph, pw, stride) => {
    const x32 = randn(5, xShape, 1, 'float32');
    const p = param(ph, pw, stride);
    const [o32, c32] = maxPoolForward(x32, p);
    const [o64, c64] = maxPoolForward(x32.astype('float64'), p);
    expect(o32.dtype).toBe('float32');
    expect(Array.from(o32.data)).toEqual(Array.from(o64.data));
    const d32 = randn(6, o32.shape as number[], 1, 'float32');
    const dx32 = maxPoolBackward(d32, c32);
    expect(dx32.dtype).toBe('float32');
    expect(relError(dx32, maxPoolBackward(d32.astype('float64'), c64))).toBeLessThan(1e-5);
  });
});

describe('NaN and ties, on the fast path and the general one', () => {
  const windows: [string, PoolParam][] = [['2x2 stride 2', param(2, 2, 2)], ['2x2 stride 1', param(2, 2, 1)]];

  test.each(windows)('%s: a window holding NaN gives NaN, and its gradient goes to the first NaN', (_, p) => {
    // One 2x4 plane; the window at (0, 0) holds [1, NaN, 3, NaN].
    const x = fromArray([[[[1, NaN, 0, 0], [3, NaN, 0, 0]]]]);
    const [out, cache] = maxPoolForward(x, p);
    const expected = loopMaxPool(x, p.poolHeight, p.poolWidth, p.stride);
    expect(out.data[0]).toBeNaN();
    for (let i = 0; i < out.size; i++) {
      if (Number.isNaN(expected.out.data[i])) expect(out.data[i]).toBeNaN();
      else expect(out.data[i]).toBe(expected.out.data[i]);
    }
    const dout = fromArray(Array.from({ length: out.size }, (_v, i) => i + 1)).reshape(...out.shape);
    const dx = maxPoolBackward(dout, cache);
    expect(Array.from(dx.data)).toEqual(Array.from(loopMaxPoolBackward(dout, x.shape, expected.at).data));
    expect(dx.data[1]).toBe(p.stride === 2 ? 1 : 1 + 2);
  });

  test.each(windows)('%s: ties go to the first position in row-major order', (_, p) => {
    const x = fromArray([[[[2, 2, 5, 1], [2, 2, 1, 5]]]]);
    const [, cache] = maxPoolForward(x, p);
    const dout = zeros(p.stride === 2 ? [1, 1, 1, 2] : [1, 1, 1, 3]);
    dout.data.fill(1);
    const dx = maxPoolBackward(dout, cache);
    const expected = loopMaxPoolBackward(dout, x.shape, loopMaxPool(x, p.poolHeight, p.poolWidth, p.stride).at);
    expect(Array.from(dx.data)).toEqual(Array.from(expected.data));
    expect(dx.data[0]).toBe(1);
  });

  test('-Infinity windows and negative values pool as numbers', () => {
    const x = fromArray([[[[-Infinity, -Infinity], [-Infinity, -Infinity]], [[-3, -2], [-5, -4]]]]);
    const [out] = maxPoolForward(x, param(2, 2, 2));
    expect(Array.from(out.data)).toEqual([-Infinity, -2]);
  });
});

describe('the cache and outputs', () => {
  const x = randn(7, [2, 3, 4, 4]);

  test('the argmax is private: only the cache object forward returned works', () => {
    const [, cache] = maxPoolForward(x, param(2, 2, 2));
    expect(Object.keys(cache).sort()).toEqual(['dtype', 'poolParam', 'xShape']);
    expect(Object.isFrozen(cache)).toBe(true);
    const dout = randn(8, [2, 3, 2, 2]);
    expect(() => maxPoolBackward(dout, { ...cache })).toThrow(TypeError);
    expect(() => maxPoolBackward(dout, { ...cache })).toThrow(
      /^maxPoolBackward: Expected the cache maxPoolForward returned for cache but received object$/,
    );
  });

  test('forward and backward write into the given tensors, whatever they held', () => {
    const p = param(3, 3, 1);
    const [fresh, cache] = maxPoolForward(x, p);
    const dout = randn(9, fresh.shape as number[]);
    const expectedDx = maxPoolBackward(dout, cache);
    const out = zeros(fresh.shape);
    out.data.fill(7);
    const dx = zeros(x.shape);
    dx.data.fill(7);
    const [o] = maxPoolForward(x, p, { out });
    expect(o).toBe(out);
    expect(Array.from(out.data)).toEqual(Array.from(fresh.data));
    expect(maxPoolBackward(dout, cache, { dx })).toBe(dx);
    expect(Array.from(dx.data)).toEqual(Array.from(expectedDx.data));
  });

  test('an output sharing memory with an input is refused, not silently wrong', () => {
    expect(() => maxPoolForward(x, param(2, 2, 2), { out: new Tensor(x.data.subarray(0, 24), [2, 3, 2, 2]) })).toThrow(
      /^maxPoolForward: out shares memory with x$/,
    );
    const [, cache] = maxPoolForward(x, param(2, 2, 2));
    const buffer = zeros([2, 3, 4, 4]);
    const dout = new Tensor(buffer.data.subarray(0, 24), [2, 3, 2, 2]);
    expect(() => maxPoolBackward(dout, cache, { dx: buffer })).toThrow(/^maxPoolBackward: dx shares memory with dout$/);
  });
});
