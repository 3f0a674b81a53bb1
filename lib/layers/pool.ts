/**
 * Max pooling, the course's `max_pool_forward`/`max_pool_backward`: the
 * largest value of each window of every channel. Forward records where each
 * maximum was (its argmax); backward sends each upstream derivative there.
 */
import { native } from '../native';
import { optionsArg, output, type ForwardOptions } from '../outputs';
import { Tensor, type DType, type Shape } from '../tensor';
import {
  formatShape, invalidType, type KeySet, ndimArg, nonEmptyTensorArg, objectArg, optionsObjectArg, positiveIntegerArg, tensorArg,
} from '../validate';

/** Windows of poolHeight x poolWidth, every `stride` pixels. */
export interface PoolParam {
  poolHeight: number;
  poolWidth: number;
  stride: number;
}

/** The keys of PoolParam, checked against the type: an unknown key is an error. */
const POOL_PARAM_KEYS = { poolHeight: true, poolWidth: true, stride: true } as const satisfies KeySet<PoolParam>;

/**
 * What maxPoolBackward needs: the input's shape and dtype, the window, and
 * (held privately, out of reach of the caller) the argmax offsets forward
 * computed, one Int32Array entry per output. The addon still checks every
 * offset against its plane as it uses it.
 */
export interface MaxPoolCache {
  /** Shape of the input, (N, C, H, W). */
  readonly xShape: Shape;
  readonly dtype: DType;
  readonly poolParam: Readonly<PoolParam>;
}

const argmaxes = new WeakMap<object, Int32Array>();

/** The argmax offsets a forward pass stored for this cache object. */
export function rememberArgmax<C extends object>(cache: C, argmax: Int32Array): C {
  argmaxes.set(cache, argmax);
  return cache;
}

/** The argmax offsets of a cache made by a pooling forward pass, or a TypeError naming the function that makes it. */
export function argmaxOf(fn: string, name: string, cache: object, maker: string): Int32Array {
  const argmax = argmaxes.get(cache);
  if (argmax === undefined) throw invalidType(fn, name, `the cache ${maker} returned`, cache);
  return argmax;
}

export function poolParamArg(fn: string, value: unknown): Readonly<PoolParam> {
  const param = optionsObjectArg(fn, 'poolParam', value, POOL_PARAM_KEYS);
  return Object.freeze({
    poolHeight: positiveIntegerArg(fn, 'poolParam.poolHeight', param.poolHeight),
    poolWidth: positiveIntegerArg(fn, 'poolParam.poolWidth', param.poolWidth),
    stride: positiveIntegerArg(fn, 'poolParam.stride', param.stride),
  });
}

function pooledSize(fn: string, what: string, sym: string, size: number, window: number, wsym: string, stride: number): number {
  if (window > size) {
    throw new RangeError(`${fn}: the pool ${what} ${wsym} = ${window} is larger than the input ${what} ${sym} = ${size}`);
  }
  const out = 1 + (size - window) / stride;
  if (!Number.isInteger(out)) {
    throw new RangeError(
      `${fn}: the pooled ${what} 1 + (${sym} - ${wsym}) / stride = 1 + (${size} - ${window}) / ${stride} = ${out} is not an integer`,
    );
  }
  return out;
}

/**
 * The pooled height and width of (h, w) planes, or a RangeError naming the
 * numbers; `sym` names the input sizes in messages ('H'/'W', or the
 * convolution's output "H'"/"W'" for a fused layer).
 */
export function pooledDims(fn: string, h: number, w: number, p: PoolParam, sym: [string, string] = ['H', 'W']): [number, number] {
  return [
    pooledSize(fn, 'height', sym[0], h, p.poolHeight, 'poolHeight', p.stride),
    pooledSize(fn, 'width', sym[1], w, p.poolWidth, 'poolWidth', p.stride),
  ];
}

/**
 * Forward pass of max pooling. A window holding NaN gives NaN, as numpy's
 * max does; ties go to the first position in row-major order. 2x2 windows
 * with stride 2 take a fast path.
 *
 * @param x input, shape (N, C, H, W)
 * @param poolParam `poolHeight`, `poolWidth`, `stride` (positive integers)
 * @param options `out`: a (N, C, H', W') tensor to write into instead of a new one
 * @returns [out (N, C, H', W'), cache], H' = 1 + (H - poolHeight) / stride and
 *   W' = 1 + (W - poolWidth) / stride, which must be integers
 */
export function maxPoolForward(x: Tensor, poolParam: PoolParam, options?: ForwardOptions): [Tensor, MaxPoolCache] {
  const fn = 'maxPoolForward';
  const input = nonEmptyTensorArg(fn, 'x', x);
  ndimArg(fn, 'x', input, 4);
  const param = poolParamArg(fn, poolParam);
  const [n, c, h, w] = input.shape;
  const [ho, wo] = pooledDims(fn, h, w, param);
  const out = output(fn, optionsArg(fn, options), 'out', [n, c, ho, wo], input.dtype);
  const argmax = new Int32Array(out.size);
  native().maxPoolForward(input.data, out.data, argmax, n, c, h, w, param.poolHeight, param.poolWidth, param.stride);
  return [out, rememberArgmax(Object.freeze({ xShape: input.shape, dtype: input.dtype, poolParam: param }), argmax)];
}

/**
 * Backward pass of max pooling: each dout goes to the input its window took
 * (summed where windows overlap); every other input gets 0.
 *
 * @param dout upstream derivative, shape (N, C, H', W')
 * @param cache from maxPoolForward (that very object: it holds the argmax privately)
 * @param options `dx`: a (N, C, H, W) tensor to write into instead of a new one
 * @returns dx, shape (N, C, H, W)
 */
export function maxPoolBackward(dout: Tensor, cache: MaxPoolCache, options?: { dx?: Tensor }): Tensor {
  const fn = 'maxPoolBackward';
  const c = objectArg(fn, 'cache', cache);
  const argmax = argmaxOf(fn, 'cache', c, 'maxPoolForward');
  const { xShape, dtype, poolParam: param } = cache;
  const g = nonEmptyTensorArg(fn, 'dout', dout);
  if (g.dtype !== dtype) throw new TypeError(`${fn}: dout is ${g.dtype} but the forward input was ${dtype}; convert one with .astype()`);
  const [n, ch, h, w] = xShape;
  const [ho, wo] = pooledDims(fn, h, w, param);
  const expected = [n, ch, ho, wo];
  if (g.ndim !== 4 || g.shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(`${fn}: dout has shape ${formatShape(g.shape)} but the forward output has shape ${formatShape(expected)}`);
  }
  const opts = optionsArg(fn, options);
  if (opts.dx !== undefined) tensorArg(fn, 'options.dx', opts.dx);
  const dx = output(fn, opts, 'dx', xShape, dtype);
  native().maxPoolBackward(g.data, argmax, dx.data, n, ch, h, w, param.poolHeight, param.poolWidth, param.stride);
  return dx;
}
