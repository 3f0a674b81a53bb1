/**
 * Numerical gradients by centered differences, as the reference's
 * `utils/gradient_check.py`: the analytic backward passes are checked against
 * these.
 */
import { Tensor, zerosLike } from './tensor';
import {
  booleanArg, invalidType, invalidValue, type KeySet, optionsObjectArg, positiveNumberArg, sameShape, tensorArg,
} from './validate';

function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    out[k] = index % shape[k];
    index = Math.floor(index / shape[k]);
  }
  return out;
}

function functionArg<F>(fn: string, name: string, value: unknown): F {
  if (typeof value !== 'function') throw invalidType(fn, name, 'a function', value);
  return value as F;
}

export interface NumericalGradientOptions {
  /** Step of the centered difference (default 1e-5). */
  h?: number;
  /** Print each index and its gradient, as the reference does (default true). */
  verbose?: boolean;
  /**
   * Accuracy order of the centered difference: 2, the reference's
   * (f(x + h) - f(x - h)) / 2h, or 4, which also evaluates f(x +- 2h) and
   * errs by O(h^4), so a larger h keeps rounding small (default 2).
   */
  order?: 2 | 4;
}

/** The keys of NumericalGradientOptions, checked against the type: an unknown key is an error. */
const NUMERICAL_GRADIENT_OPTIONS = { h: true, verbose: true, order: true } as const satisfies KeySet<NumericalGradientOptions>;

/**
 * Numerical gradient of a scalar function at x. x is perturbed in place, one
 * element at a time, and restored; f must read x when called.
 * @param f function of x returning a number
 * @param x point, any shape
 * @returns df/dx, shape and dtype of x
 */
export function evalNumericalGradient(
  f: (x: Tensor) => number,
  x: Tensor,
  options: NumericalGradientOptions = {},
): Tensor {
  const fn = 'evalNumericalGradient';
  const func = functionArg<(x: Tensor) => number>(fn, 'f', f);
  const point = tensorArg(fn, 'x', x);
  const opts = optionsObjectArg(fn, 'options', options, NUMERICAL_GRADIENT_OPTIONS);
  const h = opts.h === undefined ? 1e-5 : positiveNumberArg(fn, 'options.h', opts.h);
  const verbose = opts.verbose === undefined ? true : booleanArg(fn, 'options.verbose', opts.verbose);
  if (opts.order !== undefined && opts.order !== 2 && opts.order !== 4) throw invalidValue(fn, 'options.order', '2 or 4', opts.order);
  const order = opts.order ?? 2;
  const grad = zerosLike(point);
  const data = point.data;
  const at = (i: number, old: number, step: number) => {
    data[i] = old + step;
    return func(point);
  };
  for (let i = 0; i < data.length; i++) {
    const old = data[i];
    const d1 = (at(i, old, h) - at(i, old, -h)) / (2 * h);
    grad.data[i] = order === 2 ? d1 : (4 * d1 - (at(i, old, 2 * h) - at(i, old, -2 * h)) / (4 * h)) / 3;
    data[i] = old;
    if (verbose) console.log(unravel(i, point.shape), grad.data[i]);
  }
  return grad;
}

/**
 * Numerical gradient of a tensor-valued function at x, contracted with the
 * upstream derivative: grad[i] = sum((f(x + h e_i) - f(x - h e_i)) * dout) / 2h.
 * @param f function of x returning a tensor of dout's shape
 * @param x point, any shape (perturbed in place and restored)
 * @param dout upstream derivative, shape of f(x)
 * @param h step (default 1e-5)
 * @returns gradient, shape and dtype of x
 */
export function evalNumericalGradientArray(
  f: (x: Tensor) => Tensor,
  x: Tensor,
  dout: Tensor,
  h = 1e-5,
): Tensor {
  const fn = 'evalNumericalGradientArray';
  const func = functionArg<(x: Tensor) => Tensor>(fn, 'f', f);
  const point = tensorArg(fn, 'x', x);
  const g = tensorArg(fn, 'dout', dout);
  const step = positiveNumberArg(fn, 'h', h);
  const grad = zerosLike(point);
  const data = point.data;
  for (let i = 0; i < data.length; i++) {
    const old = data[i];
    data[i] = old + step;
    const pos = tensorArg(fn, 'f(x)', func(point));
    sameShape(fn, 'f(x)', pos, 'dout', g);
    const posData = pos.data.slice();
    data[i] = old - step;
    // Copied before x is restored, as the reference's .copy(): f may return a view of x (a reshape).
    const negData = tensorArg(fn, 'f(x)', func(point)).data.slice();
    data[i] = old;
    let sum = 0;
    for (let k = 0; k < g.size; k++) sum += (posData[k] - negData[k]) * g.data[k];
    grad.data[i] = sum / (2 * step);
  }
  return grad;
}

export type Numbers = Tensor | ArrayLike<number> | number;

function values(fn: string, name: string, v: Numbers): ArrayLike<number> {
  if (v instanceof Tensor) return v.data;
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) return v as ArrayLike<number>;
  throw invalidType(fn, name, 'a Tensor, an array of numbers or a number', v);
}

/**
 * The reference's relative error: max |a - b| / max(1e-8, |a| + |b|),
 * elementwise over two arrays of the same size.
 */
export function relError(a: Numbers, b: Numbers): number {
  const fn = 'relError';
  if (a instanceof Tensor && b instanceof Tensor) {
    sameShape(fn, 'a', a, 'b', b);
  }
  const x = values(fn, 'a', a);
  const y = values(fn, 'b', b);
  if (x.length !== y.length) throw new RangeError(`${fn}: a has ${x.length} elements but b has ${y.length}`);
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.abs(x[i] - y[i]) / Math.max(1e-8, Math.abs(x[i]) + Math.abs(y[i]));
    if (e > max || Number.isNaN(e)) max = e;
  }
  return max;
}
