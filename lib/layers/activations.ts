/**
 * Elementwise activations. Each forward takes x of any shape and returns
 * [out, cache] with out of the same shape; each backward takes dout of that
 * shape and the cache, and returns dx of that shape.
 */
import { native } from '../native';
import { Tensor, zerosLike } from '../tensor';
import { nonEmptyTensorArg, numberArg, objectArg, sameDtype, sameShape } from '../validate';

function forward(fn: string, xv: unknown, kernel: (x: Tensor, out: Tensor) => void): [Tensor, Tensor] {
  const x = nonEmptyTensorArg(fn, 'x', xv);
  const out = zerosLike(x);
  kernel(x, out);
  return [x, out];
}

function backward(
  fn: string, doutv: unknown, cachedName: string, cachedv: unknown,
  kernel: (dout: Tensor, cached: Tensor, dx: Tensor) => void,
): Tensor {
  const dout = nonEmptyTensorArg(fn, 'dout', doutv);
  const cached = nonEmptyTensorArg(fn, cachedName, cachedv);
  sameDtype(fn, { [cachedName]: cached, dout });
  sameShape(fn, 'dout', dout, cachedName, cached);
  const dx = zerosLike(dout);
  kernel(dout, cached, dx);
  return dx;
}

/**
 * ReLU forward: out = max(0, x).
 * @param x input, any shape
 * @returns [out (same shape), cache = x]
 */
export function reluForward(x: Tensor): [Tensor, Tensor] {
  const [input, out] = forward('reluForward', x, (a, o) => native().reluForward(a.data, o.data));
  return [out, input];
}

/**
 * ReLU backward: dx = dout where x > 0, else 0.
 * @param dout upstream derivative, shape of x
 * @param cache x from reluForward
 * @returns dx, shape of x
 */
export function reluBackward(dout: Tensor, cache: Tensor): Tensor {
  return backward('reluBackward', dout, 'cache', cache, (g, x, dx) => native().reluBackward(g.data, x.data, dx.data));
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
 * @returns [out (same shape), cache {x, alpha}]
 */
export function leakyReluForward(x: Tensor, alpha = 0.01): [Tensor, LeakyReluCache] {
  const fn = 'leakyReluForward';
  const a = numberArg(fn, 'alpha', alpha);
  const [input, out] = forward(fn, x, (t, o) => native().leakyReluForward(t.data, o.data, a));
  return [out, { x: input, alpha: a }];
}

/**
 * Leaky ReLU backward: dx = dout where x > 0, else alpha * dout.
 * @param dout upstream derivative, shape of x
 * @param cache {x, alpha} from leakyReluForward
 * @returns dx, shape of x
 */
export function leakyReluBackward(dout: Tensor, cache: LeakyReluCache): Tensor {
  const fn = 'leakyReluBackward';
  const c = objectArg(fn, 'cache', cache);
  const alpha = numberArg(fn, 'cache.alpha', c.alpha);
  return backward(fn, dout, 'cache.x', c.x, (g, x, dx) => native().leakyReluBackward(g.data, x.data, dx.data, alpha));
}

/**
 * Sigmoid forward: out = 1 / (1 + exp(-x)), computed without overflow.
 * @param x input, any shape
 * @returns [out (same shape), cache = out]
 */
export function sigmoidForward(x: Tensor): [Tensor, Tensor] {
  const [, out] = forward('sigmoidForward', x, (t, o) => native().sigmoidForward(t.data, o.data));
  return [out, out];
}

/**
 * Sigmoid backward: dx = dout * out * (1 - out).
 * @param dout upstream derivative, shape of x
 * @param cache out from sigmoidForward
 * @returns dx, shape of x
 */
export function sigmoidBackward(dout: Tensor, cache: Tensor): Tensor {
  return backward('sigmoidBackward', dout, 'cache', cache, (g, o, dx) => native().sigmoidBackward(g.data, o.data, dx.data));
}

/**
 * Tanh forward: out = tanh(x).
 * @param x input, any shape
 * @returns [out (same shape), cache = out]
 */
export function tanhForward(x: Tensor): [Tensor, Tensor] {
  const [, out] = forward('tanhForward', x, (t, o) => native().tanhForward(t.data, o.data));
  return [out, out];
}

/**
 * Tanh backward: dx = dout * (1 - out^2).
 * @param dout upstream derivative, shape of x
 * @param cache out from tanhForward
 * @returns dx, shape of x
 */
export function tanhBackward(dout: Tensor, cache: Tensor): Tensor {
  return backward('tanhBackward', dout, 'cache', cache, (g, o, dx) => native().tanhBackward(g.data, o.data, dx.data));
}
