/**
 * Symmetric matrix algebra through LAPACK (OpenBLAS's): Cholesky
 * factorization and solves for positive definite systems, so models never
 * form an explicit inverse, and the symmetric eigendecomposition (PCA).
 */
import { native } from './native';
import { optionsArg, output } from './outputs';
import { Tensor, zeros } from './tensor';
import { formatShape, ndimArg, nonEmptyTensorArg, sameDtype } from './validate';

function squareArg(fn: string, name: string, value: unknown): Tensor {
  const a = nonEmptyTensorArg(fn, name, value);
  ndimArg(fn, name, a, 2);
  if (a.shape[0] !== a.shape[1]) throw new RangeError(`${fn}: Expected a square matrix for ${name} but received shape ${formatShape(a.shape)}`);
  return a;
}

/**
 * Lower Cholesky factor L of a symmetric positive definite matrix (a = L L^T).
 * Only the lower triangle of `a` is read.
 * @param a (n, n)
 * @returns L (n, n), zero above the diagonal
 * @throws RangeError when a is not positive definite, naming the failing leading minor
 */
export function cholesky(a: Tensor, name = 'a'): Tensor {
  const fn = 'cholesky';
  const m = squareArg(fn, name, a);
  const l = m.clone();
  const minor = native().cholesky(l.data, m.shape[0]);
  if (minor !== 0) {
    throw new RangeError(`${fn}: ${name} is not positive definite (its leading ${minor} x ${minor} minor is not)`);
  }
  return l;
}

/**
 * Solves (L L^T) x = b given the Cholesky factor L of cholesky().
 * @param l (n, n)
 * @param b (n, m), or (n,) for one right-hand side
 * @param options `out`: a tensor of b's shape to write x into (b itself works)
 */
export function choleskySolve(l: Tensor, b: Tensor, options?: { out?: Tensor }): Tensor {
  const fn = 'choleskySolve';
  const factor = squareArg(fn, 'l', l);
  const rhs = nonEmptyTensorArg(fn, 'b', b);
  sameDtype(fn, { l: factor, b: rhs });
  const n = factor.shape[0];
  if (rhs.shape[0] !== n || rhs.ndim > 2) {
    throw new RangeError(`${fn}: b has shape ${formatShape(rhs.shape)} but l is ${n} x ${n}`);
  }
  const out = output(fn, optionsArg(fn, options), 'out', rhs.shape, rhs.dtype);
  if (out.data !== rhs.data) out.data.set(rhs.data);
  native().choleskySolve(factor.data, out.data, n, rhs.size / n);
  return out;
}

/** log det(a) from its Cholesky factor: 2 * sum(log(diag(L))). */
export function logDetFromCholesky(l: Tensor): number {
  const factor = squareArg('logDetFromCholesky', 'l', l);
  const n = factor.shape[0];
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(factor.data[i * n + i]);
  return 2 * s;
}

/**
 * Eigendecomposition of a symmetric matrix, as numpy.linalg.eigh: eigenvalues
 * ascending, eigenvectors as the columns of `vectors`. Only the lower triangle is read.
 * @param a (n, n)
 */
export function eigh(a: Tensor): { values: Tensor; vectors: Tensor } {
  const fn = 'eigh';
  const m = squareArg(fn, 'a', a);
  const n = m.shape[0];
  const rows = m.clone();
  const values = zeros([n], m.dtype);
  native().symmetricEigen(rows.data, values.data, n);
  // LAPACK leaves eigenvector i in row i of the row-major buffer; numpy puts it in column i.
  const vectors = zeros([n, n], m.dtype);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vectors.data[j * n + i] = rows.data[i * n + j];
  return { values, vectors };
}
