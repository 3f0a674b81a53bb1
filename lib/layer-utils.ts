/** Layers that are commonly used together, fused in one native call each. */
import { affineArgs, affineBackwardArgs, affineGrads, sgdStepArgs } from './layers/affine';
import {
  convArgs, convBackwardArgs, convCacheArgs, convGrads, doutArg, nativeConvDims, type ConvCache, type ConvDims, type ConvParam,
} from './layers/conv';
import { argmaxOf, pooledDims, poolParamArg, rememberArgmax, type PoolParam } from './layers/pool';
import { native } from './native';
import { optionsArg, output, type ForwardOptions, type ParamBackwardOptions, type SgdStepOptions } from './outputs';
import { Tensor } from './tensor';
import { nonEmptyTensorArg, objectArg, sameDtype, sameShape } from './validate';

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
 * @param options `out`: a (N, M) tensor to write into instead of a new one
 * @returns [out (N, M), cache]
 */
export function affineReluForward(x: Tensor, w: Tensor, b: Tensor, options?: ForwardOptions): [Tensor, AffineReluCache] {
  const fn = 'affineReluForward';
  const args = affineArgs(fn, x, w, b);
  const { n, d, m } = args.dims;
  const out = output(fn, optionsArg(fn, options), 'out', [n, m], args.x.dtype);
  native().affineReluForward(args.x.data, args.w.data, args.b.data, out.data, n, d, m);
  return [out, { x: args.x, w: args.w, out }];
}

/** Checks dout and an affine-ReLU cache. */
function affineReluBackwardArgs(fn: string, dout: unknown, cache: unknown): { args: ReturnType<typeof affineBackwardArgs>; out: Tensor } {
  const args = affineBackwardArgs(fn, dout, cache);
  const out = nonEmptyTensorArg(fn, 'cache.out', (cache as { out?: unknown }).out);
  sameDtype(fn, { 'cache.x': args.x, 'cache.out': out });
  sameShape(fn, 'cache.out', out, 'dout', args.dout);
  return { args, out };
}

/**
 * Backward pass of affineReluForward.
 * @param dout upstream derivative, shape (N, M)
 * @param cache from affineReluForward
 * @param options `dx: false` skips the input gradient (returned as null);
 *   `dx`, `dw`, `db` tensors receive the gradients instead of new ones
 * @returns [dx (N, d1, ..., dk), dw (D, M), db (M,)]
 */
export function affineReluBackward(dout: Tensor, cache: AffineReluCache, options?: ParamBackwardOptions & { dx?: true | Tensor }): [Tensor, Tensor, Tensor];
export function affineReluBackward(dout: Tensor, cache: AffineReluCache, options: ParamBackwardOptions & { dx: false }): [null, Tensor, Tensor];
export function affineReluBackward(dout: Tensor, cache: AffineReluCache, options?: ParamBackwardOptions): [Tensor | null, Tensor, Tensor];
export function affineReluBackward(
  dout: Tensor,
  cache: AffineReluCache,
  options?: ParamBackwardOptions,
): [Tensor | null, Tensor, Tensor] {
  const fn = 'affineReluBackward';
  const { args, out } = affineReluBackwardArgs(fn, dout, cache);
  const { n, d, m } = args.dims;
  const { dx, dw, db } = affineGrads(fn, options, args.x, args.dims);
  native().affineReluBackward(
    args.dout.data, args.x.data, args.w.data, out.data, dx ? dx.data : null, dw.data, db.data, n, d, m,
  );
  return [dx, dw, db];
}

/**
 * Backward pass of affineReluForward fused with a plain SGD step on w and b
 * (see affineBackwardSgd).
 * @param dout upstream derivative, shape (N, M)
 * @param cache from affineReluForward; its w is updated in place
 * @param b biases (M,), updated in place
 * @param options `learningRate`, `reg` (default 0); `dx` as in affineReluBackward
 * @returns dx (N, d1, ..., dk), computed with w before the step; null when skipped
 */
export function affineReluBackwardSgd(dout: Tensor, cache: AffineReluCache, b: Tensor, options: SgdStepOptions): Tensor | null {
  const fn = 'affineReluBackwardSgd';
  const { args, out } = affineReluBackwardArgs(fn, dout, cache);
  const { n, d, m } = args.dims;
  const step = sgdStepArgs(fn, options, b, args.x, args.dims);
  native().affineReluBackwardSgd(
    args.dout.data, args.x.data, args.w.data, step.b.data, out.data, step.dx ? step.dx.data : null, n, d, m,
    step.learningRate, step.reg,
  );
  return step.dx;
}

/**
 * What convReluBackward needs. As for affine-ReLU, the output stands in for
 * the pre-activation: out > 0 exactly where conv(x, w) + b > 0.
 */
export interface ConvReluCache extends ConvCache {
  /** Output of the forward pass, shape (N, F, H', W'). */
  readonly out: Tensor;
}

/**
 * Convolution followed by a ReLU: out = max(0, conv(x, w) + b), the ReLU
 * applied as each chunk of the convolution is written.
 * @param x input, shape (N, C, H, W)
 * @param w filters, shape (F, C, HH, WW)
 * @param b biases, shape (F,)
 * @param convParam `stride` and `pad`, as convForward
 * @param options `out`: a (N, F, H', W') tensor to write into instead of a new one
 * @returns [out (N, F, H', W'), cache]
 */
export function convReluForward(x: Tensor, w: Tensor, b: Tensor, convParam: ConvParam, options?: ForwardOptions): [Tensor, ConvReluCache] {
  const fn = 'convReluForward';
  const args = convArgs(fn, x, w, b, convParam);
  const d = args.dims;
  const out = output(fn, optionsArg(fn, options), 'out', [d.n, d.f, d.ho, d.wo], args.x.dtype);
  native().convReluForward(args.x.data, args.w.data, args.b.data, out.data, ...nativeConvDims(d));
  return [out, { x: args.x, w: args.w, convParam: args.param, out }];
}

/**
 * Backward pass of convReluForward.
 * @param dout upstream derivative, shape (N, F, H', W')
 * @param cache from convReluForward
 * @param options `dx: false` skips the input gradient (returned as null);
 *   `dx`, `dw`, `db` tensors receive the gradients instead of new ones
 * @returns [dx (N, C, H, W), dw (F, C, HH, WW), db (F,)]
 */
export function convReluBackward(dout: Tensor, cache: ConvReluCache, options?: ParamBackwardOptions & { dx?: true | Tensor }): [Tensor, Tensor, Tensor];
export function convReluBackward(dout: Tensor, cache: ConvReluCache, options: ParamBackwardOptions & { dx: false }): [null, Tensor, Tensor];
export function convReluBackward(dout: Tensor, cache: ConvReluCache, options?: ParamBackwardOptions): [Tensor | null, Tensor, Tensor];
export function convReluBackward(dout: Tensor, cache: ConvReluCache, options?: ParamBackwardOptions): [Tensor | null, Tensor, Tensor] {
  const fn = 'convReluBackward';
  const args = convBackwardArgs(fn, dout, cache);
  const out = nonEmptyTensorArg(fn, 'cache.out', (cache as { out?: unknown }).out);
  sameDtype(fn, { 'cache.x': args.x, 'cache.out': out });
  sameShape(fn, 'cache.out', out, 'dout', args.dout);
  const { dx, dw, db } = convGrads(fn, options, args.x, args.w);
  native().convReluBackward(
    args.dout.data, args.x.data, args.w.data, out.data, dx ? dx.data : null, dw.data, db.data, ...nativeConvDims(args.dims),
  );
  return [dx, dw, db];
}

/**
 * What convReluPoolBackward needs: the convolution's input and filters, the
 * pooled output, and (held privately, as maxPoolForward does) the argmax
 * offsets of the pool within each H' x W' map of the convolution. The
 * convolution's own output is never kept: backward needs only where each
 * window's maximum was and whether it was positive.
 */
export interface ConvReluPoolCache extends ConvCache {
  readonly poolParam: Readonly<PoolParam>;
  /** Output of the forward pass, shape (N, F, H'', W''). */
  readonly out: Tensor;
}

function convReluPoolDims(fn: string, d: ConvDims, poolParam: unknown): { pool: Readonly<PoolParam>; hp: number; wp: number } {
  const pool = poolParamArg(fn, poolParam);
  const [hp, wp] = pooledDims(fn, d.ho, d.wo, pool, ["H'", "W'"]);
  return { pool, hp, wp };
}

/**
 * Convolution, ReLU and max pooling, the course's conv_relu_pool_forward, in
 * one pass: each chunk's convolution is pooled while it is in cache, and the
 * (N, F, H', W') activation is never written whole. The same values as
 * maxPoolForward(reluForward(convForward(...))).
 * @param x input, shape (N, C, H, W)
 * @param w filters, shape (F, C, HH, WW)
 * @param b biases, shape (F,)
 * @param convParam `stride` and `pad`, as convForward
 * @param poolParam `poolHeight`, `poolWidth`, `stride`, as maxPoolForward, over the H' x W' maps
 * @param options `out`: a (N, F, H'', W'') tensor to write into instead of a new one
 * @returns [out (N, F, H'', W''), cache], H'' = 1 + (H' - poolHeight) / stride, likewise W''
 */
export function convReluPoolForward(
  x: Tensor, w: Tensor, b: Tensor, convParam: ConvParam, poolParam: PoolParam, options?: ForwardOptions,
): [Tensor, ConvReluPoolCache] {
  const fn = 'convReluPoolForward';
  const args = convArgs(fn, x, w, b, convParam);
  const d = args.dims;
  const { pool, hp, wp } = convReluPoolDims(fn, d, poolParam);
  const out = output(fn, optionsArg(fn, options), 'out', [d.n, d.f, hp, wp], args.x.dtype);
  const argmax = new Int32Array(out.size);
  native().convReluPoolForward(
    args.x.data, args.w.data, args.b.data, out.data, argmax, ...nativeConvDims(d), pool.poolHeight, pool.poolWidth, pool.stride,
  );
  const cache = Object.freeze({ x: args.x, w: args.w, convParam: args.param, poolParam: pool, out });
  return [out, rememberArgmax(cache, argmax)];
}

/**
 * Backward pass of convReluPoolForward: each dout goes to the position its
 * window took where the pooled output is positive, then back through the
 * convolution.
 * @param dout upstream derivative, shape (N, F, H'', W'')
 * @param cache from convReluPoolForward (that very object)
 * @param options `dx: false` skips the input gradient (returned as null);
 *   `dx`, `dw`, `db` tensors receive the gradients instead of new ones
 * @returns [dx (N, C, H, W), dw (F, C, HH, WW), db (F,)]
 */
export function convReluPoolBackward(dout: Tensor, cache: ConvReluPoolCache, options?: ParamBackwardOptions & { dx?: true | Tensor }): [Tensor, Tensor, Tensor];
export function convReluPoolBackward(dout: Tensor, cache: ConvReluPoolCache, options: ParamBackwardOptions & { dx: false }): [null, Tensor, Tensor];
export function convReluPoolBackward(dout: Tensor, cache: ConvReluPoolCache, options?: ParamBackwardOptions): [Tensor | null, Tensor, Tensor];
export function convReluPoolBackward(dout: Tensor, cache: ConvReluPoolCache, options?: ParamBackwardOptions): [Tensor | null, Tensor, Tensor] {
  const fn = 'convReluPoolBackward';
  const c = objectArg(fn, 'cache', cache);
  const argmax = argmaxOf(fn, 'cache', c, 'convReluPoolForward');
  const { x, w, dims } = convCacheArgs(fn, c);
  const { pool, hp, wp } = convReluPoolDims(fn, dims, c.poolParam);
  const g = doutArg(fn, dout, x, [dims.n, dims.f, hp, wp]);
  const out = nonEmptyTensorArg(fn, 'cache.out', c.out);
  sameDtype(fn, { 'cache.x': x, 'cache.out': out });
  sameShape(fn, 'cache.out', out, 'dout', g);
  const { dx, dw, db } = convGrads(fn, options, x, w);
  native().convReluPoolBackward(
    g.data, x.data, w.data, out.data, argmax, dx ? dx.data : null, dw.data, db.data,
    ...nativeConvDims(dims), pool.poolHeight, pool.poolWidth, pool.stride,
  );
  return [dx, dw, db];
}
