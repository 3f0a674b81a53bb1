/**
 * numpy's legacy `np.random.RandomState`, bit for bit: MT19937 with numpy's
 * integer seeding and the legacy algorithms on top of it (polar Gaussians with
 * the cached second value, masked rejection for integers, Fisher-Yates from
 * the end for shuffles). A seed gives the same numbers here as in numpy, so
 * the reference notebooks' printed values come out of nndl too.
 *
 * The generator's state lives in this object's typed arrays; the draws are
 * made by native code that advances it (native/random.h).
 */
import { randomBytes } from 'node:crypto';

import { native } from './native';
import { Tensor, type DType } from './tensor';
import {
  booleanArg, dtypeArg, invalidType, invalidValue, nonNegativeIntegerArg, numberArg, objectArg,
} from './validate';

const KEY_WORDS = 624;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function sizeArg(fn: string, size: unknown): number[] {
  if (typeof size === 'number') return [nonNegativeIntegerArg(fn, 'size', size)];
  if (!Array.isArray(size)) throw invalidType(fn, 'size', 'a non-negative integer or an array of them', size);
  return size.map((d, i) => nonNegativeIntegerArg(fn, `size[${i}]`, d));
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function int32Arg(fn: string, name: string, value: unknown): number {
  const v = numberArg(fn, name, value);
  if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
    throw invalidValue(fn, name, 'an integer in the int32 range', value);
  }
  return v;
}

/**
 * numpy's `np.random.RandomState(seed)`: the same seed gives the same draws as
 * numpy (rand, randn, randint, choice, permutation, normal, ...). Pass one as
 * `rng` to a model or the Solver to make a run repeatable.
 */
export class NumpyRandomState {
  /**
   * MT19937 key (624 words) and position: the state native draws advance,
   * passed to kernels that draw numbers themselves (dropout masks).
   */
  readonly state = new Uint32Array(KEY_WORDS + 1);
  /** [has cached Gaussian, cached Gaussian]. */
  private readonly gauss = new Float64Array(2);

  /** @param seed an integer in [0, 2^32), as `np.random.RandomState(seed)` takes */
  constructor(seed: number) {
    this.seed(seed);
  }

  /** Reseeds, as `RandomState.seed(seed)`: the stream starts over and the cached Gaussian is dropped. */
  seed(seed: number): void {
    const fn = 'NumpyRandomState.seed';
    const s = nonNegativeIntegerArg(fn, 'seed', seed);
    if (s > 0xffffffff) throw invalidValue(fn, 'seed', 'an integer in [0, 2^32)', seed);
    native().randomSeed(this.state, s);
    this.gauss.fill(0);
  }

  /** Writes uniform values in [0, 1) into out (numpy's random_sample). */
  fillUniform(out: Float64Array): Float64Array {
    if (out.length > 0) native().randomUniform(this.state, out);
    return out;
  }

  /** Writes standard normal values into out (numpy's legacy_gauss, cached twin included). */
  fillGaussian(out: Float64Array): Float64Array {
    if (out.length > 0) native().randomGauss(this.state, this.gauss, out);
    return out;
  }

  /** One value in [0, 1). */
  nextDouble(): number {
    return this.fillUniform(new Float64Array(1))[0];
  }

  /** One standard normal value. */
  nextGaussian(): number {
    return this.fillGaussian(new Float64Array(1))[0];
  }

  /** Uniform values in [0, 1): `rand(d0, d1, ...)`, float64. */
  rand(...shape: number[]): Tensor {
    const dims = sizeArg('rand', shape);
    return new Tensor(this.fillUniform(new Float64Array(count(dims))), dims);
  }

  /** Standard normal values: `randn(d0, d1, ...)`, float64. */
  randn(...shape: number[]): Tensor {
    return this.standardNormal(sizeArg('randn', shape));
  }

  /** `normal(loc, scale, size)`: loc + scale * standard normal, float64. */
  normal(loc: number, scale: number, size: number | number[]): Tensor {
    const fn = 'normal';
    const l = numberArg(fn, 'loc', loc);
    const s = numberArg(fn, 'scale', scale);
    if (s < 0) throw invalidValue(fn, 'scale', 'a non-negative number', scale);
    const t = this.standardNormal(sizeArg(fn, size));
    for (let i = 0; i < t.size; i++) t.data[i] = l + s * t.data[i];
    return t;
  }

  /**
   * Standard normal values of the given shape and dtype; float32 rounds the
   * float64 draws, as numpy's `randn(...).astype(np.float32)` does.
   */
  standardNormal(shape: readonly number[], dtype: DType = 'float64'): Tensor {
    const fn = 'standardNormal';
    const dims = sizeArg(fn, shape);
    const t = new Tensor(this.fillGaussian(new Float64Array(count(dims))), dims);
    return dtypeArg(fn, 'dtype', dtype) === 'float64' ? t : t.astype(dtype);
  }

  /** `randint(low, high, size)`: integers in [low, high), flat in row-major order. */
  randint(low: number, high: number, size: number | number[]): Int32Array {
    const fn = 'randint';
    const lo = int32Arg(fn, 'low', low);
    const hi = int32Arg(fn, 'high', high);
    if (hi <= lo) throw invalidValue(fn, 'high', `an integer above low (${lo})`, high);
    const out = new Int32Array(count(sizeArg(fn, size)));
    if (out.length > 0) native().randomBounded(this.state, out, lo, hi - 1 - lo);
    return out;
  }

  /**
   * `choice(n, size, {replace})`: indices in [0, n). With replacement (the
   * default) they are `randint(0, n, size)`; without, the first `size` of a
   * permutation, as numpy's legacy generator draws them.
   */
  choice(n: number, size: number, options: { replace?: boolean } = {}): Int32Array {
    const fn = 'choice';
    const pop = int32Arg(fn, 'n', n);
    if (pop <= 0) throw invalidValue(fn, 'n', 'a positive integer', n);
    const k = nonNegativeIntegerArg(fn, 'size', size);
    const { replace } = objectArg(fn, 'options', options);
    if (replace === undefined || booleanArg(fn, 'options.replace', replace)) return this.randint(0, pop, k);
    if (k > pop) throw invalidValue(fn, 'size', `at most n (${pop}) without replacement`, size);
    return this.permutation(pop).slice(0, k);
  }

  /** Shuffles an array in place (numpy's legacy Fisher-Yates, from the last element down). */
  shuffle<A extends { length: number; [i: number]: unknown }>(array: A): A {
    const fn = 'shuffle';
    if (!Array.isArray(array) && !(ArrayBuffer.isView(array) && !(array instanceof DataView))) {
      throw invalidType(fn, 'array', 'an array or a typed array', array);
    }
    if (array.length < 2) return array;
    if (array.length > INT32_MAX) throw invalidValue(fn, 'array', 'at most 2^31 - 1 elements', array);
    const partners = new Int32Array(array.length - 1);
    native().randomSwaps(this.state, partners);
    for (let k = 0; k < partners.length; k++) {
      const i = array.length - 1 - k;
      const j = partners[k];
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  /** `permutation(n)`: a shuffled 0..n-1. */
  permutation(n: number): Int32Array {
    const fn = 'permutation';
    const len = nonNegativeIntegerArg(fn, 'n', n);
    if (len > INT32_MAX) throw invalidValue(fn, 'n', 'an integer in the int32 range', n);
    const out = new Int32Array(len);
    for (let i = 0; i < len; i++) out[i] = i;
    return this.shuffle(out);
  }
}

let globalState: NumpyRandomState | undefined;

/**
 * The generator used when a function is given neither a generator nor a seed,
 * as numpy's module-level functions use a global RandomState. Seeded from the
 * operating system's entropy unless `seed()` was called.
 */
export function defaultRandomState(): NumpyRandomState {
  globalState ??= new NumpyRandomState(randomBytes(4).readUInt32LE(0));
  return globalState;
}

/** Reseeds the default generator, as `np.random.seed(seed)`. */
export function seed(value: number): void {
  defaultRandomState().seed(value);
}

/** A generator or a seed, as the options of models, layers and the Solver take them. */
export type RandomSource = NumpyRandomState | number;

/** The generator a `rng` option names: the given one, a new one from a seed, or the default. */
export function randomStateArg(fn: string, name: string, value: unknown): NumpyRandomState {
  if (value === undefined) return defaultRandomState();
  if (value instanceof NumpyRandomState) return value;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw invalidValue(fn, name, 'a NumpyRandomState or an integer seed in [0, 2^32)', value);
    }
    return new NumpyRandomState(value);
  }
  throw invalidType(fn, name, 'a NumpyRandomState or an integer seed', value);
}
