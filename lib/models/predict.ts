/**
 * Prediction for any classifier: scores, probabilities and classes of a
 * batch, always a test-time pass (batchnorm on its running statistics, no
 * dropout). Inputs are a Tensor as the model takes it, or raw images (bytes),
 * which go through the model's preprocessing into a buffer the model keeps
 * for the next call. Each model class offers these as one-line methods:
 * `model.predict(X)`, `model.predictProba(X)`, `model.scores(X)`.
 */
import { softmax } from '../layers/softmax';
import { argmaxRows } from '../ops';
import { optionsArg, output } from '../outputs';
import { Tensor, empty, type DType, type FloatArray } from '../tensor';
import { booleanArg, invalidType } from '../validate';
import {
  imagesToInputs, isRawImages, preprocessingArg, type Preprocessing, type RawImages,
} from './preprocessing';

/** What prediction needs of a model. */
export interface Classifier {
  readonly architecture: string;
  readonly dtype: DType;
  /** How raw images become inputs; null (or absent) when the model has none. */
  preprocessing?: Preprocessing | null;
  /** Class scores (N, C) of a test-time forward pass. */
  loss(X: Tensor): Tensor;
}

/** A classifier with the prediction methods (every model class has them). */
export interface Predictor extends Classifier {
  predict(X: PredictInput, options?: PredictOptions): Int32Array;
  predictProba(X: PredictInput, options?: ScoresOptions): Tensor;
  scores(X: PredictInput, options?: ScoresOptions): Tensor;
}

/**
 * A batch to predict: a Tensor of inputs as the model takes them, or raw
 * images, to which the model's preprocessing is applied: a Uint8Array in the
 * model's input layout, {data: Uint8Array, shape} with shape (N, C, H, W),
 * (N, H, W, C) or (N, C * H * W), or a Tensor of pixel values with `raw: true`.
 */
export type PredictInput = Tensor | Uint8Array | RawImages;

/** What every prediction takes besides `out`. */
export interface InputOptions {
  /**
   * X, a Tensor, holds raw pixel values (0 to 255) rather than inputs: in the
   * model's layout or (N, H, W, C), as raw bytes are, and the model's
   * preprocessing is applied to it (default false).
   */
  raw?: boolean;
}

export interface ScoresOptions extends InputOptions {
  /** A (N, C) tensor of the model's dtype to write the result into, instead of a new one. */
  out?: Tensor;
}

export interface PredictOptions extends InputOptions {
  /** An Int32Array of N to write the classes into, instead of a new one. */
  out?: Int32Array;
}

/**
 * Per model, the memory raw images are converted into: grown to the largest
 * batch seen, and viewed at each batch's size, so a service converting
 * batches of any size allocates only when a batch is larger than all before.
 */
const inputMemory = new WeakMap<Classifier, FloatArray>();

function inputBuffer(model: Classifier, size: number, dtype: DType): FloatArray {
  let memory = inputMemory.get(model);
  const fits = memory !== undefined && memory.length >= size && (memory instanceof Float32Array) === (dtype === 'float32');
  if (!fits) {
    memory = empty([size], dtype).data;
    inputMemory.set(model, memory);
  }
  return (memory as FloatArray).subarray(0, size);
}

/** The model's inputs for X: X itself when a Tensor of inputs, else the raw images preprocessed. */
function inputs(fn: string, model: Classifier, X: unknown, opts: Record<string, unknown>): Tensor {
  const raw = opts.raw === undefined ? false : booleanArg(fn, 'options.raw', opts.raw);
  if (X instanceof Tensor && !raw) return X;
  if (!(X instanceof Tensor) && !(X instanceof Uint8Array) && !isRawImages(X)) {
    throw invalidType(fn, 'X', 'a Tensor of inputs, or raw images (a Uint8Array, or {data: Uint8Array, shape})', X);
  }
  if (model.preprocessing === undefined || model.preprocessing === null) {
    throw new TypeError(
      `${fn}: X holds raw images but the model has no preprocessing (a file saved without it, or a model built by hand): ` +
        'set model.preprocessing = {meanImage, classNames, layout}, or pass a Tensor of preprocessed inputs',
    );
  }
  const p = preprocessingArg(fn, 'model.preprocessing', model.preprocessing);
  return imagesToInputs(fn, p, X as Tensor | Uint8Array | RawImages, model.dtype, (size, dtype) => inputBuffer(model, size, dtype));
}

/**
 * Class scores of a batch.
 * @param X inputs (N, ...) as the model takes them, or raw images
 * @param options `out`: a (N, C) tensor to write the scores into
 * @returns scores (N, C)
 */
export function predictScores(model: Classifier, X: PredictInput, options?: ScoresOptions): Tensor {
  const fn = `${model.architecture}.scores`;
  const opts = optionsArg(fn, options);
  const scores = model.loss(inputs(fn, model, X, opts));
  if (opts.out === undefined) return scores;
  const out = output(fn, opts, 'out', scores.shape, scores.dtype);
  out.data.set(scores.data);
  return out;
}

/**
 * Class probabilities of a batch: the softmax of the scores, computed natively.
 * @param X inputs (N, ...) as the model takes them, or raw images
 * @param options `out`: a (N, C) tensor to write the probabilities into
 * @returns probabilities (N, C), each row summing to 1
 */
export function predictProba(model: Classifier, X: PredictInput, options?: ScoresOptions): Tensor {
  const fn = `${model.architecture}.predictProba`;
  const opts = optionsArg(fn, options);
  const scores = model.loss(inputs(fn, model, X, opts));
  // The scores are this call's own: without `out` they become the probabilities in place.
  return softmax(scores, { out: output(fn, { out: opts.out ?? scores }, 'out', scores.shape, scores.dtype) });
}

/**
 * Predicted class of each example: the index of its largest score.
 * @param X inputs (N, ...) as the model takes them, or raw images
 * @param options `out`: an Int32Array of N to write the classes into
 * @returns classes (N,)
 */
export function predictClasses(model: Classifier, X: PredictInput, options?: PredictOptions): Int32Array {
  const fn = `${model.architecture}.predict`;
  const opts = optionsArg(fn, options);
  const scores = model.loss(inputs(fn, model, X, opts));
  const n = scores.shape[0];
  if (opts.out !== undefined && !(opts.out instanceof Int32Array && opts.out.length === n)) {
    throw invalidType(fn, 'options.out', `an Int32Array of ${n} (one per example)`, opts.out);
  }
  return argmaxRows(scores, { out: opts.out ?? new Int32Array(n) });
}
