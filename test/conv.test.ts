import { evalNumericalGradientArray, relError } from '../lib/gradient-check';
import { convBackward, convForward, type ConvParam } from '../lib/layers/conv';
import { Tensor, fromArray, linspace, zeros } from '../lib/tensor';
import { randn, scaledError } from './helpers';
import { loopConv, loopConvBackward } from './loops';

const GRAD_TOL = 1e-7;

// [name, x shape, w shape, stride, pad]
type Case = [string, number[], number[], number, number];
const cases: Case[] = [
  ['the notebook shape: 4x4 filters, stride 2, pad 1', [2, 3, 4, 4], [3, 3, 4, 4], 2, 1],
  ['3x3 filters, pad 1', [3, 3, 8, 8], [4, 3, 3, 3], 1, 1],
  ['odd sizes, non-square filters, stride 2', [2, 2, 7, 9], [3, 2, 3, 5], 2, 0],
  ['N = 1, pad wider than the filter', [1, 3, 5, 5], [2, 3, 2, 2], 1, 3],
  ['1x1 filters', [4, 5, 6, 6], [3, 5, 1, 1], 1, 0],
  ['stride 3, pad 2, non-square input', [2, 1, 12, 8], [2, 1, 4, 3], 3, 2],
  ['a filter as large as the padded input', [2, 2, 3, 3], [2, 2, 5, 5], 1, 1],
  ['many images lowered into one product', [37, 2, 4, 4], [3, 2, 3, 3], 1, 1],
  ['several products, the last one short', [300, 2, 4, 4], [3, 2, 3, 3], 1, 1],
  // On the oneDNN engine, float32 dx of 16 channels or more runs on its backward-data primitive (below, on im2col).
  ['16 channels', [2, 16, 6, 5], [8, 16, 3, 3], 1, 1],
  ['17 channels, stride 2', [3, 17, 7, 7], [5, 17, 3, 3], 2, 1],
];

const params = (stride: number, pad: number): ConvParam => ({ stride, pad });

describe('the ConvolutionalNetworks notebook check', () => {
  test('conv_forward matches correct_out (values also given by torch.nn.functional.conv2d)', () => {
    const x = linspace(-0.1, 0.5, 2 * 3 * 4 * 4).reshape(2, 3, 4, 4);
    const w = linspace(-0.2, 0.3, 3 * 3 * 4 * 4).reshape(3, 3, 4, 4);
    const b = linspace(-0.1, 0.2, 3);
    const [out] = convForward(x, w, b, { stride: 2, pad: 1 });
    const correct = fromArray([
      [[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
        [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
        [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
      [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
        [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
        [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]],
    ]);
    expect(out.shape).toEqual([2, 3, 2, 2]);
    expect(relError(out, correct)).toBeLessThan(1e-7);
  });
});

describe('against nested loops, float64', () => {
  test.each(cases)('%s', (_, xShape, wShape, stride, pad) => {
    const x = randn(1, xShape);
    const w = randn(2, wShape);
    const b = randn(3, [wShape[0]]);
    const [out, cache] = convForward(x, w, b, params(stride, pad));
    const expected = loopConv(x, w, b, stride, pad);
    expect(out.shape).toEqual(expected.shape);
    expect(relError(out, expected)).toBeLessThan(1e-10);
    const dout = randn(4, out.shape as number[]);
    const [dx, dw, db] = convBackward(dout, cache);
    const [ex, ew, eb] = loopConvBackward(dout, x, w, stride, pad);
    expect(relError(dx, ex)).toBeLessThan(1e-10);
    expect(relError(dw, ew)).toBeLessThan(1e-10);
    expect(relError(db, eb)).toBeLessThan(1e-10);
  });
});

describe('numerical gradients', () => {
  // Not the 17-channel case: an entry of its dx is -1.07e-4, where the centered difference's rounding
  // (1.7e-10 with h = 1e-5) is 8e-7 relative. The nested loops check it to 1e-10.
  test.each(cases.filter(([, xShape]) => xShape[0] < 10 && xShape[1] < 17))('%s', (_, xShape, wShape, stride, pad) => {
    const x = randn(11, xShape);
    const w = randn(12, wShape);
    const b = randn(13, [wShape[0]]);
    const p = params(stride, pad);
    const [out, cache] = convForward(x, w, b, p);
    const dout = randn(14, out.shape as number[]);
    const [dx, dw, db] = convBackward(dout, cache);
    expect(relError(evalNumericalGradientArray((v) => convForward(v, w, b, p)[0], x, dout), dx)).toBeLessThan(GRAD_TOL);
    expect(relError(evalNumericalGradientArray((v) => convForward(x, v, b, p)[0], w, dout), dw)).toBeLessThan(GRAD_TOL);
    expect(relError(evalNumericalGradientArray((v) => convForward(x, w, v, p)[0], b, dout), db)).toBeLessThan(GRAD_TOL);
  });
});

describe('float32 agrees with float64 within 1e-5 of scale', () => {
  test.each(cases)('%s', (_, xShape, wShape, stride, pad) => {
    // Drawn in float32 and widened, so both precisions see the same values.
    const x32 = randn(21, xShape, 1, 'float32');
    const w32 = randn(22, wShape, 1, 'float32');
    const b32 = randn(23, [wShape[0]], 1, 'float32');
    const [o32, c32] = convForward(x32, w32, b32, params(stride, pad));
    const [o64, c64] = convForward(x32.astype('float64'), w32.astype('float64'), b32.astype('float64'), params(stride, pad));
    expect(o32.dtype).toBe('float32');
    expect(scaledError(o32, o64)).toBeLessThan(1e-5);
    const d32 = randn(24, o32.shape as number[], 1, 'float32');
    const g32 = convBackward(d32, c32);
    const g64 = convBackward(d32.astype('float64'), c64);
    g32.forEach((g, i) => {
      expect(g.dtype).toBe('float32');
      expect(scaledError(g, g64[i])).toBeLessThan(1e-5);
    });
  });
});

describe('values and outputs', () => {
  const x = randn(31, [3, 2, 6, 5]);
  const w = randn(32, [4, 2, 3, 3]);
  const b = randn(33, [4]);
  const p = params(1, 1);

  test('NaN in x reaches exactly the outputs whose windows hold it', () => {
    const bad = x.clone();
    bad.data[(1 * 2 + 1) * 30 + 2 * 5 + 3] = NaN; // x[1, 1, 2, 3]
    const [out] = convForward(bad, w, b, p);
    const expected = loopConv(bad, w, b, 1, 1);
    for (let i = 0; i < out.size; i++) {
      if (Number.isNaN(expected.data[i])) expect(out.data[i]).toBeNaN();
      else expect(Math.abs(out.data[i] - expected.data[i])).toBeLessThan(1e-12);
    }
    // Image 1, each filter, the 3x3 outputs around (2, 3): 4 * 9 NaN.
    expect(Array.from(out.data).filter(Number.isNaN)).toHaveLength(36);
  });

  test.each([
    ['float64, 2 channels', 'float64', 2], ['float32, 2 channels', 'float32', 2],
    ['float64, 16 channels', 'float64', 16], ['float32, 16 channels', 'float32', 16],
  ] as const)('%s: NaN in x or dout gives NaN exactly where the loops do, forward and backward', (_, dtype, c) => {
    const xs = randn(36, [3, c, 6, 5], 1, dtype);
    const ws = randn(37, [4, c, 3, 3], 1, dtype);
    const bs = randn(38, [4], 1, dtype);
    const wide = (t: Tensor) => t.astype('float64');
    const nanAt = (t: Tensor, i: number) => {
      const u = t.clone();
      u.data[i] = NaN;
      return u;
    };
    const same = (got: Tensor, expected: Tensor) => {
      expect(got.dtype).toBe(dtype);
      const nan = (t: Tensor) => Array.from(t.data, (v, i) => (Number.isNaN(v) ? i : -1)).filter((i) => i >= 0);
      expect(nan(got)).toEqual(nan(expected));
      expect(nan(expected).length).toBeGreaterThan(0);
      const finite = (t: Tensor) => new Tensor(Float64Array.from(t.data, (v) => (Number.isNaN(v) ? 0 : v)), t.shape);
      expect(scaledError(finite(wide(got)), finite(expected))).toBeLessThan(dtype === 'float32' ? 1e-5 : 1e-12);
    };
    // x[1, 1, 2, 3]
    const bad = nanAt(xs, ((1 * c + 1) * 6 + 2) * 5 + 3);
    const [out] = convForward(bad, ws, bs, p);
    same(out, loopConv(wide(bad), wide(ws), wide(bs), 1, 1));
    const [clean, cache] = convForward(xs, ws, bs, p);
    // dout[1, 2, 2, 3]
    const dout = nanAt(randn(39, clean.shape as number[], 1, dtype), ((1 * 4 + 2) * 6 + 2) * 5 + 3);
    const expected = loopConvBackward(wide(dout), wide(xs), wide(ws), 1, 1);
    convBackward(dout, cache).forEach((g, i) => same(g, expected[i]));
  });

  test('skipping dx returns null and the same dw, db', () => {
    const [out, cache] = convForward(x, w, b, p);
    const dout = randn(34, out.shape as number[]);
    const [dx, dw, db] = convBackward(dout, cache);
    const [none, dw2, db2] = convBackward(dout, cache, { dx: false });
    expect(dx).not.toBeNull();
    expect(none).toBeNull();
    expect(Array.from(dw2.data)).toEqual(Array.from(dw.data));
    expect(Array.from(db2.data)).toEqual(Array.from(db.data));
  });

  test('forward and backward write into the given tensors, whatever they held', () => {
    const [fresh, cache] = convForward(x, w, b, p);
    const dout = randn(35, fresh.shape as number[]);
    const [fdx, fdw, fdb] = convBackward(dout, cache);
    const fill = (t: Tensor) => {
      t.data.fill(7);
      return t;
    };
    const out = fill(zeros(fresh.shape));
    const dx = fill(zeros(x.shape));
    const dw = fill(zeros(w.shape));
    const db = fill(zeros([4]));
    const [o] = convForward(x, w, b, p, { out });
    const grads = convBackward(dout, cache, { dx, dw, db });
    expect(o).toBe(out);
    expect(grads[0]).toBe(dx);
    expect(grads[1]).toBe(dw);
    expect(grads[2]).toBe(db);
    expect(Array.from(out.data)).toEqual(Array.from(fresh.data));
    expect(Array.from(dx.data)).toEqual(Array.from(fdx.data));
    expect(Array.from(dw.data)).toEqual(Array.from(fdw.data));
    expect(Array.from(db.data)).toEqual(Array.from(fdb.data));
  });

  test('the cache holds x, w and a copy of convParam', () => {
    const param = { stride: 1, pad: 1 };
    const [, cache] = convForward(x, w, b, param);
    param.pad = 0;
    expect(cache.x).toBe(x);
    expect(cache.w).toBe(w);
    expect(cache.convParam).toEqual({ stride: 1, pad: 1 });
  });

  test('an output sharing memory with an input is refused, not silently wrong', () => {
    const big = zeros([3 * 4 * 6 * 5 + 10]);
    const out = new Tensor(big.data.subarray(0, 3 * 4 * 6 * 5), [3, 4, 6, 5]);
    const xs = new Tensor(big.data.subarray(10, 10 + x.size), x.shape);
    expect(() => convForward(xs, w, b, p, { out })).toThrow(/convForward: out shares memory with x/);
    const [o, cache] = convForward(x, w, b, p);
    expect(() => convBackward(o, cache, { dx: x })).toThrow(/convBackward: dx shares memory with x/);
    expect(() => convBackward(o, cache, { dw: w })).toThrow(/convBackward: dw shares memory with w/);
  });
});
