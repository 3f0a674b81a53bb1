/**
 * Minibatches gathered from a data set into one reused buffer of the
 * model's dtype, natively: rows of float arrays, or uint8 pixels converted
 * (with the mean subtracted) as they are gathered. With augmentation, each
 * training image is padded, randomly cropped back to its size and randomly
 * flipped left to right as it is gathered, deterministically for the
 * generator's seed.
 */
import { native } from '../native';
import type { NumpyRandomState } from '../random';
import { Tensor, empty, type DType } from '../tensor';
import {
  booleanArg, formatShape, invalidType, type KeySet, nonEmptyTensorArg, nonNegativeIntegerArg, objectArg, optionsObjectArg,
} from '../validate';

/**
 * Images kept as bytes, each minibatch converted to the model's dtype (with
 * the mean subtracted) as it is gathered: the data set takes a quarter of the
 * memory of float32, and a step reads a quarter of the bytes.
 */
export interface ByteImages {
  readonly data: Uint8Array;
  /** (N, d1, ..., dk). */
  readonly shape: readonly number[];
  /** Subtracted from every example: d1 * ... * dk values (a Float64Array or a float64 Tensor); none when absent. */
  readonly mean?: Float64Array | Tensor | null;
}

/** A data set the Solver trains and evaluates on: float tensors, or bytes converted per minibatch. */
export type SolverInput = Tensor | ByteImages;

/** Random crops and flips of training images (N, C, H, W). */
export interface AugmentOptions {
  /** Zeros added on every side before a random H x W window is cropped (default 4; 0 for no crops). */
  pad?: number;
  /** Mirror half the images left to right, at random (default true). */
  flip?: boolean;
}

/** The keys of AugmentOptions, checked against the type: an unknown key is an error. */
const AUGMENT_OPTIONS = { pad: true, flip: true } as const satisfies KeySet<AugmentOptions>;

/** A SolverInput, checked: a non-empty tensor, or bytes whose shape and mean fit. */
export function solverInputArg(fn: string, name: string, value: unknown): SolverInput {
  if (value instanceof Tensor) return nonEmptyTensorArg(fn, name, value);
  const v = objectArg(fn, name, value);
  if (!(v.data instanceof Uint8Array) || !Array.isArray(v.shape)) {
    throw invalidType(fn, name, 'a Tensor or byte images {data: Uint8Array, shape, mean?}', value);
  }
  const shape = v.shape as number[];
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.length < 1 || shape[0] < 1 || count !== v.data.length) {
    throw new RangeError(`${fn}: ${name}.shape is [${shape.join(', ')}] but ${name}.data has ${v.data.length} bytes`);
  }
  const mean = v.mean instanceof Tensor ? v.mean.data : v.mean;
  if (mean !== undefined && mean !== null && !(mean instanceof Float64Array && mean.length === count / shape[0])) {
    throw invalidType(fn, `${name}.mean`, `a Float64Array of ${count / shape[0]} values`, v.mean);
  }
  return value as ByteImages;
}

/** The augmentation asked for, checked against the images' shape: null for none. */
export function augmentArg(fn: string, name: string, value: unknown, shape: readonly number[]): Required<AugmentOptions> | null {
  if (value === undefined || value === false) return null;
  const o = value === true ? {} : optionsObjectArg(fn, name, value, AUGMENT_OPTIONS);
  const pad = nonNegativeIntegerArg(fn, `${name}.pad`, o.pad ?? 4);
  const flip = booleanArg(fn, `${name}.flip`, o.flip ?? true);
  if (shape.length !== 4) {
    throw new RangeError(`${fn}: ${name} crops and flips images (N, C, H, W), but the training data has shape ${formatShape(shape)}`);
  }
  return { pad, flip };
}

export class Batcher {
  /** The buffer minibatches are gathered into. */
  readonly x: Tensor;
  readonly y: Int32Array;
  private readonly rowLen: number;
  private readonly exampleShape: readonly number[];
  private readonly augment: Required<AugmentOptions> | null;
  private readonly mean: Float64Array | null;

  /**
   * @param X the data set (N, d1, ..., dk), checked by solverInputArg
   * @param labels its labels (N,), checked
   * @param capacity the most rows one gather asks for
   * @param dtype the minibatches' dtype (the model's)
   * @param augment random crops and flips (checked by augmentArg), or null
   * @param buffer memory to gather into instead of a new buffer, used when it is large enough and of dtype
   */
  constructor(
    readonly X: SolverInput, readonly labels: Int32Array, capacity: number, dtype: DType,
    augment: Required<AugmentOptions> | null = null, buffer?: Tensor,
  ) {
    this.exampleShape = X.shape.slice(1);
    this.rowLen = this.exampleShape.reduce((a, b) => a * b, 1);
    const shape = [capacity, ...this.exampleShape];
    const fits = buffer !== undefined && buffer.dtype === dtype && buffer.size >= capacity * this.rowLen;
    this.x = fits ? new Tensor(buffer.data.subarray(0, capacity * this.rowLen), shape) : empty(shape, dtype);
    this.y = new Int32Array(capacity);
    this.augment = augment;
    this.mean = X instanceof Tensor ? null : X.mean instanceof Tensor ? (X.mean.data as Float64Array) : X.mean ?? null;
  }

  /** Number of examples in the data set. */
  get size(): number {
    return this.X.shape[0];
  }

  /** A minibatch of size rows drawn with replacement (numpy's choice), then crops and flips drawn when augmenting. */
  sample(size: number, rng: NumpyRandomState): [Tensor, Int32Array] {
    const idx = rng.choice(this.size, size);
    if (this.augment === null) return this.rows(idx);
    const { pad, flip } = this.augment;
    const shifts = pad > 0 ? rng.randint(0, 2 * pad + 1, 2 * size) : new Int32Array(2 * size);
    const flips = flip ? Uint8Array.from(rng.randint(0, 2, size)) : new Uint8Array(size);
    return this.gather(idx, { pad, shifts, flips });
  }

  /** Rows idx (at most the buffer's size) as they are, e.g. for accuracy checks. */
  rows(idx: Int32Array): [Tensor, Int32Array] {
    return this.gather(idx, null);
  }

  private gather(idx: Int32Array, crops: { pad: number; shifts: Int32Array; flips: Uint8Array } | null): [Tensor, Int32Array] {
    const n = idx.length;
    const xs = n === this.y.length ? this.x : new Tensor(this.x.data.subarray(0, n * this.rowLen), [n, ...this.exampleShape]);
    const X = this.X;
    const addon = native();
    if (crops !== null) {
      const [c, h, w] = this.exampleShape;
      if (X instanceof Tensor) addon.gatherRowsAugmented(X.data, idx, xs.data, c, h, w, crops.pad, crops.shifts, crops.flips);
      else addon.gatherByteRowsAugmented(X.data, idx, this.mean, xs.data, c, h, w, crops.pad, crops.shifts, crops.flips);
    } else if (X instanceof Tensor) {
      addon.gatherRows(X.data, idx, xs.data, this.rowLen);
    } else {
      addon.gatherByteRows(X.data, idx, this.mean, xs.data, this.rowLen);
    }
    const ys = this.y.subarray(0, n);
    for (let i = 0; i < n; i++) ys[i] = this.labels[idx[i]];
    return [xs, ys];
  }
}
