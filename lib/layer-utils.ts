/** Layers that are commonly used together, fused in one native call each. */
import { affineArgs, affineBackwardArgs, affineGrads, sgdStepArgs } from './layers/affine';
import { native } from './native';
import { optionsArg, output, type ForwardOptions, type ParamBackwardOptions, type SgdStepOptions } from './outputs';
import { Tensor } from './tensor';
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
