/**
 * One row per binding of the addon: how to build a valid call, argument by
 * argument, with the sizes that tie the arguments together and the role of
 * each array (read, written, or an index bounded by a size). The fuzz run and
 * the native tests build their calls from it. A binding without a row, or a
 * row without a binding, fails them: adding a binding means adding its row.
 */
import type { NativeBinding } from '../../lib/native';
import type { Rand } from './rand';

export type FloatArrayType = Float32ArrayConstructor | Float64ArrayConstructor;
export type AnyArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/**
 * What the kernel does with an array: reads it, writes it (outputs, and state
 * updated in place), or reads indices from it, each in [0, bound).
 */
export type Role = { kind: 'read' } | { kind: 'written' } | { kind: 'index'; bound: number };

export interface ArrayArg {
  /** Position in the argument list. */
  index: number;
  role: Role;
}

/** Builds a valid call: each method appends arguments and returns the builder. */
export class CallBuilder {
  readonly args: unknown[] = [];
  readonly arrays: ArrayArg[] = [];
  /** The element type of the call's float arrays. */
  readonly float: FloatArrayType;
  private largeUsed = false;

  constructor(
    readonly rand: Rand,
    private readonly addon: NativeBinding,
    /** How often a size is far larger (100 to 700), so that kernels split work as they do on real sizes. */
    private readonly largeChance: number,
  ) {
    this.float = rand.chance(0.5) ? Float32Array : Float64Array;
  }

  /**
   * k sizes in [1, max], now and then one far larger: at most one per call,
   * since arrays take products of sizes and three large ones would be gigabytes.
   */
  dims(k: number, max = 6): number[] {
    return Array.from({ length: k }, () => {
      if (this.largeUsed || !this.rand.chance(this.largeChance)) return this.rand.int(1, max);
      this.largeUsed = true;
      return this.rand.int(100, 700);
    });
  }

  /** An array of the call's float type, read. */
  in(length: number): this {
    return this.array(this.filled(new this.float(length)), { kind: 'read' });
  }

  /** An array of the call's float type, written. */
  out(length: number): this {
    return this.array(this.filled(new this.float(length)), { kind: 'written' });
  }

  /** A float array of either precision, whatever the call's (the gathers convert). */
  anyFloat(length: number, role: Role): this {
    return this.array(this.filled(new (this.rand.chance(0.5) ? Float32Array : Float64Array)(length)), role);
  }

  f64(length: number, role: Role = { kind: 'read' }): this {
    return this.array(this.filled(new Float64Array(length)), role);
  }

  /** `null` or, as often, what `make` appends: for the optional arrays. */
  orNull(make: (b: this) => this): this {
    if (this.rand.chance(0.5)) return make(this);
    this.args.push(null);
    return this;
  }

  /** n indices in [0, bound): labels or rows. */
  indices(n: number, bound: number): this {
    return this.array(Int32Array.from({ length: n }, () => this.rand.int(0, bound - 1)), { kind: 'index', bound });
  }

  int32Out(length: number): this {
    return this.array(new Int32Array(length), { kind: 'written' });
  }

  bytes(length: number): this {
    return this.array(Uint8Array.from({ length }, () => this.rand.int(0, 255)), { kind: 'read' });
  }

  /** A seeded generator state: key and position, written by every draw. */
  state(): this {
    const state = new Uint32Array(625);
    this.addon.randomSeed(state, this.rand.u32());
    return this.array(state, { kind: 'written' });
  }

  num(...values: number[]): this {
    this.args.push(...values);
    return this;
  }

  bool(): this {
    this.args.push(this.rand.chance(0.5));
    return this;
  }

  /** Any array, with its role. */
  array(a: AnyArray, role: Role): this {
    this.arrays.push({ index: this.args.length, role });
    this.args.push(a);
    return this;
  }

  private filled<A extends Float32Array | Float64Array>(a: A): A {
    for (let i = 0; i < a.length; i++) a[i] = this.rand.float() * 4 - 2;
    return a;
  }
}

const read: Role = { kind: 'read' };
const written: Role = { kind: 'written' };

/** A convolution's sizes: input (n, c, h, w), f filters (c, hh, ww), the stride and padding, output (ho, wo). */
interface Conv {
  n: number; c: number; h: number; w: number; f: number; hh: number; ww: number; stride: number; pad: number; ho: number; wo: number;
}

/** Small sizes only: the column buffer of a large image would take hundreds of MB. */
function conv(b: CallBuilder): Conv {
  const [n, c, f, h, w] = [b.rand.int(1, 3), b.rand.int(1, 3), b.rand.int(1, 3), b.rand.int(1, 7), b.rand.int(1, 7)];
  const pad = b.rand.int(0, 1);
  const hh = b.rand.int(1, Math.min(h + 2 * pad, 4));
  const ww = b.rand.int(1, Math.min(w + 2 * pad, 4));
  // A stride of 2 where it divides both spans exactly.
  const stride = (h + 2 * pad - hh) % 2 === 0 && (w + 2 * pad - ww) % 2 === 0 && b.rand.chance(0.5) ? 2 : 1;
  return { n, c, h, w, f, hh, ww, stride, pad, ho: 1 + (h + 2 * pad - hh) / stride, wo: 1 + (w + 2 * pad - ww) / stride };
}

const convDims = (s: Conv) => [s.n, s.c, s.h, s.w, s.f, s.hh, s.ww, s.stride, s.pad];

/** A pooling window over an (h, w) plane: [poolHeight, poolWidth, poolStride, out height, out width]. */
function pool(b: CallBuilder, h: number, w: number): [number, number, number, number, number] {
  const ph = b.rand.int(1, Math.min(h, 2));
  const pw = b.rand.int(1, Math.min(w, 2));
  const stride = (h - ph) % 2 === 0 && (w - pw) % 2 === 0 && b.rand.chance(0.7) ? 2 : 1;
  return [ph, pw, stride, 1 + (h - ph) / stride, 1 + (w - pw) / stride];
}

/** A symmetric positive definite matrix (n, n), so the factorizations succeed. */
function spd(b: CallBuilder, n: number): Float64Array | Float32Array {
  const a = new b.float(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = i === j ? n + 1 : b.rand.float() * 0.5;
  }
  return a;
}

export const BINDINGS: Record<keyof NativeBinding, (b: CallBuilder) => unknown> = {
  affineForward: (b) => { const [n, d, m] = b.dims(3); b.in(n * d).in(d * m).in(m).out(n * m).num(n, d, m); },
  affineReluForward: (b) => { const [n, d, m] = b.dims(3); b.in(n * d).in(d * m).in(m).out(n * m).num(n, d, m); },
  affineBackward: (b) => {
    const [n, d, m] = b.dims(3);
    b.in(n * m).in(n * d).in(d * m).orNull((c) => c.out(n * d)).out(d * m).out(m).num(n, d, m);
  },
  affineReluBackward: (b) => {
    const [n, d, m] = b.dims(3);
    b.in(n * m).in(n * d).in(d * m).in(n * m).orNull((c) => c.out(n * d)).out(d * m).out(m).num(n, d, m);
  },
  affineBackwardSgd: (b) => {
    const [n, d, m] = b.dims(3);
    b.in(n * m).in(n * d).out(d * m).out(m).orNull((c) => c.out(n * d)).num(n, d, m, 0.1, 0.01);
  },
  affineReluBackwardSgd: (b) => {
    const [n, d, m] = b.dims(3);
    b.in(n * m).in(n * d).out(d * m).out(m).in(n * m).orNull((c) => c.out(n * d)).num(n, d, m, 0.1, 0.01);
  },
  reluForward: (b) => { const [n] = b.dims(1, 40); b.in(n).out(n); },
  reluBackward: (b) => { const [n] = b.dims(1, 40); b.in(n).in(n).out(n); },
  leakyReluForward: (b) => { const [n] = b.dims(1, 40); b.in(n).out(n).num(0.1); },
  leakyReluBackward: (b) => { const [n] = b.dims(1, 40); b.in(n).in(n).out(n).num(0.1); },
  sigmoidForward: (b) => { const [n] = b.dims(1, 40); b.in(n).out(n); },
  sigmoidBackward: (b) => { const [n] = b.dims(1, 40); b.in(n).in(n).out(n); },
  tanhForward: (b) => { const [n] = b.dims(1, 40); b.in(n).out(n); },
  tanhBackward: (b) => { const [n] = b.dims(1, 40); b.in(n).in(n).out(n); },
  softmaxLoss: (b) => { const [n, c] = b.dims(2); b.in(n * c).indices(n, c).out(n * c).num(n, c); },
  svmLoss: (b) => { const [n, c] = b.dims(2); b.in(n * c).indices(n, c).out(n * c).num(n, c); },
  softmax: (b) => { const [n, c] = b.dims(2); b.in(n * c).out(n * c).num(n, c); },
  randomSeed: (b) => { b.state().num(b.rand.u32()); },
  randomUniform: (b) => { b.state().f64(b.dims(1, 40)[0], written); },
  randomGauss: (b) => { b.state().f64(2, written).f64(b.dims(1, 40)[0], written); },
  randomBounded: (b) => { b.state().int32Out(b.dims(1, 40)[0]).num(b.rand.int(-5, 5), b.rand.int(0, 100)); },
  randomSwaps: (b) => { b.state().int32Out(b.dims(1, 40)[0]); },
  sgd: (b) => { const [n] = b.dims(1, 40); b.in(n).in(n).out(n).num(0.1); },
  sgdMomentum: (b) => { const [n] = b.dims(1, 40); b.in(n).in(n).out(n).out(n).num(0.1, 0.9); },
  rmsprop: (b) => { const [n] = b.dims(1, 40); b.in(n).in(n).out(n).out(n).num(0.1, 0.99, 1e-8); },
  adam: (b) => { const [n] = b.dims(1, 40); b.in(n).in(n).out(n).out(n).out(n).num(0.1, 0.9, 0.999, 1e-8, b.rand.int(1, 5)); },
  batchnormForwardTrain: (b) => {
    const [n, d] = b.dims(2);
    b.in(n * d).in(d).in(d).out(d).out(d).out(n * d).out(n * d).out(d).num(n, d, 1e-5, 0.9);
  },
  batchnormForwardTest: (b) => { const [n, d] = b.dims(2); b.in(n * d).in(d).in(d).in(d).in(d).out(n * d).num(n, d, 1e-5); },
  batchnormBackward: (b) => { const [n, d] = b.dims(2); b.in(n * d).in(n * d).in(d).in(d).out(n * d).out(d).out(d).num(n, d); },
  dropoutForward: (b) => { const [n] = b.dims(1, 40); b.state().in(n).out(n).out(n).num(b.rand.float() * 0.9); },
  dropoutBackward: (b) => { const [n] = b.dims(1, 40); b.in(n).in(n).out(n); },
  sumSquares: (b) => { b.in(b.dims(1, 40)[0]); },
  axpy: (b) => { const [n] = b.dims(1, 40); b.num(0.5).in(n).out(n); },
  columnSums: (b) => { const [n, m] = b.dims(2); b.in(n * m).out(m).num(n, m); },
  subtractRowVector: (b) => { const [n, m] = b.dims(2); b.out(n * m).f64(m).num(n, m); },
  gatherRows: (b) => {
    const [rows, rowLen, count] = b.dims(3);
    b.anyFloat(rows * rowLen, read).indices(count, rows).anyFloat(count * rowLen, written).num(rowLen);
  },
  gatherByteRows: (b) => {
    const [rows, rowLen, count] = b.dims(3);
    b.bytes(rows * rowLen).indices(count, rows).orNull((c) => c.f64(rowLen)).anyFloat(count * rowLen, written).num(rowLen);
  },
  gatherRowsAugmented: (b) => {
    const [channels, height, width, images, count] = b.dims(5, 4);
    const pad = b.rand.int(0, 2);
    const image = channels * height * width;
    b.anyFloat(images * image, read).indices(count, images).anyFloat(count * image, written).num(channels, height, width, pad)
      .indices(2 * count, 2 * pad + 1).array(Uint8Array.from({ length: count }, () => b.rand.int(0, 1)), read);
  },
  gatherByteRowsAugmented: (b) => {
    const [channels, height, width, images, count] = b.dims(5, 4);
    const pad = b.rand.int(0, 2);
    const image = channels * height * width;
    b.bytes(images * image).indices(count, images).orNull((c) => c.f64(image)).anyFloat(count * image, written)
      .num(channels, height, width, pad).indices(2 * count, 2 * pad + 1)
      .array(Uint8Array.from({ length: count }, () => b.rand.int(0, 1)), read);
  },
  pixelMean: (b) => {
    const [channels, plane, images] = b.dims(3);
    const first = b.rand.int(0, images - 1);
    b.bytes(images * channels * plane).num(first, b.rand.int(1, images - first), channels, plane).bool().f64(channels * plane, written);
  },
  pixelsToFloat: (b) => {
    const [channels, plane, images] = b.dims(3);
    const first = b.rand.int(0, images - 1);
    const count = b.rand.int(1, images - first);
    b.bytes(images * channels * plane).num(first, count, channels, plane).bool()
      .orNull((c) => c.f64(channels * plane)).anyFloat(count * channels * plane, written);
  },
  blasInfo: () => undefined,
  engineInfo: () => undefined,
  setThreads: (b) => { b.num(b.rand.int(1, 2)); },
  adviseHugePages: (b) => { b.in(b.dims(1, 40)[0]); },
  cholesky: (b) => {
    const [n] = b.dims(1);
    b.array(spd(b, n), written).num(n);
  },
  choleskySolve: (b) => {
    const [n, m] = b.dims(2);
    const l = spd(b, n);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) l[i * n + j] = 0;
    b.array(l, read).out(n * m).num(n, m);
  },
  symmetricEigen: (b) => {
    const [n] = b.dims(1);
    b.array(spd(b, n), written).out(n).num(n);
  },
  convForward: (b) => { const s = conv(b); b.in(s.n * s.c * s.h * s.w).in(s.f * s.c * s.hh * s.ww).in(s.f).out(s.n * s.f * s.ho * s.wo).num(...convDims(s)); },
  convReluForward: (b) => { const s = conv(b); b.in(s.n * s.c * s.h * s.w).in(s.f * s.c * s.hh * s.ww).in(s.f).out(s.n * s.f * s.ho * s.wo).num(...convDims(s)); },
  convBackward: (b) => {
    const s = conv(b);
    const [x, w] = [s.n * s.c * s.h * s.w, s.f * s.c * s.hh * s.ww];
    b.in(s.n * s.f * s.ho * s.wo).in(x).in(w).orNull((c) => c.out(x)).out(w).out(s.f).num(...convDims(s));
  },
  convReluBackward: (b) => {
    const s = conv(b);
    const [x, w, out] = [s.n * s.c * s.h * s.w, s.f * s.c * s.hh * s.ww, s.n * s.f * s.ho * s.wo];
    b.in(out).in(x).in(w).in(out).orNull((c) => c.out(x)).out(w).out(s.f).num(...convDims(s));
  },
  convReluPoolForward: (b) => {
    const s = conv(b);
    const [ph, pw, ps, po, qo] = pool(b, s.ho, s.wo);
    const pooled = s.n * s.f * po * qo;
    b.in(s.n * s.c * s.h * s.w).in(s.f * s.c * s.hh * s.ww).in(s.f).out(pooled).int32Out(pooled).num(...convDims(s), ph, pw, ps);
  },
  convReluPoolBackward: (b) => {
    const s = conv(b);
    const [ph, pw, ps, po, qo] = pool(b, s.ho, s.wo);
    const [x, w, pooled] = [s.n * s.c * s.h * s.w, s.f * s.c * s.hh * s.ww, s.n * s.f * po * qo];
    // argmax is read only where the pooled output is positive: not an index every call must check.
    const argmax = Int32Array.from({ length: pooled }, () => b.rand.int(0, s.ho * s.wo - 1));
    b.in(pooled).in(x).in(w).in(pooled).array(argmax, read).orNull((c) => c.out(x)).out(w).out(s.f).num(...convDims(s), ph, pw, ps);
  },
  maxPoolForward: (b) => {
    const [n, c, h, w] = [b.rand.int(1, 3), b.rand.int(1, 3), b.rand.int(1, 7), b.rand.int(1, 7)];
    const [ph, pw, ps, po, qo] = pool(b, h, w);
    b.in(n * c * h * w).out(n * c * po * qo).int32Out(n * c * po * qo).num(n, c, h, w, ph, pw, ps);
  },
  maxPoolBackward: (b) => {
    const [n, c, h, w] = [b.rand.int(1, 3), b.rand.int(1, 3), b.rand.int(1, 7), b.rand.int(1, 7)];
    const [ph, pw, ps, po, qo] = pool(b, h, w);
    b.in(n * c * po * qo).indices(n * c * po * qo, h * w).out(n * c * h * w).num(n, c, h, w, ph, pw, ps);
  },
  spatialBatchnormForwardTrain: (b) => {
    const [n, c, hw] = b.dims(3);
    b.in(n * c * hw).in(c).in(c).out(c).out(c).out(n * c * hw).out(c).out(c).num(n, c, hw, 1e-5, 0.9);
  },
  spatialBatchnormForwardTest: (b) => {
    const [n, c, hw] = b.dims(3);
    b.in(n * c * hw).in(c).in(c).in(c).in(c).out(n * c * hw).num(n, c, hw, 1e-5);
  },
  spatialBatchnormBackward: (b) => {
    const [n, c, hw] = b.dims(3);
    b.in(n * c * hw).in(n * c * hw).in(c).in(c).in(c).out(n * c * hw).out(c).out(c).num(n, c, hw);
  },
  gemm: (b) => {
    const [m, n, k] = b.dims(3);
    b.args.push(b.rand.chance(0.5), b.rand.chance(0.5));
    b.num(m, n, k, 1).in(m * k).in(k * n).num(b.rand.chance(0.5) ? 0 : 1).out(m * n);
  },
};

/** The bindings the addon exports that have no row, and rows for bindings it does not export. */
export function tableMismatch(addon: object): { missing: string[]; stale: string[] } {
  const exported = Object.keys(addon);
  return {
    missing: exported.filter((name) => !(name in BINDINGS)),
    stale: Object.keys(BINDINGS).filter((name) => !exported.includes(name)),
  };
}

/** A valid call of `name`: its arguments and the roles of its arrays; sizes above 6 only with `large`. */
export function validCall(name: string, rand: Rand, addon: NativeBinding, large = false): CallBuilder {
  const row = (BINDINGS as Record<string, (b: CallBuilder) => unknown>)[name];
  if (!row) throw new Error(`fuzz: the addon exports ${name}, which has no row in test/fuzz/bindings.ts: add one`);
  const b = new CallBuilder(rand, addon, large ? 0.02 : 0);
  row(b);
  return b;
}
