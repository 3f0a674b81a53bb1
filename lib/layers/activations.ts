/**
 * Elementwise activations. Each forward takes x of any shape and returns
 * [out, cache] with out of the same shape; each backward takes dout of that
 * shape and the cache, and returns dx of that shape.
 */
import { native } from '../native';
import { optionsArg, output, type ForwardOptions } from '../outputs';
import { Tensor } from '../tensor';
import { nonEmptyTensorArg, numberArg, objectArg, sameDtype, sameShape } from '../validate';

/** Options of the activations' backward passes. */
export interface ActivationBackwardOptions {
  /** Tensor to write dx into (same shape and dtype as dout), instead of a new one; may be dout itself. */
  dx?: Tensor;
}

function forward(
  fn: string, xv: unknown, options: unknown, kernel: (x: Tensor, out: Tensor) => void,
): [Tensor, Tensor] {
  const x = nonEmptyTensorArg(fn, 'x', xv);
  const out = output(fn, optionsArg(fn, options), 'out', x.shape, x.dtype);
  kernel(x, out);
  return [x, out];
}

function backward(
  fn: string, doutv: unknown, cachedName: string, cachedv: unknown, options: unknown,
  kernel: (dout: Tensor, cached: Tensor, dx: Tensor) => void,
): Tensor {
  const dout = nonEmptyTensorArg(fn, 'dout', doutv);
  const cached = nonEmptyTensorArg(fn, cachedName, cachedv);
  sameDtype(fn, { [cachedName]: cached, dout });
  sameShape(fn, 'dout', dout, cachedName, cached);
  const dx = output(fn, optionsArg(fn, options), 'dx', dout.shape, dout.dtype);
  kernel(dout, cached, dx);
  return dx;
}

/**
 * ReLU forward: out = max(0, x).
 * @param x input, any shape
 * @param options `out`: a tensor of x's shape and dtype to write into (x itself works)
 * @returns [out (same shape), cache = x]
 */
export function reluForward(x: Tensor, options?: ForwardOptions): [Tensor, Tensor] {
  const [input, out] = forward('reluForward', x, options, (a, o) => native().reluForward(a.data, o.data));
  return [out, input];
}

/**
 * ReLU backward: dx = dout where x > 0, else 0.
 * @param dout upstream derivative, shape of x
 * @param cache x from reluForward
 * @param options `dx`: a tensor of dout's shape and dtype to write into
 * @returns dx, shape of x
 */
export function reluBackward(dout: Tensor, cache: Tensor, options?: ActivationBackwardOptions): Tensor {
  return backward('reluBackward', dout, 'cache', cache, options, (g, x, dx) => native().reluBackward(g.data, x.data, dx.data));
}

/** What leakyReluBackward needs: the input and the negative slope. */
export interface LeakyReluCache {
  readonly x: Tensor;
  readonly alpha: number;
}

/**
 * Leaky ReLU forward: out = x where x > 0, else alpha * x.
 * @param x input, any shape
 * @param alpha slope for negative inputs (default 0.01)
 * @param options `out`: a tensor of x's shape and dtype to write into (x itself works when alpha >= 0)
 * @returns [out (same shape), cache {x, alpha}]
 */
export function leakyReluForward(x: Tensor, alpha = 0.01, options?: ForwardOptions): [Tensor, LeakyReluCache] {
  const fn = 'leakyReluForward';
  const a = numberArg(fn, 'alpha', alpha);
  const [input, out] = forward(fn, x, options, (t, o) => native().leakyReluForward(t.data, o.data, a));
  return [out, { x: input, alpha: a }];
}

/**
 * Leaky ReLU backward: dx = dout where x > 0, else alpha * dout.
 * @param dout upstream derivative, shape of x
 * @param cache {x, alpha} from leakyReluForward
 * @param options `dx`: a tensor of dout's shape and dtype to write into
 * @returns dx, shape of x
 */
export function leakyReluBackward(dout: Tensor, cache: LeakyReluCache, options?: ActivationBackwardOptions): Tensor {
  const fn = 'leakyReluBackward';
  const c = objectArg(fn, 'cache', cache);
  const alpha = numberArg(fn, 'cache.alpha', c.alpha);
  return backward(fn, dout, 'cache.x', c.x, options, (g, x, dx) => native().leakyReluBackward(g.data, x.data, dx.data, alpha));
}

/**
 * Sigmoid forward: out = 1 / (1 + exp(-x)), computed without overflow.
 * @param x input, any shape
 * @param options `out`: a tensor of x's shape and dtype to write into (x itself works)
 * @returns [out (same shape), cache = out]
 */
export function sigmoidForward(x: Tensor, options?: ForwardOptions): [Tensor, Tensor] {
  const [, out] = forward('sigmoidForward', x, options, (t, o) => native().sigmoidForward(t.data, o.data));
  return [out, out];
}

/**
 * Sigmoid backward: dx = dout * out * (1 - out).
 * @param dout upstream derivative, shape of x
 * @param cache out from sigmoidForward
 * @param options `dx`: a tensor of dout's shape and dtype to write into
 * @returns dx, shape of x
 */
export function sigmoidBackward(dout: Tensor, cache: Tensor, options?: ActivationBackwardOptions): Tensor {
  return backward('sigmoidBackward', dout, 'cache', cache, options, (g, o, dx) => native().sigmoidBackward(g.data, o.data, dx.data));
}

/**
 * Tanh forward: out = tanh(x).
 * @param x input, any shape
 * @param options `out`: a tensor of x's shape and dtype to write into (x itself works)
 * @returns [out (same shape), cache = out]
 */
export function tanhForward(x: Tensor, options?: ForwardOptions): [Tensor, Tensor] {
  const [, out] = forward('tanhForward', x, options, (t, o) => native().tanhForward(t.data, o.data));
  return [out, out];
}

/**
 * Tanh backward: dx = dout * (1 - out^2).
 * @param dout upstream derivative, shape of x
 * @param cache out from tanhForward
 * @param options `dx`: a tensor of dout's shape and dtype to write into
 * @returns dx, shape of x
 */
export function tanhBackward(dout: Tensor, cache: Tensor, options?: ActivationBackwardOptions): Tensor {
  return backward('tanhBackward', dout, 'cache', cache, options, (g, o, dx) => native().tanhBackward(g.data, o.data, dx.data));
}
