/**
 * numpy's legacy `np.random.RandomState`, bit for bit: the MT19937 generator
 * with numpy's integer seeding, and the legacy algorithms on top of it (polar
 * Gaussians with the cached second value, masked rejection for integers,
 * Fisher-Yates from the end for shuffles). A seed gives the same numbers here
 * as in numpy, so the reference notebooks' printed values come out of nndl too.
 */
import { native } from './native';
import { Tensor, type DType, type FloatArray } from './tensor';
import {
  booleanArg, dtypeArg, invalidType, invalidValue, nonNegativeIntegerArg, numberArg, objectArg,
} from './validate';

const N = 624;
const M = 397;

function sizeArg(fn: string, size: unknown): number[] {
  if (typeof size === 'number') return [nonNegativeIntegerArg(fn, 'size', size)];
  if (!Array.isArray(size)) throw invalidType(fn, 'size', 'a non-negative integer or an array of them', size);
  return size.map((d, i) => nonNegativeIntegerArg(fn, `size[${i}]`, d));
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function int32Arg(fn: string, name: string, value: unknown): number {
  const v = numberArg(fn, name, value);
  if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
    throw invalidValue(fn, name, 'an integer in the int32 range', value);
  }
  return v;
}

/** Smallest all-ones bit mask covering max (numpy's gen_mask). */
function mask32(max: number): number {
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}

export class NumpyRandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;
  private hasGauss = false;
  private cachedGauss = 0;

  /** @param seed an integer in [0, 2^32), as `np.random.RandomState(seed)` takes */
  constructor(seed: number) {
    this.seed(seed);
  }

  /** Reseeds, as `RandomState.seed(seed)`: the stream starts over and the cached Gaussian is dropped. */
  seed(seed: number): void {
    const s = nonNegativeIntegerArg('NumpyRandomState.seed', 'seed', seed);
    if (s > 0xffffffff) throw invalidValue('NumpyRandomState.seed', 'seed', 'an integer in [0, 2^32)', seed);
    let x = s >>> 0;
    for (let i = 0; i < N; i++) {
      this.mt[i] = x;
      x = (Math.imul(1812433253, (x ^ (x >>> 30)) >>> 0) + i + 1) >>> 0;
    }
    this.pos = N;
    this.hasGauss = false;
    this.cachedGauss = 0;
  }

  private generate(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.pos = 0;
  }

  /** The next raw 32-bit output of MT19937. */
  nextUint32(): number {
    if (this.pos === N) this.generate();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits, as numpy's random_sample. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** One standard normal value (legacy polar method; every other call returns the cached twin). */
  nextGaussian(): number {
    const out = new Float64Array(1);
    this.gaussians(out);
    return out[0];
  }

  /**
   * Fills out with standard normals in numpy's order. Each accepted polar pair
   * yields two values: the first is used, the second cached for the next draw.
   * The pairs are drawn here and transformed in one native call (see
   * native/random.h for why the logarithm must be the C library's).
   */
  private gaussians(out: FloatArray): void {
    let i = 0;
    if (out.length > 0 && this.hasGauss) {
      out[i++] = this.cachedGauss;
      this.hasGauss = false;
      this.cachedGauss = 0;
    }
    const pairs = Math.ceil((out.length - i) / 2);
    if (pairs === 0) return;
    const u = new Float64Array(2 * pairs);
    for (let p = 0; p < pairs; p++) {
      let x1: number;
      let x2: number;
      let r2: number;
      do {
        x1 = 2 * this.nextDouble() - 1;
        x2 = 2 * this.nextDouble() - 1;
        r2 = x1 * x1 + x2 * x2;
      } while (r2 >= 1 || r2 === 0);
      u[2 * p] = x1;
      u[2 * p + 1] = x2;
    }
    const g = new Float64Array(2 * pairs);
    native().polarGaussians(u, g);
    for (let p = 0; p < pairs; p++) {
      out[i++] = g[2 * p];
      if (i < out.length) {
        out[i++] = g[2 * p + 1];
      } else {
        this.cachedGauss = g[2 * p + 1];
        this.hasGauss = true;
      }
    }
  }

  /** An integer in [0, max], by masked rejection (numpy's random_interval). */
  private interval(max: number): number {
    if (max === 0) return 0;
    const mask = mask32(max);
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** Uniform values in [0, 1): `rand(d0, d1, ...)`, float64. */
  rand(...shape: number[]): Tensor {
    const dims = sizeArg('rand', shape);
    const data = new Float64Array(count(dims));
    for (let i = 0; i < data.length; i++) data[i] = this.nextDouble();
    return new Tensor(data, dims);
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
    const data = new Float64Array(count(dims));
    this.gaussians(data);
    const t = new Tensor(data, dims);
    return dtypeArg(fn, 'dtype', dtype) === 'float64' ? t : t.astype(dtype);
  }

  /** `randint(low, high, size)`: integers in [low, high), flat in row-major order. */
  randint(low: number, high: number, size: number | number[]): Int32Array {
    const fn = 'randint';
    const lo = int32Arg(fn, 'low', low);
    const hi = int32Arg(fn, 'high', high);
    if (hi <= lo) throw invalidValue(fn, 'high', `an integer above low (${lo})`, high);
    const out = new Int32Array(count(sizeArg(fn, size)));
    return this.fillInts(out, lo, hi - 1 - lo);
  }

  /** Writes low + (integers in [0, range]) into out, as numpy's masked bounded generator. */
  private fillInts(out: Int32Array, low: number, range: number): Int32Array {
    const mask = mask32(range);
    for (let i = 0; i < out.length; i++) {
      let v = 0;
      if (range !== 0) {
        do v = (this.nextUint32() & mask) >>> 0;
        while (v > range);
      }
      out[i] = low + v;
    }
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
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.interval(i);
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
