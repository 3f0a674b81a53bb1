import { evalNumericalGradient, relError } from '../lib/gradient-check';
import { reluBackward, reluForward, sigmoidForward, tanhBackward, tanhForward } from '../lib/layers/activations';
import { layerCase, layerGradientErrors, lossGradientError } from '../lib/layers/check';
import { LAYERS, LOSSES, type GradcheckSample, type LayerKind, type LayerParams } from '../lib/layers/specs';
import { affineBackward, affineForward } from '../lib/layers/affine';
import { softmaxLoss, svmLoss } from '../lib/layers/losses';
import { affineReluBackward, affineReluForward } from '../lib/layer-utils';
import { Tensor, fromArray, linspace, zeros } from '../lib/tensor';
import { labels, randn, scaledError } from './helpers';

const GRAD_TOL = 1e-7;

describe('the FC_nets notebook checks, with its expected values', () => {
  test('affine_forward matches correct_out', () => {
    const x = linspace(-0.1, 0.5, 2 * 120).reshape(2, 4, 5, 6);
    const w = linspace(-0.2, 0.3, 3 * 120).reshape(120, 3);
    const b = linspace(-0.3, 0.1, 3);
    const [out] = affineForward(x, w, b);
    const correct = fromArray([
      [1.49834967, 1.70660132, 1.91485297],
      [3.25553199, 3.5141327, 3.77273342],
    ]);
    expect(out.shape).toEqual([2, 3]);
    expect(relError(out, correct)).toBeLessThan(1e-9);
  });

  test('relu_forward matches correct_out', () => {
    const x = linspace(-0.5, 0.5, 12).reshape(3, 4);
    const [out] = reluForward(x);
    const correct = fromArray([
      [0, 0, 0, 0],
      [0, 0, 0.04545455, 0.13636364],
      [0.22727273, 0.31818182, 0.40909091, 0.5],
    ]);
    expect(relError(out, correct)).toBeLessThan(1e-7);
  });

  test('softmax loss on small scores is about log(10) = 2.3026', () => {
    const x = randn(231, [50, 10], 0.001);
    const y = labels(232, 50, 10);
    const [loss, dx] = softmaxLoss(x, y);
    expect(loss).toBeCloseTo(2.3026, 3);
    const dxNum = evalNumericalGradient((s) => softmaxLoss(s, y)[0], x, { verbose: false });
    expect(relError(dxNum, dx)).toBeLessThan(GRAD_TOL);
  });
});

describe('numerical gradient checks of every entry of the layer table, float64', () => {
  const samples = Object.values(LAYERS).flatMap((kind) => kind.samples.map((s): [string, string, LayerKind, GradcheckSample] => [kind.type, s.label, kind, s]));
  test.each(samples)('%s, %s', (_, __, kind, sample) => {
    for (const [name, error] of layerGradientErrors(kind, sample, 0)) {
      expect([name, error]).toEqual([name, expect.any(Number)]);
      expect(error).toBeLessThan(GRAD_TOL);
    }
  });

  // Scores of the notebook's scale for the large batch: the loss is a mean, so
  // with unit scores some entries of dx fall to 1e-6 and the centered
  // difference itself, not the kernel, misses the tolerance.
  const losses = Object.values(LOSSES).flatMap((loss) => loss.samples.map(([label, n, c, scale]) => [loss.type, label, loss, n, c, scale] as const));
  test.each(losses)('%s loss, %s', (_, __, loss, n, c, scale) => {
    expect(lossGradientError(loss, n, c, scale, 31)).toBeLessThan(GRAD_TOL);
  });
});

describe('values the gradients are checked against', () => {
  test('softmax loss is stable for huge scores', () => {
    const x = fromArray([[1000, 0, -1000], [1e308, 1e308, 0]]);
    const [loss, dx] = softmaxLoss(x, [0, 2]);
    expect(Number.isFinite(loss)).toBe(true);
    // Row 0 is certain and right (loss 0), row 1 gives class 2 probability exp(-1e308).
    expect(loss).toBeGreaterThan(1e307);
    expect(dx.toArray()).toEqual([[0, 0, 0], [0.25, 0.25, -0.5]]);
  });

  test('svm loss by hand: margins 1 over the correct score', () => {
    const [loss, dx] = svmLoss(fromArray([[1, 2, 3], [0, 0, 5]]), [2, 0]);
    // Row 0: max(0, 1-3+1) + max(0, 2-3+1) = 0; row 1: (0-0+1) + (5-0+1) = 7. Mean 3.5.
    expect(loss).toBe(3.5);
    expect(dx.toArray()).toEqual([[0, 0, 0], [-1, 0.5, 0.5]]);
  });

  test('sigmoid and tanh saturate without NaN', () => {
    const [s] = sigmoidForward(fromArray([-1000, 0, 1000]));
    expect(Array.from(s.data)).toEqual([0, 0.5, 1]);
    const [t] = tanhForward(fromArray([-1000, 0, 1000]));
    expect(Array.from(t.data)).toEqual([-1, 0, 1]);
  });

  test('relu propagates NaN as np.maximum does', () => {
    const [out] = reluForward(fromArray([NaN, -1, 2]));
    expect(out.data[0]).toBeNaN();
    expect(Array.from(out.data.slice(1))).toEqual([0, 2]);
  });

  test('skipping dx returns null and the same dw, db', () => {
    const x = randn(51, [6, 4]);
    const w = randn(52, [4, 3]);
    const b = randn(53, [3]);
    const dout = randn(54, [6, 3]);
    for (const [forward, backward] of [
      [affineForward, affineBackward],
      [affineReluForward, affineReluBackward],
    ] as const) {
      const [, cache] = forward(x, w, b);
      const [dx, dw, db] = backward(dout, cache as never);
      const [none, dw2, db2] = backward(dout, cache as never, { dx: false });
      expect(dx).not.toBeNull();
      expect(none).toBeNull();
      expect(Array.from(dw2.data)).toEqual(Array.from(dw.data));
      expect(Array.from(db2.data)).toEqual(Array.from(db.data));
    }
  });
});

describe('float32 kernels agree with float64 within 1e-5 of scale, for every entry of the layer table', () => {
  const samples = Object.values(LAYERS).map((kind): [string, LayerKind] => [kind.type, kind]);
  test.each(samples)('%s', (_, kind) => {
    for (const sample of kind.samples) {
      // Inputs are drawn in float32 and widened, so both precisions see the same values.
      const c32 = layerCase(kind, sample, 61, 'float32');
      const c64 = layerCase(kind, sample, 61, 'float64');
      const widen = (t: Tensor) => t.astype('float64');
      const [o32, cache32] = c32.forward();
      const [o64, cache64] = c64.forward(widen(c32.x), Object.fromEntries(Object.entries(c32.params).map(([r, t]) => [r, widen(t as Tensor)])));
      expect(o32.dtype).toBe('float32');
      expect(scaledError(o32, o64)).toBeLessThan(1e-5);
      const d32 = randn(62, [...o32.shape], 1, 'float32');
      const grads = (params: LayerParams, dtype: 'float32' | 'float64') =>
        Object.fromEntries(Object.entries(params).map(([r, t]) => [r, zeros((t as Tensor).shape, dtype)]));
      const g32 = grads(c32.params, 'float32');
      const g64 = grads(c64.params, 'float64');
      const dx32 = kind.backward(d32, cache32, c32.params, { dx: zeros(c32.x.shape, 'float32'), needDx: true, grads: g32 }) as Tensor;
      const dx64 = kind.backward(widen(d32), cache64, c64.params, { dx: zeros(c32.x.shape), needDx: true, grads: g64 }) as Tensor;
      expect(scaledError(dx32, dx64)).toBeLessThan(1e-5);
      for (const r of Object.keys(g32)) expect(scaledError(g32[r], g64[r])).toBeLessThan(1e-5);
    }
  });

  test('the affine kernels on a CIFAR-sized batch', () => {
    const same = (seed: number, shape: number[]) => {
      const f32 = randn(seed, shape, 1, 'float32');
      return [f32, f32.astype('float64')] as const;
    };
    const [x32, x64] = same(61, [200, 3, 8, 8]);
    const [w32, w64] = same(62, [192, 50]);
    const [b32, b64] = same(63, [50]);
    const [d32, d64] = same(64, [200, 50]);
    for (const [forward, backward] of [
      [affineForward, affineBackward],
      [affineReluForward, affineReluBackward],
    ] as const) {
      const [o32, c32] = forward(x32, w32, b32);
      const [o64, c64] = forward(x64, w64, b64);
      expect(scaledError(o32, o64)).toBeLessThan(1e-5);
      const g32 = backward(d32, c32 as never);
      const g64 = backward(d64, c64 as never);
      g32.forEach((g, i) => expect(scaledError(g, g64[i])).toBeLessThan(1e-5));
    }
  });

  test('losses', () => {
    const f32 = randn(81, [200, 10], 1, 'float32');
    const x64 = f32.astype('float64');
    const y = labels(82, 200, 10);
    for (const loss of Object.values(LOSSES)) {
      const [l32, dx32] = loss.loss(f32, y, {});
      const [l64, dx64] = loss.loss(x64, y, {});
      expect(Math.abs(l32 - l64) / l64).toBeLessThan(1e-5);
      expect(scaledError(dx32, dx64)).toBeLessThan(1e-5);
    }
  });
});

describe('outputs the caller provides', () => {
  test('affine forward and backward write into the given tensors', () => {
    const x = randn(91, [4, 2, 3]);
    const w = randn(92, [6, 5]);
    const b = randn(93, [5]);
    const dout = randn(94, [4, 5]);
    const [fresh, cache] = affineForward(x, w, b);
    const [fdx, fdw, fdb] = affineBackward(dout, cache);
    const out = zeros([4, 5]);
    const dx = zeros([4, 2, 3]);
    const dw = zeros([6, 5]);
    const db = zeros([5]);
    const [o] = affineForward(x, w, b, { out });
    const [gx, gw, gb] = affineBackward(dout, cache, { dx, dw, db });
    expect(o).toBe(out);
    expect([gx, gw, gb]).toEqual([dx, dw, db]);
    expect(gx).toBe(dx);
    expect(Array.from(out.data)).toEqual(Array.from(fresh.data));
    expect(Array.from(dx.data)).toEqual(Array.from(fdx.data));
    expect(Array.from(dw.data)).toEqual(Array.from(fdw.data));
    expect(Array.from(db.data)).toEqual(Array.from(fdb.data));
  });

  test('activations run in place', () => {
    const x = fromArray([-1, 2, -3]);
    const [out, cache] = reluForward(x, { out: x });
    expect(out).toBe(x);
    expect(Array.from(x.data)).toEqual([0, 2, 0]);
    const dout = fromArray([5, 6, 7]);
    expect(Array.from(reluBackward(dout, cache, { dx: dout }).data)).toEqual([0, 6, 0]);
  });

  test('losses write dx into the given tensor', () => {
    const x = randn(95, [3, 4]);
    const dx = zeros([3, 4]);
    const [loss, g] = softmaxLoss(x, [0, 1, 2], { dx });
    expect(g).toBe(dx);
    expect(loss).toBe(softmaxLoss(x, [0, 1, 2])[0]);
  });

  test('a provided output must have the shape and dtype of the result', () => {
    const x = randn(96, [4, 6]);
    const w = randn(97, [6, 5]);
    const b = randn(98, [5]);
    expect(() => affineForward(x, w, b, { out: zeros([5, 4]) })).toThrow(RangeError);
    expect(() => affineForward(x, w, b, { out: zeros([5, 4]) })).toThrow(
      /^affineForward: options\.out has shape \[5, 4\] but the output has shape \[4, 5\]$/,
    );
    expect(() => affineForward(x, w, b, { out: zeros([4, 5], 'float32') })).toThrow(TypeError);
    expect(() => affineForward(x, w, b, { out: [1] as never })).toThrow(/Expected a Tensor for options\.out/);
    const [, cache] = affineForward(x, w, b);
    expect(() => affineBackward(zeros([4, 5]), cache, { dw: zeros([5, 6]) })).toThrow(/options\.dw has shape \[5, 6\]/);
    expect(() => affineBackward(zeros([4, 5]), cache, { dx: 'yes' as never })).toThrow(TypeError);
    expect(() => tanhBackward(zeros([4, 5]), zeros([4, 5]), { dx: zeros([5, 4]) })).toThrow(/options\.dx/);
    expect(() => svmLoss(x, [0, 1, 2, 3], { dx: zeros([4, 5]) })).toThrow(/options\.dx has shape \[4, 5\]/);
  });

  test('an output sharing memory with an input is refused, not silently wrong', () => {
    const x = randn(99, [4, 6]);
    const w = randn(100, [6, 6]);
    const b = randn(101, [6]);
    expect(() => affineForward(x, w, b, { out: x.reshape(4, 6) })).toThrow(/affineForward: out shares memory with x/);
  });
});
