import { evalNumericalGradient, evalNumericalGradientArray, relError } from '../lib/gradient-check';
import {
  leakyReluBackward, leakyReluForward, reluBackward, reluForward, sigmoidBackward, sigmoidForward,
  tanhBackward, tanhForward,
} from '../lib/layers/activations';
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

describe('numerical gradient checks, float64', () => {
  const affineShapes: [string, number[], number][] = [
    ['2-d input', [5, 7], 4],
    ['3-d input', [10, 2, 3], 5],
    ['4-d input', [3, 2, 2, 3], 6],
    ['one example', [1, 8], 3],
  ];

  test.each(affineShapes)('affine backward, %s', (_, xShape, m) => {
    const d = xShape.slice(1).reduce((a, b) => a * b, 1);
    const x = randn(1, xShape);
    const w = randn(2, [d, m]);
    const b = randn(3, [m]);
    const dout = randn(4, [xShape[0], m]);
    const [, cache] = affineForward(x, w, b);
    const [dx, dw, db] = affineBackward(dout, cache);
    expect(dx.shape).toEqual(xShape);
    expect(relError(evalNumericalGradientArray((v) => affineForward(v, w, b)[0], x, dout), dx)).toBeLessThan(GRAD_TOL);
    expect(relError(evalNumericalGradientArray((v) => affineForward(x, v, b)[0], w, dout), dw)).toBeLessThan(GRAD_TOL);
    expect(relError(evalNumericalGradientArray((v) => affineForward(x, w, v)[0], b, dout), db)).toBeLessThan(GRAD_TOL);
  });

  test.each(affineShapes)('affine-relu backward, %s', (_, xShape, m) => {
    const d = xShape.slice(1).reduce((a, b) => a * b, 1);
    const x = randn(11, xShape);
    const w = randn(12, [d, m]);
    const b = randn(13, [m]);
    const dout = randn(14, [xShape[0], m]);
    const [, cache] = affineReluForward(x, w, b);
    const [dx, dw, db] = affineReluBackward(dout, cache);
    const f = (xv: Tensor, wv: Tensor, bv: Tensor) => affineReluForward(xv, wv, bv)[0];
    expect(relError(evalNumericalGradientArray((v) => f(v, w, b), x, dout), dx)).toBeLessThan(GRAD_TOL);
    expect(relError(evalNumericalGradientArray((v) => f(x, v, b), w, dout), dw)).toBeLessThan(GRAD_TOL);
    expect(relError(evalNumericalGradientArray((v) => f(x, w, v), b, dout), db)).toBeLessThan(GRAD_TOL);
  });

  const elementwise: [string, (x: Tensor) => [Tensor, unknown], (d: Tensor, c: never) => Tensor][] = [
    ['relu', reluForward, reluBackward],
    ['leaky relu', (x) => leakyReluForward(x, 0.1), leakyReluBackward],
    ['sigmoid', sigmoidForward, sigmoidBackward],
    ['tanh', tanhForward, tanhBackward],
  ];
  const shapes = [[10, 10], [3, 4, 5], [7]];

  describe.each(elementwise)('%s', (_, forward, backward) => {
    test.each(shapes.map((s) => [s]))('shape %j', (shape) => {
      const x = randn(21, shape);
      const dout = randn(22, shape);
      const [out, cache] = forward(x);
      expect(out.shape).toEqual(shape);
      const dx = backward(dout, cache as never);
      expect(relError(evalNumericalGradientArray((v) => forward(v)[0], x, dout), dx)).toBeLessThan(GRAD_TOL);
    });
  });

  // Scores of the notebook's scale for the large batch: the loss is a mean, so
  // with unit scores some entries of dx fall to 1e-6 and the centered
  // difference itself, not the kernel, misses the tolerance.
  test.each([[50, 10, 0.001], [4, 3, 1], [1, 7, 1]])('softmax loss, N=%i C=%i scale %f', (n, c, scale) => {
    const x = randn(31, [n, c], scale);
    const y = labels(32, n, c);
    const [, dx] = softmaxLoss(x, y);
    const dxNum = evalNumericalGradient((s) => softmaxLoss(s, y)[0], x, { verbose: false });
    expect(relError(dxNum, dx)).toBeLessThan(GRAD_TOL);
  });

  test.each([[50, 10], [4, 3], [1, 7]])('svm loss, N=%i C=%i', (n, c) => {
    const x = randn(41, [n, c]);
    const y = labels(42, n, c);
    const [, dx] = svmLoss(x, y);
    const dxNum = evalNumericalGradient((s) => svmLoss(s, y)[0], x, { verbose: false });
    expect(relError(dxNum, dx)).toBeLessThan(GRAD_TOL);
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

describe('float32 kernels agree with float64 within 1e-5 of scale', () => {
  // Inputs are drawn in float32 and widened, so both precisions see the same values.
  const same = (seed: number, shape: number[]) => {
    const f32 = randn(seed, shape, 1, 'float32');
    return [f32, f32.astype('float64')] as const;
  };

  test('affine forward and backward, affine-relu forward and backward', () => {
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
      expect(o32.dtype).toBe('float32');
      expect(scaledError(o32, o64)).toBeLessThan(1e-5);
      const g32 = backward(d32, c32 as never);
      const g64 = backward(d64, c64 as never);
      g32.forEach((g, i) => expect(scaledError(g, g64[i])).toBeLessThan(1e-5));
    }
  });

  test('activations', () => {
    const [x32, x64] = same(71, [40, 30]);
    const [d32, d64] = same(72, [40, 30]);
    for (const [forward, backward] of [
      [reluForward, reluBackward],
      [(x: Tensor) => leakyReluForward(x, 0.2), leakyReluBackward],
      [sigmoidForward, sigmoidBackward],
      [tanhForward, tanhBackward],
    ] as const) {
      const [o32, c32] = forward(x32);
      const [o64, c64] = forward(x64);
      expect(scaledError(o32, o64)).toBeLessThan(1e-5);
      expect(scaledError(backward(d32, c32 as never), backward(d64, c64 as never))).toBeLessThan(1e-5);
    }
  });

  test('losses', () => {
    const [x32, x64] = same(81, [200, 10]);
    const y = labels(82, 200, 10);
    for (const loss of [softmaxLoss, svmLoss]) {
      const [l32, dx32] = loss(x32, y);
      const [l64, dx64] = loss(x64, y);
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
