/** Affine (fully connected) layer, the reference's `affine_forward`/`affine_backward`. */
import { native } from '../native';
import { Tensor, zeros } from '../tensor';
import { booleanArg, formatShape, ndimArg, nonEmptyTensorArg, objectArg, sameDtype } from '../validate';

/** Exactly what affineBackward needs: the input and the weights. */
export interface AffineCache {
  /** Input, shape (N, d1, ..., dk). */
  readonly x: Tensor;
  /** Weights, shape (D, M), D = d1 * ... * dk. */
  readonly w: Tensor;
}

export interface BackwardOptions {
  /**
   * Whether to compute the gradient with respect to the input. The first layer
   * of a network does not need it; `false` saves a gemm and returns null.
   */
  dx?: boolean;
}

/** Sizes of an affine product: x flattened to (n, d), w (d, m). */
export interface AffineDims {
  n: number;
  d: number;
  m: number;
}

/** Checks x (N, d1, ..., dk) against w (D, M) and returns the flattened sizes. */
export function affineDims(fn: string, x: Tensor, w: Tensor): AffineDims {
  if (x.ndim < 1) throw new RangeError(`${fn}: x must have a batch dimension but has shape ${formatShape(x.shape)}`);
  ndimArg(fn, 'w', w, 2);
  const n = x.shape[0];
  const d = x.size / n;
  const [wd, m] = w.shape;
  if (wd !== d) {
    throw new RangeError(`${fn}: w has shape ${formatShape(w.shape)} but x flattens to ${formatShape([n, d])}`);
  }
  return { n, d, m };
}

/** Checks dout (N, M) against the dims and dtype of a forward pass. */
export function doutArg(fn: string, value: unknown, dims: AffineDims, x: Tensor): Tensor {
  const dout = nonEmptyTensorArg(fn, 'dout', value);
  sameDtype(fn, { 'cache.x': x, dout });
  if (dout.ndim !== 2 || dout.shape[0] !== dims.n || dout.shape[1] !== dims.m) {
    throw new RangeError(
      `${fn}: dout has shape ${formatShape(dout.shape)} but the forward output has shape ${formatShape([dims.n, dims.m])}`,
    );
  }
  return dout;
}

/** Checks the cache of an affine-family forward pass: tensors x and w. */
export function affineCacheArg(fn: string, value: unknown): { x: Tensor; w: Tensor; dims: AffineDims } {
  const cache = objectArg(fn, 'cache', value);
  const x = nonEmptyTensorArg(fn, 'cache.x', cache.x);
  const w = nonEmptyTensorArg(fn, 'cache.w', cache.w);
  sameDtype(fn, { 'cache.x': x, 'cache.w': w });
  return { x, w, dims: affineDims(fn, x, w) };
}

export function affineArgs(fn: string, xv: unknown, wv: unknown, bv: unknown): { x: Tensor; w: Tensor; b: Tensor; dims: AffineDims } {
  const x = nonEmptyTensorArg(fn, 'x', xv);
  const w = nonEmptyTensorArg(fn, 'w', wv);
  const b = nonEmptyTensorArg(fn, 'b', bv);
  sameDtype(fn, { x, w, b });
  const dims = affineDims(fn, x, w);
  if (b.ndim !== 1 || b.shape[0] !== dims.m) {
    throw new RangeError(`${fn}: b has shape ${formatShape(b.shape)} but w has shape ${formatShape(w.shape)}, so b must be [${dims.m}]`);
  }
  return { x, w, b, dims };
}

/**
 * Forward pass of an affine layer: out = x.reshape(N, D) w + b.
 *
 * @param x input, shape (N, d1, ..., dk); each example is flattened to D = d1 * ... * dk
 * @param w weights, shape (D, M)
 * @param b biases, shape (M,)
 * @returns [out (N, M), cache]
 */
export function affineForward(x: Tensor, w: Tensor, b: Tensor): [Tensor, AffineCache] {
  const args = affineArgs('affineForward', x, w, b);
  const { n, d, m } = args.dims;
  const out = zeros([n, m], args.x.dtype);
  native().affineForward(args.x.data, args.w.data, args.b.data, out.data, n, d, m);
  return [out, { x: args.x, w: args.w }];
}

/**
 * Backward pass of an affine layer.
 *
 * @param dout upstream derivative, shape (N, M)
 * @param cache from affineForward: x (N, d1, ..., dk), w (D, M)
 * @param options `{dx: false}` skips the input gradient (returned as null)
 * @returns [dx (N, d1, ..., dk), dw (D, M), db (M,)]
 */
export function affineBackward(dout: Tensor, cache: AffineCache): [Tensor, Tensor, Tensor];
export function affineBackward(dout: Tensor, cache: AffineCache, options: { dx: false }): [null, Tensor, Tensor];
export function affineBackward(dout: Tensor, cache: AffineCache, options?: BackwardOptions): [Tensor | null, Tensor, Tensor];
export function affineBackward(
  dout: Tensor,
  cache: AffineCache,
  options: BackwardOptions = {},
): [Tensor | null, Tensor, Tensor] {
  const fn = 'affineBackward';
  const { x, w, dims } = affineCacheArg(fn, cache);
  const g = doutArg(fn, dout, dims, x);
  const { n, d, m } = dims;
  const dx = wantDx(fn, options) ? zeros(x.shape, x.dtype) : null;
  const dw = zeros([d, m], x.dtype);
  const db = zeros([m], x.dtype);
  native().affineBackward(g.data, x.data, w.data, dx ? dx.data : null, dw.data, db.data, n, d, m);
  return [dx, dw, db];
}

/** Reads BackwardOptions.dx, true unless given as false. */
export function wantDx(fn: string, options: unknown): boolean {
  const { dx } = objectArg(fn, 'options', options);
  return dx === undefined ? true : booleanArg(fn, 'options.dx', dx);
}
