/** Whole-tensor operations the models need around the layers, each one native call. */
import { native } from './native';
import { optionsArg, output } from './outputs';
import { Tensor } from './tensor';
import {
  booleanArg, formatShape, invalidType, ndimArg, nonEmptyTensorArg, numberArg, sameDtype, sameShape,
} from './validate';

export interface MatmulOptions {
  /** Use the transpose of a. */
  transA?: boolean;
  /** Use the transpose of b. */
  transB?: boolean;
  /** Tensor to write the product into. */
  out?: Tensor;
  /** Add the product to what `out` holds instead of overwriting it. */
  accumulate?: boolean;
}

/**
 * Matrix product op(a) op(b) through BLAS gemm, op being the transpose when asked.
 * @param a shape (M, K), or (K, M) with transA
 * @param b shape (K, N), or (N, K) with transB
 * @returns out, shape (M, N)
 */
export function matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor {
  const fn = 'matmul';
  const x = nonEmptyTensorArg(fn, 'a', a);
  const y = nonEmptyTensorArg(fn, 'b', b);
  sameDtype(fn, { a: x, b: y });
  ndimArg(fn, 'a', x, 2);
  ndimArg(fn, 'b', y, 2);
  const opts = optionsArg(fn, options);
  const transA = opts.transA === undefined ? false : booleanArg(fn, 'options.transA', opts.transA);
  const transB = opts.transB === undefined ? false : booleanArg(fn, 'options.transB', opts.transB);
  const accumulate = opts.accumulate === undefined ? false : booleanArg(fn, 'options.accumulate', opts.accumulate);
  const [m, k] = transA ? [x.shape[1], x.shape[0]] : x.shape;
  const [kb, n] = transB ? [y.shape[1], y.shape[0]] : y.shape;
  if (k !== kb) {
    throw new RangeError(
      `${fn}: op(a) has shape ${formatShape([m, k])} but op(b) has shape ${formatShape([kb, n])}; inner sizes differ`,
    );
  }
  if (accumulate && opts.out === undefined) throw new TypeError(`${fn}: options.accumulate needs options.out`);
  const out = output(fn, opts, 'out', [m, n], x.dtype);
  native().gemm(transA, transB, m, n, k, 1, x.data, y.data, accumulate ? 1 : 0, out.data);
  return out;
}

/** Sums of the columns of a (N, M) matrix: shape (M,). */
export function columnSums(a: Tensor, options?: { out?: Tensor }): Tensor {
  const fn = 'columnSums';
  const x = nonEmptyTensorArg(fn, 'a', a);
  ndimArg(fn, 'a', x, 2);
  const [n, m] = x.shape;
  const out = output(fn, optionsArg(fn, options), 'out', [m], x.dtype);
  native().columnSums(x.data, out.data, n, m);
  return out;
}

/** Sum of the squares of all elements (the squared Frobenius norm), accumulated in double. */
export function sumSquares(x: Tensor): number {
  return native().sumSquares(nonEmptyTensorArg('sumSquares', 'x', x).data);
}

/** y += alpha * x, in place; returns y. */
export function addScaled(y: Tensor, alpha: number, x: Tensor): Tensor {
  const fn = 'addScaled';
  const target = nonEmptyTensorArg(fn, 'y', y);
  const source = nonEmptyTensorArg(fn, 'x', x);
  sameDtype(fn, { y: target, x: source });
  sameShape(fn, 'x', source, 'y', target);
  native().axpy(numberArg(fn, 'alpha', alpha), source.data, target.data);
  return target;
}

/**
 * Index of the largest value of each row of a (N, C) matrix (the first on
 * ties), as np.argmax(axis=1): a NaN counts as the largest, so a row holding
 * one gives the first NaN's index.
 * @param options `out`: an Int32Array of N to write the indices into
 */
export function argmaxRows(scores: Tensor, options?: { out?: Int32Array }): Int32Array {
  const fn = 'argmaxRows';
  const s = nonEmptyTensorArg(fn, 'scores', scores);
  ndimArg(fn, 'scores', s, 2);
  const [n, c] = s.shape;
  const d = s.data;
  const given = optionsArg(fn, options).out;
  if (given !== undefined && !(given instanceof Int32Array && given.length === n)) {
    throw invalidType(fn, 'options.out', `an Int32Array of ${n} (one per row)`, given);
  }
  const out = given ?? new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let best = 0;
    // !(v <= max) holds for a larger v and for NaN; nothing replaces a NaN.
    for (let j = 1; j < c && !Number.isNaN(d[row + best]); j++) if (!(d[row + j] <= d[row + best])) best = j;
    out[i] = best;
  }
  return out;
}
