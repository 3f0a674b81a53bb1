/**
 * Inverted dropout: in train mode each unit is dropped with probability p and
 * the kept ones are scaled by 1 / (1 - p), so test mode is the identity.
 */
import { native } from '../native';
import { optionsArg, output, type ForwardOptions } from '../outputs';
import { NumpyRandomState, randomStateArg } from '../random';
import { Tensor, empty } from '../tensor';
import {
  invalidValue, type KeySet, nonEmptyTensorArg, numberArg, objectArg, optionsObjectArg, sameDtype, sameShape,
} from '../validate';

export interface DropoutParam {
  /** Probability of dropping a unit, in [0, 1). */
  p: number;
  mode: 'train' | 'test';
  /**
   * Reseeds the masks on every call, as the reference's `dropout_param['seed']`
   * does, so a gradient check sees the same mask each time.
   */
  seed?: number;
  /** Generator of the masks when no seed is given (default: the global one). */
  rng?: NumpyRandomState;
}

/** The keys of DropoutParam, checked against the type: an unknown key is an error. */
const DROPOUT_PARAM_KEYS = { p: true, mode: true, seed: true, rng: true } as const satisfies KeySet<DropoutParam>;

/** The mask of a train-mode pass (0 or 1 / (1 - p) per unit), or null in test mode. */
export interface DropoutCache {
  readonly mask: Tensor | null;
}

/**
 * Forward pass of inverted dropout.
 * @param x input, any shape
 * @param dropoutParam p (drop probability), mode, and seed or rng
 * @param options `out`: a tensor of x's shape to write into
 * @returns [out (shape of x), cache]
 */
export function dropoutForward(x: Tensor, dropoutParam: DropoutParam, options?: ForwardOptions): [Tensor, DropoutCache] {
  const fn = 'dropoutForward';
  const input = nonEmptyTensorArg(fn, 'x', x);
  const param = optionsObjectArg(fn, 'dropoutParam', dropoutParam, DROPOUT_PARAM_KEYS);
  const p = numberArg(fn, 'dropoutParam.p', param.p);
  if (p < 0 || p >= 1) throw invalidValue(fn, 'dropoutParam.p', 'a drop probability in [0, 1)', p);
  if (param.mode !== 'train' && param.mode !== 'test') {
    throw invalidValue(fn, 'dropoutParam.mode', "'train' or 'test'", param.mode);
  }
  const opts = optionsArg(fn, options);
  if (param.mode === 'test') {
    if (opts.out === undefined) return [input, { mask: null }];
    const out = output(fn, opts, 'out', input.shape, input.dtype);
    out.data.set(input.data);
    return [out, { mask: null }];
  }
  const rng = param.seed !== undefined ? randomStateArg(fn, 'dropoutParam.seed', param.seed) : randomStateArg(fn, 'dropoutParam.rng', param.rng);
  const out = output(fn, opts, 'out', input.shape, input.dtype);
  const mask = empty(input.shape, input.dtype);
  native().dropoutForward(rng.state, input.data, mask.data, out.data, p);
  return [out, { mask }];
}

/**
 * Backward pass of inverted dropout: dx = dout * mask (dout itself in test mode).
 * @param dout upstream derivative, shape of x
 * @param cache from dropoutForward
 * @param options `dx`: a tensor of dout's shape to write into
 * @returns dx
 */
export function dropoutBackward(dout: Tensor, cache: DropoutCache, options?: { dx?: Tensor }): Tensor {
  const fn = 'dropoutBackward';
  const g = nonEmptyTensorArg(fn, 'dout', dout);
  const c = objectArg(fn, 'cache', cache);
  const opts = optionsArg(fn, options);
  if (c.mask === null) {
    if (opts.dx === undefined) return g;
    const dx = output(fn, opts, 'dx', g.shape, g.dtype);
    dx.data.set(g.data);
    return dx;
  }
  const mask = nonEmptyTensorArg(fn, 'cache.mask', c.mask);
  sameDtype(fn, { 'cache.mask': mask, dout: g });
  sameShape(fn, 'dout', g, 'cache.mask', mask);
  const dx = output(fn, opts, 'dx', g.shape, g.dtype);
  native().dropoutBackward(g.data, mask.data, dx.data);
  return dx;
}
