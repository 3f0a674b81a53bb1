/** Layers that are commonly used together, fused in one native call each. */
import { affineArgs, affineCacheArg, doutArg, wantDx, type BackwardOptions } from './layers/affine';
import { native } from './native';
import { Tensor, zeros } from './tensor';
import { nonEmptyTensorArg, sameDtype, sameShape } from './validate';

/**
 * What affineReluBackward needs. The output stands in for the pre-activation:
 * out > 0 exactly where x w + b > 0.
 */
export interface AffineReluCache {
  /** Input, shape (N, d1, ..., dk). */
  readonly x: Tensor;
  /** Weights, shape (D, M). */
  readonly w: Tensor;
  /** Output of the forward pass, shape (N, M). */
  readonly out: Tensor;
}

/**
 * Affine layer followed by a ReLU: out = max(0, x.reshape(N, D) w + b).
 * @param x input, shape (N, d1, ..., dk)
 * @param w weights, shape (D, M)
 * @param b biases, shape (M,)
 * @returns [out (N, M), cache]
 */
export function affineReluForward(x: Tensor, w: Tensor, b: Tensor): [Tensor, AffineReluCache] {
  const args = affineArgs('affineReluForward', x, w, b);
  const { n, d, m } = args.dims;
  const out = zeros([n, m], args.x.dtype);
  native().affineReluForward(args.x.data, args.w.data, args.b.data, out.data, n, d, m);
  return [out, { x: args.x, w: args.w, out }];
}

/**
 * Backward pass of affineReluForward.
 * @param dout upstream derivative, shape (N, M)
 * @param cache from affineReluForward
 * @param options `{dx: false}` skips the input gradient (returned as null)
 * @returns [dx (N, d1, ..., dk), dw (D, M), db (M,)]
 */
export function affineReluBackward(dout: Tensor, cache: AffineReluCache): [Tensor, Tensor, Tensor];
export function affineReluBackward(dout: Tensor, cache: AffineReluCache, options: { dx: false }): [null, Tensor, Tensor];
export function affineReluBackward(dout: Tensor, cache: AffineReluCache, options?: BackwardOptions): [Tensor | null, Tensor, Tensor];
export function affineReluBackward(
  dout: Tensor,
  cache: AffineReluCache,
  options: BackwardOptions = {},
): [Tensor | null, Tensor, Tensor] {
  const fn = 'affineReluBackward';
  const { x, w, dims } = affineCacheArg(fn, cache);
  const g = doutArg(fn, dout, dims, x);
  const out = nonEmptyTensorArg(fn, 'cache.out', cache.out);
  sameDtype(fn, { 'cache.out': out, 'cache.x': x });
  sameShape(fn, 'cache.out', out, 'dout', g);
  const { n, d, m } = dims;
  const dx = wantDx(fn, options) ? zeros(x.shape, x.dtype) : null;
  const dw = zeros([d, m], x.dtype);
  const db = zeros([m], x.dtype);
  native().affineReluBackward(g.data, x.data, w.data, out.data, dx ? dx.data : null, dw.data, db.data, n, d, m);
  return [dx, dw, db];
}
