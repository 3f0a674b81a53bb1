/** Affine (fully connected) layer, the reference's `affine_forward`/`affine_backward`. */
import { native } from '../native';
import {
  dxOutput, optionsArg, output, type ForwardOptions, type ParamBackwardOptions, type SgdStepOptions,
} from '../outputs';
import { Tensor } from '../tensor';
import {
  formatShape, ndimArg, nonEmptyTensorArg, nonNegativeNumberArg, objectArg, sameDtype,
} from '../validate';

/** Exactly what affineBackward needs: the input and the weights. */
export interface AffineCache {
  /** Input, shape (N, d1, ..., dk). */
  readonly x: Tensor;
  /** Weights, shape (D, M), D = d1 * ... * dk. */
  readonly w: Tensor;
}

/** Sizes of an affine product: x flattened to (n, d), w (d, m). */
export interface AffineDims {
  n: number;
  d: number;
  m: number;
}

/** Checks x (N, d1, ..., dk) against w (D, M) and returns the flattened sizes. */
function affineDims(fn: string, x: Tensor, w: Tensor): AffineDims {
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

/** Checks the inputs of an affine-family forward pass. */
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

/** Checks dout and the cache of an affine-family forward pass (tensors x and w). */
export function affineBackwardArgs(fn: string, doutv: unknown, cachev: unknown): { dout: Tensor; x: Tensor; w: Tensor; dims: AffineDims } {
  const cache = objectArg(fn, 'cache', cachev);
  const x = nonEmptyTensorArg(fn, 'cache.x', cache.x);
  const w = nonEmptyTensorArg(fn, 'cache.w', cache.w);
  sameDtype(fn, { 'cache.x': x, 'cache.w': w });
  const dims = affineDims(fn, x, w);
  const dout = nonEmptyTensorArg(fn, 'dout', doutv);
  sameDtype(fn, { 'cache.x': x, dout });
  if (dout.ndim !== 2 || dout.shape[0] !== dims.n || dout.shape[1] !== dims.m) {
    throw new RangeError(
      `${fn}: dout has shape ${formatShape(dout.shape)} but the forward output has shape ${formatShape([dims.n, dims.m])}`,
    );
  }
  return { dout, x, w, dims };
}

/** The gradients' destinations: fresh tensors unless the options name them; dx null when skipped. */
export function affineGrads(fn: string, options: unknown, x: Tensor, dims: AffineDims): { dx: Tensor | null; dw: Tensor; db: Tensor } {
  const opts = optionsArg(fn, options);
  return {
    dx: dxOutput(fn, opts, x.shape, x.dtype),
    dw: output(fn, opts, 'dw', [dims.d, dims.m], x.dtype),
    db: output(fn, opts, 'db', [dims.m], x.dtype),
  };
}

/** Checks the options of a fused SGD step and the biases it updates; dx null when skipped. */
export function sgdStepArgs(
  fn: string, options: unknown, bv: unknown, x: Tensor, dims: AffineDims,
): { b: Tensor; dx: Tensor | null; learningRate: number; reg: number } {
  const opts = objectArg(fn, 'options', options);
  const b = nonEmptyTensorArg(fn, 'b', bv);
  sameDtype(fn, { 'cache.x': x, b });
  if (b.ndim !== 1 || b.shape[0] !== dims.m) {
    throw new RangeError(`${fn}: b has shape ${formatShape(b.shape)} but the layer has ${dims.m} outputs`);
  }
  return {
    b,
    dx: dxOutput(fn, opts, x.shape, x.dtype),
    learningRate: nonNegativeNumberArg(fn, 'options.learningRate', opts.learningRate),
    reg: nonNegativeNumberArg(fn, 'options.reg', opts.reg ?? 0),
  };
}

/**
 * Forward pass of an affine layer: out = x.reshape(N, D) w + b.
 *
 * @param x input, shape (N, d1, ..., dk); each example is flattened to D = d1 * ... * dk
 * @param w weights, shape (D, M)
 * @param b biases, shape (M,)
 * @param options `out`: a (N, M) tensor to write into instead of a new one
 * @returns [out (N, M), cache]
 */
export function affineForward(x: Tensor, w: Tensor, b: Tensor, options?: ForwardOptions): [Tensor, AffineCache] {
  const fn = 'affineForward';
  const args = affineArgs(fn, x, w, b);
  const { n, d, m } = args.dims;
  const out = output(fn, optionsArg(fn, options), 'out', [n, m], args.x.dtype);
  native().affineForward(args.x.data, args.w.data, args.b.data, out.data, n, d, m);
  return [out, { x: args.x, w: args.w }];
}

/**
 * Backward pass of an affine layer.
 *
 * @param dout upstream derivative, shape (N, M)
 * @param cache from affineForward: x (N, d1, ..., dk), w (D, M)
 * @param options `dx: false` skips the input gradient (returned as null);
 *   `dx`, `dw`, `db` tensors receive the gradients instead of new ones
 * @returns [dx (N, d1, ..., dk), dw (D, M), db (M,)]
 */
export function affineBackward(dout: Tensor, cache: AffineCache, options?: ParamBackwardOptions & { dx?: true | Tensor }): [Tensor, Tensor, Tensor];
export function affineBackward(dout: Tensor, cache: AffineCache, options: ParamBackwardOptions & { dx: false }): [null, Tensor, Tensor];
export function affineBackward(dout: Tensor, cache: AffineCache, options?: ParamBackwardOptions): [Tensor | null, Tensor, Tensor];
export function affineBackward(
  dout: Tensor,
  cache: AffineCache,
  options?: ParamBackwardOptions,
): [Tensor | null, Tensor, Tensor] {
  const fn = 'affineBackward';
  const args = affineBackwardArgs(fn, dout, cache);
  const { n, d, m } = args.dims;
  const { dx, dw, db } = affineGrads(fn, options, args.x, args.dims);
  native().affineBackward(args.dout.data, args.x.data, args.w.data, dx ? dx.data : null, dw.data, db.data, n, d, m);
  return [dx, dw, db];
}

/**
 * Backward pass of an affine layer fused with a plain SGD step on its
 * parameters, for training loops that need the gradients only to apply them:
 * w <- (1 - lr reg) w - lr x^T dout, accumulated by the gemm straight into w
 * (no gradient is written and read back), and b <- b - lr sum(dout, axis 0).
 * The same update as affineBackward then sgd, up to rounding.
 *
 * @param dout upstream derivative, shape (N, M)
 * @param cache from affineForward: x (N, d1, ..., dk), w (D, M), updated in place
 * @param b biases (M,), updated in place
 * @param options `learningRate`, `reg` (default 0); `dx` as in affineBackward
 * @returns dx (N, d1, ..., dk), computed with w before the step; null when skipped
 */
export function affineBackwardSgd(dout: Tensor, cache: AffineCache, b: Tensor, options: SgdStepOptions): Tensor | null {
  const fn = 'affineBackwardSgd';
  const args = affineBackwardArgs(fn, dout, cache);
  const { n, d, m } = args.dims;
  const step = sgdStepArgs(fn, options, b, args.x, args.dims);
  native().affineBackwardSgd(
    args.dout.data, args.x.data, args.w.data, step.b.data, step.dx ? step.dx.data : null, n, d, m, step.learningRate, step.reg,
  );
  return step.dx;
}
