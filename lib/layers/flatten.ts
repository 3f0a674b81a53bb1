/**
 * Flattening (N, d1, ..., dk) feature maps to (N, d1 ... dk) rows, where a
 * model goes from convolutional layers to affine ones: a reshape of the same
 * data, no copy either way.
 */
import { Tensor, type Shape } from '../tensor';
import { formatShape, invalidType, nonEmptyTensorArg } from '../validate';

/**
 * Forward pass of flattening: each example's features in one row.
 * @param x input, shape (N, d1, ..., dk)
 * @returns [out (N, d1 ... dk), sharing x's data; cache = x's shape]
 */
export function flattenForward(x: Tensor): [Tensor, Shape] {
  const fn = 'flattenForward';
  const input = nonEmptyTensorArg(fn, 'x', x);
  if (input.ndim < 1) throw new RangeError(`${fn}: x must have a batch dimension but has shape ${formatShape(input.shape)}`);
  return [input.reshape(input.shape[0], input.size / input.shape[0]), input.shape];
}

/**
 * Backward pass of flattening: dout back in x's shape.
 * @param dout upstream derivative, shape (N, d1 ... dk)
 * @param cache x's shape, from flattenForward
 * @returns dx, dout's data in x's shape (N, d1, ..., dk)
 */
export function flattenBackward(dout: Tensor, cache: Shape): Tensor {
  const fn = 'flattenBackward';
  const g = nonEmptyTensorArg(fn, 'dout', dout);
  if (!Array.isArray(cache) || cache.length < 1 || !cache.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw invalidType(fn, 'cache', 'the shape flattenForward returned', cache);
  }
  const rows = cache[0];
  const expected = [rows, cache.reduce((a: number, b: number) => a * b, 1) / rows];
  if (g.ndim !== 2 || g.shape[0] !== expected[0] || g.shape[1] !== expected[1]) {
    throw new RangeError(`${fn}: dout has shape ${formatShape(g.shape)} but the forward output has shape ${formatShape(expected)}`);
  }
  return g.reshape(...cache);
}
