/**
 * How raw images become a model's inputs, kept with the model so that a
 * service needs nothing else to classify an image: the training set's mean
 * image (subtracted from every image), the input layout and shape, the class
 * names, and a summary of the training (data, accuracy, date). A model
 * carries it as `model.preprocessing`, and its file stores it.
 *
 * Raw images are bytes: a Uint8Array in the model's input layout, or
 * `{data: Uint8Array, shape}` with shape (N, C, H, W), (N, H, W, C) (the way
 * image decoders give pixels) or (N, C * H * W) in the model's layout.
 */
import { native } from '../native';
import { Tensor, type DType, type FloatArray } from '../tensor';
import {
  describe, formatShape, invalidType, invalidValue, nonNegativeIntegerArg, objectArg, positiveIntegerArg,
} from '../validate';

/**
 * 'nchw': an example is (C, H, W), channel planes, as CIFAR-10 files hold
 * images and the Solver takes them; 'rows': an example is a row of H * W * C
 * values in (height, width, channel) order, as the two_layer_nn notebook
 * flattens them (getCifar10Data's layouts).
 */
export type InputLayout = 'nchw' | 'rows';

/** What a model was trained on and how well it did; every field optional. */
export interface TrainingSummary {
  /** The training data: a path, 'cifar10' (the cache), 'synthetic (seed 0)'. */
  data?: string;
  /** md5 of the data file, when it was one. */
  md5?: string;
  /** Accuracies in [0, 1]. */
  trainAcc?: number;
  valAcc?: number;
  testAcc?: number;
  /** The seed of generated data ('synthetic'). */
  seed?: number;
  /** Epochs trained. */
  epochs?: number;
  /** When training ended, as an ISO 8601 string. */
  date?: string;
}

/** What a user sets as `model.preprocessing`. */
export interface Preprocessing {
  /**
   * Subtracted from every image: the training set's mean image, one value per
   * input in the layout's order (getCifar10Data's meanImage), or null for none.
   */
  meanImage: Float64Array | Tensor | readonly number[] | null;
  /** Name of each class, by index. */
  classNames: readonly string[];
  /** The model's input layout (default 'nchw'). */
  layout?: InputLayout;
  /** [channels, height, width] of an image (default [3, 32, 32]). */
  imageShape?: readonly number[];
  training?: TrainingSummary;
}

/** A Preprocessing checked and completed with its defaults. */
export interface ResolvedPreprocessing {
  meanImage: Float64Array | null;
  classNames: string[];
  layout: InputLayout;
  imageShape: [number, number, number];
  /** An example's shape as the model takes it: imageShape for 'nchw', [C * H * W] for 'rows'. */
  inputShape: number[];
  training: TrainingSummary;
}

/** Raw images with their shape: (N, ...the model's input shape) or (N, H, W, C). */
export interface RawImages {
  readonly data: Uint8Array;
  readonly shape: readonly number[];
}

const SUMMARY_STRINGS = ['data', 'md5', 'date'] as const;
const SUMMARY_ACCURACIES = ['trainAcc', 'valAcc', 'testAcc'] as const;

function summaryArg(fn: string, name: string, value: unknown): TrainingSummary {
  if (value === undefined) return {};
  const o = objectArg(fn, name, value);
  const out: TrainingSummary = {};
  for (const key of SUMMARY_STRINGS) {
    if (o[key] === undefined) continue;
    if (typeof o[key] !== 'string') throw invalidType(fn, `${name}.${key}`, 'a string', o[key]);
    out[key] = o[key] as string;
  }
  for (const key of SUMMARY_ACCURACIES) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== 'number') throw invalidType(fn, `${name}.${key}`, 'an accuracy in [0, 1]', v);
    if (!(v >= 0 && v <= 1)) throw invalidValue(fn, `${name}.${key}`, 'an accuracy in [0, 1]', v);
    out[key] = v;
  }
  if (o.seed !== undefined) out.seed = nonNegativeIntegerArg(fn, `${name}.seed`, o.seed);
  if (o.epochs !== undefined) out.epochs = nonNegativeIntegerArg(fn, `${name}.epochs`, o.epochs);
  return out;
}

/** The mean image as float64 values, checked to hold one value per input. */
function meanArg(fn: string, name: string, value: unknown, size: number): Float64Array | null {
  if (value === null) return null;
  let mean: Float64Array;
  if (value instanceof Float64Array) mean = value;
  else if (value instanceof Tensor) mean = value.data instanceof Float64Array ? value.data : Float64Array.from(value.data);
  else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) mean = Float64Array.from(value);
  else throw invalidType(fn, name, 'a Float64Array, a Tensor, a number[] or null', value);
  if (mean.length !== size) throw invalidValue(fn, name, `${size} values (one per input)`, value);
  if (!mean.every(Number.isFinite)) throw invalidValue(fn, name, 'finite values', value);
  return mean;
}

/** Checks a Preprocessing (as set by a user, or read from a file) and fills in its defaults. */
export function preprocessingArg(fn: string, name: string, value: unknown): ResolvedPreprocessing {
  const o = objectArg(fn, name, value);
  const layout = o.layout ?? 'nchw';
  if (layout !== 'nchw' && layout !== 'rows') throw invalidValue(fn, `${name}.layout`, "'nchw' or 'rows'", layout);
  const shape = o.imageShape ?? [3, 32, 32];
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw invalidType(fn, `${name}.imageShape`, '[channels, height, width]', shape);
  }
  const imageShape = shape.map((d, i) => positiveIntegerArg(fn, `${name}.imageShape[${i}]`, d)) as [number, number, number];
  const size = imageShape[0] * imageShape[1] * imageShape[2];
  const classNames = o.classNames;
  if (!Array.isArray(classNames) || classNames.length === 0 || !classNames.every((c) => typeof c === 'string')) {
    throw invalidType(fn, `${name}.classNames`, 'a non-empty array of strings', classNames);
  }
  if (o.meanImage === undefined) throw invalidType(fn, `${name}.meanImage`, 'the mean image, or null for none', undefined);
  return {
    meanImage: meanArg(fn, `${name}.meanImage`, o.meanImage, size),
    classNames: [...classNames],
    layout,
    imageShape,
    inputShape: layout === 'nchw' ? [...imageShape] : [size],
    training: summaryArg(fn, `${name}.training`, o.training),
  };
}

/** Product of a shape's dimensions. */
const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * How image values are laid out in the source, as pixelsToFloat reads them:
 * `channels` blocks of `plane` values, written to p * channels + c in the
 * output when `transpose` is set, else copied in order. Moving between
 * channel planes and (height, width, channel) is such a transpose either way.
 */
interface Reading {
  n: number;
  channels: number;
  plane: number;
  transpose: boolean;
}

/** A shape with N for its first dimension, for messages. */
const batchShape = (example: readonly number[]) => `[N, ${example.join(', ')}]`;

/**
 * How to read raw images of this shape into the model's layout: channel
 * planes (N, C, H, W), pixels (N, H, W, C), or rows (N, C * H * W) already
 * in the model's order; else a RangeError naming the shapes that fit.
 */
function reading(fn: string, p: ResolvedPreprocessing, shape: readonly number[]): Reading {
  const [c, h, w] = p.imageShape;
  const size = c * h * w;
  const example = shape.slice(1);
  const n = shape[0];
  const same = { n, channels: 1, plane: size, transpose: false };
  if (shape.length >= 2 && n >= 1) {
    if (sameShape(example, p.imageShape)) return p.layout === 'nchw' ? same : { n, channels: c, plane: h * w, transpose: true };
    // (H, W, C) pixels are h * w blocks of c channels: transposed into channel planes for 'nchw'.
    if (sameShape(example, [h, w, c])) return p.layout === 'rows' ? same : { n, channels: h * w, plane: c, transpose: true };
    if (sameShape(example, [size])) return same;
  }
  throw new RangeError(
    `${fn}: X has shape ${formatShape(shape)} but the model takes images of shape ${batchShape(p.imageShape)} (channel planes), ` +
      `${batchShape([h, w, c])} (height, width, channel) or ${batchShape([size])} (rows in its layout, '${p.layout}')`,
  );
}

/** The shape of raw images given as a flat Uint8Array (the model's layout) or with a shape. */
function rawShape(fn: string, p: ResolvedPreprocessing, X: Uint8Array | RawImages): readonly number[] {
  const size = count(p.inputShape);
  if (X instanceof Uint8Array) {
    if (X.length === 0 || X.length % size !== 0) {
      throw new RangeError(`${fn}: X holds ${X.length} bytes, not a whole number of ${size}-byte images (in the model's layout)`);
    }
    return [X.length / size, ...p.inputShape];
  }
  const { data, shape } = X;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw invalidType(fn, 'X.shape', 'an array of non-negative integers', shape);
  }
  if (data.length !== count(shape)) {
    throw new RangeError(`${fn}: X.shape is ${formatShape(shape)} but X.data holds ${data.length} bytes`);
  }
  return shape;
}

/** Whether a value is raw images with a shape: {data: Uint8Array, shape}. */
export function isRawImages(value: unknown): value is RawImages {
  return typeof value === 'object' && value !== null && !(value instanceof Tensor) &&
    (value as RawImages).data instanceof Uint8Array && 'shape' in value;
}

/**
 * Converts raw images into the model's inputs (N, ...inputShape) of `dtype`,
 * mean subtracted, into memory from `alloc`: bytes natively in one pass,
 * pixel values given as a Tensor in one pass here.
 */
export function imagesToInputs(
  fn: string, p: ResolvedPreprocessing, X: Uint8Array | RawImages | Tensor, dtype: DType,
  alloc: (size: number, dtype: DType) => FloatArray,
): Tensor {
  const r = reading(fn, p, X instanceof Tensor ? X.shape : rawShape(fn, p, X));
  const size = count(p.inputShape);
  const data = alloc(r.n * size, dtype);
  if (X instanceof Tensor) {
    const { channels, plane, transpose } = r;
    const mean = p.meanImage;
    for (let i = 0; i < r.n; i++) {
      const src = X.data.subarray(i * size, (i + 1) * size);
      const dst = data.subarray(i * size, (i + 1) * size);
      for (let c = 0; c < channels; c++) {
        for (let q = 0; q < plane; q++) {
          const o = transpose ? q * channels + c : c * plane + q;
          dst[o] = src[c * plane + q] - (mean === null ? 0 : mean[o]);
        }
      }
    }
  } else {
    native().pixelsToFloat(X instanceof Uint8Array ? X : X.data, 0, r.n, r.channels, r.plane, r.transpose, p.meanImage, data);
  }
  return new Tensor(data, [r.n, ...p.inputShape]);
}

/**
 * What a file keeps of the preprocessing besides the mean image: JSON for its
 * metadata, with the dtype the inputs are converted to (the model's).
 */
export function preprocessingMetadata(p: ResolvedPreprocessing, dtype: unknown): string {
  const { layout, inputShape, imageShape, classNames, training } = p;
  return JSON.stringify({ layout, inputShape, imageShape, classNames, dtype, training });
}

/**
 * The preprocessing a file describes (its metadata's JSON and mean-image
 * tensor, whose dtype and shape the file's header check has compared with
 * the JSON), checked; `source` names the file.
 */
export function preprocessingFromMetadata(source: string, json: string, meanImage: Tensor | undefined): ResolvedPreprocessing {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`${source}: the preprocessing metadata is not valid JSON`);
  }
  try {
    const o = objectArg(source, 'preprocessing', parsed);
    const p = preprocessingArg(source, 'preprocessing', { ...o, meanImage: meanImage ?? null });
    if (!Array.isArray(o.inputShape) || !sameShape(o.inputShape, p.inputShape)) {
      throw new Error(`preprocessing.inputShape is ${describe(o.inputShape)} but the layout and image shape make ${formatShape(p.inputShape)}`);
    }
    return p;
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.startsWith(`${source}: `) ? message : `${source}: ${message}`);
  }
}
