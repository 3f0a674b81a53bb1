/** The fused convolutional layers (conv-ReLU, conv-ReLU-pool) and flatten. */
import { evalNumericalGradientArray, relError } from '../lib/gradient-check';
import {
  convReluBackward, convReluForward, convReluPoolBackward, convReluPoolForward,
} from '../lib/layer-utils';
import { reluBackward, reluForward } from '../lib/layers/activations';
import { convBackward, convForward, type ConvParam } from '../lib/layers/conv';
import { flattenBackward, flattenForward } from '../lib/layers/flatten';
import { maxPoolBackward, maxPoolForward, type PoolParam } from '../lib/layers/pool';
import { Tensor, zeros } from '../lib/tensor';
import { randn, scaledError } from './helpers';
import { loopConv, loopConvBackward, loopMaxPool, loopMaxPoolBackward, loopRelu } from './loops';

// [name, x shape, w shape, conv stride, pad, pool height, width, stride]
type Case = [string, number[], number[], number, number, number, number, number];
const cases: Case[] = [
  ['3x3 pad 1, 2x2 pool (the fast path)', [2, 3, 8, 8], [4, 3, 3, 3], 1, 1, 2, 2, 2],
  ['odd sizes, overlapping 3x3 pool windows', [2, 2, 7, 9], [3, 2, 3, 3], 1, 0, 3, 3, 2],
  ['N = 1, strided convolution, 2x1 pool', [1, 3, 9, 7], [2, 3, 3, 3], 2, 1, 2, 1, 1],
  ['many images per product', [37, 2, 4, 4], [3, 2, 3, 3], 1, 1, 2, 2, 2],
  // On the oneDNN engine, float32 dx of 16 channels or more runs on its backward-data primitive (below, on im2col).
  ['16 channels, 2x2 pool', [2, 16, 6, 6], [8, 16, 3, 3], 1, 1, 2, 2, 2],
];

const conv = (stride: number, pad: number): ConvParam => ({ stride, pad });
const pool = (poolHeight: number, poolWidth: number, stride: number): PoolParam => ({ poolHeight, poolWidth, stride });

/** dout where mask > 0, else 0. */
function masked(dout: Tensor, mask: Tensor): Tensor {
  const out = zeros(dout.shape);
  for (let i = 0; i < dout.size; i++) out.data[i] = mask.data[i] > 0 ? dout.data[i] : 0;
  return out;
}

function inputs(seed: number, xShape: number[], wShape: number[], dtype: 'float32' | 'float64' = 'float64') {
  return {
    x: randn(seed, xShape, 1, dtype),
    w: randn(seed + 1, wShape, 1, dtype),
    b: randn(seed + 2, [wShape[0]], 1, dtype),
  };
}

describe('convReluForward/Backward', () => {
  test.each(cases)('%s: against nested loops', (_, xShape, wShape, stride, pad) => {
    const { x, w, b } = inputs(1, xShape, wShape);
    const [out, cache] = convReluForward(x, w, b, conv(stride, pad));
    const pre = loopConv(x, w, b, stride, pad);
    expect(relError(out, loopRelu(pre))).toBeLessThan(1e-10);
    const dout = randn(4, out.shape as number[]);
    const [dx, dw, db] = convReluBackward(dout, cache);
    const expected = loopConvBackward(masked(dout, pre), x, w, stride, pad);
    expect(relError(dx, expected[0])).toBeLessThan(1e-10);
    expect(relError(dw, expected[1])).toBeLessThan(1e-10);
    expect(relError(db, expected[2])).toBeLessThan(1e-10);
  });

  test.each(cases)('%s: the same numbers as convForward then reluForward', (_, xShape, wShape, stride, pad) => {
    const { x, w, b } = inputs(5, xShape, wShape);
    const p = conv(stride, pad);
    const [out, cache] = convReluForward(x, w, b, p);
    const [pre, convCache] = convForward(x, w, b, p);
    const [relu, reluCache] = reluForward(pre);
    expect(Array.from(out.data)).toEqual(Array.from(relu.data));
    const dout = randn(8, out.shape as number[]);
    const fused = convReluBackward(dout, cache);
    convBackward(reluBackward(dout, reluCache), convCache).forEach((g, i) => {
      expect(Array.from(fused[i].data)).toEqual(Array.from(g.data));
    });
  });

  test.each(cases.filter(([, x]) => x[0] < 10))('%s: numerical gradients', (_, xShape, wShape, stride, pad) => {
    const { x, w, b } = inputs(11, xShape, wShape);
    const p = conv(stride, pad);
    const [out, cache] = convReluForward(x, w, b, p);
    const dout = randn(14, out.shape as number[]);
    const [dx, dw, db] = convReluBackward(dout, cache);
    expect(relError(evalNumericalGradientArray((v) => convReluForward(v, w, b, p)[0], x, dout), dx)).toBeLessThan(1e-7);
    expect(relError(evalNumericalGradientArray((v) => convReluForward(x, v, b, p)[0], w, dout), dw)).toBeLessThan(1e-7);
    expect(relError(evalNumericalGradientArray((v) => convReluForward(x, w, v, p)[0], b, dout), db)).toBeLessThan(1e-7);
  });

  test.each(cases)('%s: float32 agrees with float64 within 1e-5 of scale', (_, xShape, wShape, stride, pad) => {
    const f32 = inputs(21, xShape, wShape, 'float32');
    const p = conv(stride, pad);
    const [o32, c32] = convReluForward(f32.x, f32.w, f32.b, p);
    const [o64, c64] = convReluForward(f32.x.astype('float64'), f32.w.astype('float64'), f32.b.astype('float64'), p);
    expect(o32.dtype).toBe('float32');
    expect(scaledError(o32, o64)).toBeLessThan(1e-5);
    const d32 = randn(24, o32.shape as number[], 1, 'float32');
    const g64 = convReluBackward(d32.astype('float64'), c64);
    convReluBackward(d32, c32).forEach((g, i) => expect(scaledError(g, g64[i])).toBeLessThan(1e-5));
  });
});

describe('convReluPoolForward/Backward', () => {
  test.each(cases)('%s: against nested loops', (_, xShape, wShape, stride, pad, ph, pw, ps) => {
    const { x, w, b } = inputs(31, xShape, wShape);
    const [out, cache] = convReluPoolForward(x, w, b, conv(stride, pad), pool(ph, pw, ps));
    const relu = loopRelu(loopConv(x, w, b, stride, pad));
    const pooled = loopMaxPool(relu, ph, pw, ps);
    expect(out.shape).toEqual(pooled.out.shape);
    expect(relError(out, pooled.out)).toBeLessThan(1e-10);
    const dout = randn(34, out.shape as number[]);
    const [dx, dw, db] = convReluPoolBackward(dout, cache);
    // Where a window is all zeros after the ReLU, its gradient is 0 wherever the loops put it.
    const upstream = masked(loopMaxPoolBackward(dout, relu.shape, pooled.at), relu);
    const expected = loopConvBackward(upstream, x, w, stride, pad);
    expect(relError(dx, expected[0])).toBeLessThan(1e-10);
    expect(relError(dw, expected[1])).toBeLessThan(1e-10);
    expect(relError(db, expected[2])).toBeLessThan(1e-10);
  });

  test.each(cases)('%s: the same numbers as convForward, reluForward, maxPoolForward', (_, xShape, wShape, stride, pad, ph, pw, ps) => {
    const { x, w, b } = inputs(41, xShape, wShape);
    const p = conv(stride, pad);
    const q = pool(ph, pw, ps);
    const [out, cache] = convReluPoolForward(x, w, b, p, q);
    const [pre, convCache] = convForward(x, w, b, p);
    const [relu, reluCache] = reluForward(pre);
    const [pooled, poolCache] = maxPoolForward(relu, q);
    expect(Array.from(out.data)).toEqual(Array.from(pooled.data));
    const dout = randn(44, out.shape as number[]);
    const composed = convBackward(reluBackward(maxPoolBackward(dout, poolCache), reluCache), convCache);
    convReluPoolBackward(dout, cache).forEach((g, i) => expect(relError(g, composed[i])).toBeLessThan(1e-12));
  });

  test.each(cases.filter(([, x]) => x[0] < 10))('%s: numerical gradients', (_, xShape, wShape, stride, pad, ph, pw, ps) => {
    const { x, w, b } = inputs(51, xShape, wShape);
    const p = conv(stride, pad);
    const q = pool(ph, pw, ps);
    const [out, cache] = convReluPoolForward(x, w, b, p, q);
    const dout = randn(54, out.shape as number[]);
    const [dx, dw, db] = convReluPoolBackward(dout, cache);
    const f = (xv: Tensor, wv: Tensor, bv: Tensor) => convReluPoolForward(xv, wv, bv, p, q)[0];
    expect(relError(evalNumericalGradientArray((v) => f(v, w, b), x, dout), dx)).toBeLessThan(1e-7);
    expect(relError(evalNumericalGradientArray((v) => f(x, v, b), w, dout), dw)).toBeLessThan(1e-7);
    expect(relError(evalNumericalGradientArray((v) => f(x, w, v), b, dout), db)).toBeLessThan(1e-7);
  });

  test.each(cases)('%s: float32 agrees with float64 within 1e-5 of scale', (_, xShape, wShape, stride, pad, ph, pw, ps) => {
    const f32 = inputs(61, xShape, wShape, 'float32');
    const p = conv(stride, pad);
    const q = pool(ph, pw, ps);
    const [o32, c32] = convReluPoolForward(f32.x, f32.w, f32.b, p, q);
    const [o64, c64] = convReluPoolForward(f32.x.astype('float64'), f32.w.astype('float64'), f32.b.astype('float64'), p, q);
    expect(o32.dtype).toBe('float32');
    expect(scaledError(o32, o64)).toBeLessThan(1e-5);
    const d32 = randn(64, o32.shape as number[], 1, 'float32');
    const g64 = convReluPoolBackward(d32.astype('float64'), c64);
    convReluPoolBackward(d32, c32).forEach((g, i) => expect(scaledError(g, g64[i])).toBeLessThan(1e-5));
  });

  test('NaN in x gives NaN in the pooled outputs whose windows see it', () => {
    const { x, w, b } = inputs(71, [2, 2, 6, 6], [3, 2, 3, 3]);
    x.data[2 * 36 + 3 * 6 + 3] = NaN; // x[1, 0, 3, 3]
    const p = conv(1, 1);
    const q = pool(2, 2, 2);
    const [out] = convReluPoolForward(x, w, b, p, q);
    const expected = loopMaxPool(loopRelu(loopConv(x, w, b, 1, 1)), 2, 2, 2).out;
    for (let i = 0; i < out.size; i++) {
      if (Number.isNaN(expected.data[i])) expect(out.data[i]).toBeNaN();
      else expect(Math.abs(out.data[i] - expected.data[i])).toBeLessThan(1e-12);
    }
    // Image 1, each filter, the 2x2 pooled outputs over conv outputs (2..4, 2..4): 3 * 4.
    expect(Array.from(out.data).filter(Number.isNaN)).toHaveLength(12);
  });

  test('the cache keeps the pooled output, not the convolution, and its argmax privately', () => {
    const { x, w, b } = inputs(81, [2, 3, 8, 8], [4, 3, 3, 3]);
    const [out, cache] = convReluPoolForward(x, w, b, conv(1, 1), pool(2, 2, 2));
    expect(Object.keys(cache).sort()).toEqual(['convParam', 'out', 'poolParam', 'w', 'x']);
    expect(cache.out).toBe(out);
    expect(Object.isFrozen(cache)).toBe(true);
    expect(() => convReluPoolBackward(out, { ...cache })).toThrow(
      /^convReluPoolBackward: Expected the cache convReluPoolForward returned for cache but received object$/,
    );
  });
});

describe('fused outputs', () => {
  const { x, w, b } = inputs(91, [3, 2, 6, 6], [4, 2, 3, 3]);
  const p = conv(1, 1);
  const q = pool(2, 2, 2);

  test.each([
    ['convRelu', (o?: { out: Tensor }) => convReluForward(x, w, b, p, o), convReluBackward, [3, 4, 6, 6]],
    ['convReluPool', (o?: { out: Tensor }) => convReluPoolForward(x, w, b, p, q, o), convReluPoolBackward, [3, 4, 3, 3]],
  ] as const)('%s: skipping dx, and writing into the given tensors', (_, forward, backward, outShape) => {
    const [fresh, cache] = forward();
    const dout = randn(92, [...outShape]);
    const [fdx, fdw, fdb] = backward(dout, cache as never);
    const [none, dw2, db2] = backward(dout, cache as never, { dx: false });
    expect(none).toBeNull();
    expect(Array.from(dw2.data)).toEqual(Array.from(fdw.data));
    expect(Array.from(db2.data)).toEqual(Array.from(fdb.data));
    const out = zeros([...outShape]);
    const dx = zeros(x.shape);
    const dw = zeros(w.shape);
    const db = zeros([4]);
    for (const t of [out, dx, dw, db]) t.data.fill(7);
    const [o, c2] = forward({ out });
    expect(o).toBe(out);
    expect(Array.from(out.data)).toEqual(Array.from(fresh.data));
    const grads = backward(dout, c2 as never, { dx, dw, db });
    expect(grads).toEqual([dx, dw, db]);
    expect(Array.from(dx.data)).toEqual(Array.from(fdx!.data));
  });
});

describe('flatten', () => {
  test('forward and backward are reshapes of the same data', () => {
    const x = randn(101, [4, 3, 2, 5]);
    const [out, cache] = flattenForward(x);
    expect(out.shape).toEqual([4, 30]);
    expect(out.data).toBe(x.data);
    expect(cache).toEqual([4, 3, 2, 5]);
    const dout = randn(102, [4, 30]);
    const dx = flattenBackward(dout, cache);
    expect(dx.shape).toEqual([4, 3, 2, 5]);
    expect(dx.data).toBe(dout.data);
  });

  test('a 2-d input passes through, a 1-d one becomes a column', () => {
    expect(flattenForward(randn(103, [3, 7]))[0].shape).toEqual([3, 7]);
    expect(flattenForward(randn(104, [5]))[0].shape).toEqual([5, 1]);
  });

  test('bad input', () => {
    const [, cache] = flattenForward(randn(105, [2, 3, 4]));
    expect(() => flattenBackward(randn(106, [2, 11]), cache)).toThrow(
      /^flattenBackward: dout has shape \[2, 11\] but the forward output has shape \[2, 12\]$/,
    );
    expect(() => flattenBackward(randn(106, [2, 12]), 'x' as never)).toThrow(TypeError);
    expect(() => flattenBackward(randn(106, [2, 12]), [2, -3, -4])).toThrow(/Expected the shape flattenForward returned for cache/);
    expect(() => flattenForward([1, 2] as never)).toThrow(/^flattenForward: Expected a Tensor for x/);
    expect(() => flattenForward(zeros([0, 3]))).toThrow(RangeError);
  });
});
