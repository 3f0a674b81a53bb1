import { evalNumericalGradient, evalNumericalGradientArray, relError } from '../lib/gradient-check';
import { Tensor, fromArray } from '../lib/tensor';

describe('evalNumericalGradient', () => {
  test('gradient of sum(x^3) is 3x^2, and x is restored', () => {
    const x = fromArray([[1, -2], [0.5, 3]]);
    const f = (t: Tensor) => Array.from(t.data).reduce((s, v) => s + v ** 3, 0);
    const grad = evalNumericalGradient(f, x, { verbose: false });
    expect(relError(grad, fromArray([[3, 12], [0.75, 27]]))).toBeLessThan(1e-9);
    expect(x.toArray()).toEqual([[1, -2], [0.5, 3]]);
  });

  test('verbose prints each index and its gradient, as the reference does', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      evalNumericalGradient((t) => t.data[0] * 2 + t.data[1], fromArray([[1, 2]]));
      expect(log).toHaveBeenCalledTimes(2);
      expect(log.mock.calls[0][0]).toEqual([0, 0]);
      expect(log.mock.calls[1][0]).toEqual([0, 1]);
      expect(log.mock.calls[0][1]).toBeCloseTo(2, 8);
    } finally {
      log.mockRestore();
    }
  });

  test('h is the step', () => {
    // For f = x^2 at 1, the centered difference is exact whatever h: 2.
    const g = evalNumericalGradient((t) => t.data[0] ** 2, fromArray([1]), { h: 0.5, verbose: false });
    expect(g.data[0]).toBe(2);
    // For f = x^3 at 0 it is h^2.
    const c = evalNumericalGradient((t) => t.data[0] ** 3, fromArray([0]), { h: 0.5, verbose: false });
    expect(c.data[0]).toBe(0.25);
  });

  test('bad arguments', () => {
    expect(() => evalNumericalGradient(5 as never, fromArray([1]))).toThrow(TypeError);
    expect(() => evalNumericalGradient(() => 0, [1] as never)).toThrow(/x/);
    expect(() => evalNumericalGradient(() => 0, fromArray([1]), { h: -1 })).toThrow(RangeError);
    expect(() => evalNumericalGradient(() => 0, fromArray([1]), { h: -1 })).toThrow(/options\.h/);
  });
});

describe('evalNumericalGradientArray', () => {
  test('contracts the Jacobian with dout', () => {
    // f(x) = [x0 * x1, x0 + x1]; J = [[x1, x0], [1, 1]]; grad = J^T dout.
    const x = fromArray([2, 3]);
    const f = (t: Tensor) => fromArray([t.data[0] * t.data[1], t.data[0] + t.data[1]]);
    const grad = evalNumericalGradientArray(f, x, fromArray([1, 10]));
    expect(relError(grad, fromArray([3 + 10, 2 + 10]))).toBeLessThan(1e-9);
  });

  test('f(x) must have the shape of dout', () => {
    expect(() => evalNumericalGradientArray((t) => t, fromArray([1, 2]), fromArray([1]))).toThrow(RangeError);
  });
});

describe('relError', () => {
  test('is max |a-b| / max(1e-8, |a|+|b|)', () => {
    expect(relError(fromArray([1, 2]), fromArray([1, 2]))).toBe(0);
    expect(relError([1, 3], [1, 1])).toBe(0.5);
    expect(relError(0, 1e-12)).toBeCloseTo(1e-4, 12);
    expect(relError(fromArray([1, NaN]), fromArray([1, 1]))).toBeNaN();
  });

  test('compares float32 with float64', () => {
    const a = fromArray([0.1], 'float32');
    expect(relError(a, fromArray([0.1]))).toBeLessThan(1e-7);
  });

  test('sizes must agree', () => {
    expect(() => relError([1, 2], [1])).toThrow(RangeError);
    expect(() => relError(fromArray([[1, 2]]), fromArray([1, 2]))).toThrow(/shape/);
    expect(() => relError('a' as never, [1])).toThrow(TypeError);
  });
});

describe('evalNumericalGradientArray of a function returning a view of x', () => {
  test('a reshape: the gradient is dout, reshaped', () => {
    const x = fromArray([[1, 2], [3, 4]]);
    const dout = fromArray([5, 6, 7, 8]);
    const grad = evalNumericalGradientArray((t) => t.reshape(4), x, dout);
    expect(relError(grad, fromArray([[5, 6], [7, 8]]))).toBeLessThan(1e-9);
  });
});
