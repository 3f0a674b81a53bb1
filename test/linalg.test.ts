import { cholesky, choleskySolve, eigh, logDetFromCholesky } from '../lib/linalg';
import { matmul } from '../lib/ops';
import { fromArray, zeros } from '../lib/tensor';
import { relError } from '../lib/gradient-check';
import { randn } from './helpers';

test('cholesky, solve and log-determinant of a positive definite matrix', () => {
  const a = fromArray([[4, 2], [2, 3]]);
  const l = cholesky(a);
  expect(l.toArray()).toEqual([[2, 0], [1, Math.SQRT2]]);
  expect(relError(matmul(l, l, { transB: true }), a)).toBeLessThan(1e-15);
  const x = choleskySolve(l, fromArray([[1, 2], [3, 4]]));
  expect(relError(x, fromArray([[-0.375, -0.25], [1.25, 1.5]]))).toBeLessThan(1e-14);
  expect(logDetFromCholesky(l)).toBeCloseTo(Math.log(8), 14);
  const v = choleskySolve(l, fromArray([1, 3]));
  expect(v.shape).toEqual([2]);
  expect(relError(v, fromArray([-0.375, 1.25]))).toBeLessThan(1e-14);
});

test('solves on a larger random system, float32 and float64', () => {
  const g = randn(1, [30, 30]);
  const a = matmul(g, g, { transB: true });
  for (let i = 0; i < 30; i++) a.data[i * 30 + i] += 30;
  const b = randn(2, [30, 4]);
  for (const dtype of ['float64', 'float32'] as const) {
    const x = choleskySolve(cholesky(a.astype(dtype)), b.astype(dtype));
    const ax = matmul(a.astype(dtype), x);
    // Residual relative to b's scale (entries of b near zero make elementwise errors meaningless in float32).
    const scale = Math.max(...Array.from(b.data, Math.abs));
    const residual = Math.max(...Array.from(ax.data, (v, i) => Math.abs(v - b.data[i])));
    expect(residual / scale).toBeLessThan(dtype === 'float64' ? 1e-12 : 1e-5);
  }
});

test('eigh gives ascending eigenvalues and eigenvectors as columns, as numpy', () => {
  const { values, vectors } = eigh(fromArray([[2, 1], [1, 2]]));
  expect(Array.from(values.data).map((v) => +v.toFixed(12))).toEqual([1, 3]);
  const av = matmul(fromArray([[2, 1], [1, 2]]), vectors);
  for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) expect(av.data[i * 2 + j]).toBeCloseTo(values.data[j] * vectors.data[i * 2 + j], 12);
});

test('a matrix that is not positive definite is refused, saying so', () => {
  expect(() => cholesky(fromArray([[1, 2], [2, 1]]))).toThrow(RangeError);
  expect(() => cholesky(fromArray([[1, 2], [2, 1]]), 'K')).toThrow(/^cholesky: K is not positive definite \(its leading 2 x 2 minor is not\)$/);
});

test('bad input', () => {
  expect(() => cholesky(zeros([2, 3]))).toThrow(/Expected a square matrix for a but received shape \[2, 3\]/);
  expect(() => cholesky([[1]] as never)).toThrow(TypeError);
  const l = cholesky(fromArray([[4, 2], [2, 3]]));
  expect(() => choleskySolve(l, zeros([3, 1]))).toThrow(/b has shape \[3, 1\] but l is 2 x 2/);
  expect(() => choleskySolve(l, zeros([2], 'float32'))).toThrow(TypeError);
  expect(() => eigh(zeros([0, 0]))).toThrow(RangeError);
});
