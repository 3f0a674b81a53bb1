/**
 * The reference's splits of CIFAR-10: training rows [0, numTraining),
 * validation rows [numTraining, numTraining + numValidation) of the training
 * set, the first numTest test rows, with the training part's mean image
 * (preprocess.ts). getCifar10Data gives float tensors, converted as the files
 * are read; getCifar10Pixels keeps the bytes and leaves the subtraction to
 * the Solver's minibatches.
 */
import { native } from '../../native';
import { Tensor, sharedZeros, zeros, type DType } from '../../tensor';
import {
  booleanArg, dtypeArg, invalidValue, type KeySet, nonNegativeIntegerArg, optionsObjectArg, positiveIntegerArg,
} from '../../validate';
import type { ByteImages } from '../batcher';
import { adviseHugePages } from '../huge-pages';
import { Assembler, FloatSplit, UnequalBatches, type Route } from './assemble';
import { loadCifar10, type Cifar10 } from './load';
import { meanImage, subtractMean } from './preprocess';
import { IMAGE_BYTES, IMAGE_SHAPE, type PixelArray } from './release';
import { readSource, type LoadOptions } from './source';

export interface Cifar10DataOptions {
  /** Where the data is (see loadCifar10; default 'cifar10', the cache). */
  source?: string;
  /** Already loaded data to use instead of `source`. */
  data?: Cifar10;
  /** Training examples, the first of the training set (default 49,000). */
  numTraining?: number;
  /** Validation examples, the training rows after those (default 1,000). */
  numValidation?: number;
  /** Test examples, the first of the test set (default 1,000). */
  numTest?: number;
  /** Subtract the mean image of the training part from every split (default true). */
  subtractMean?: boolean;
  dtype?: DType;
  /**
   * 'nchw': (N, 3, 32, 32), as the FC_nets notebook's Solver takes it;
   * 'rows': (N, 3072), each row the image in (height, width, channel) order,
   * as the two_layer_nn notebook flattens load_CIFAR10's (N, 32, 32, 3).
   */
  layout?: 'nchw' | 'rows';
  /** For a download, if one is needed. */
  onProgress?: LoadOptions['onProgress'];
  /** Put the arrays in SharedArrayBuffers, for worker threads to read without copies. */
  shared?: boolean;
}

/** The keys of Cifar10DataOptions, checked against the type: an unknown key is an error. */
const CIFAR10_DATA_OPTIONS = { source: true, data: true, numTraining: true, numValidation: true, numTest: true, subtractMean: true, dtype: true, layout: true, onProgress: true, shared: true } as const satisfies KeySet<Cifar10DataOptions>;

/** The keys of getCifar10Pixels' options: those of getCifar10Data less the conversion's. */
const CIFAR10_PIXELS_OPTIONS = { source: true, data: true, numTraining: true, numValidation: true, numTest: true, subtractMean: true, onProgress: true } as const satisfies KeySet<Omit<Cifar10DataOptions, 'dtype' | 'layout' | 'shared'>>;

export interface Cifar10Data {
  XTrain: Tensor;
  yTrain: Int32Array;
  XVal: Tensor;
  yVal: Int32Array;
  XTest: Tensor;
  yTest: Int32Array;
  /** Mean image of the training part in the layout's order, float64, or null without subtractMean. */
  meanImage: Tensor | null;
  classNames: string[];
}

export interface Cifar10Pixels {
  XTrain: ByteImages;
  yTrain: Int32Array;
  XVal: ByteImages;
  yVal: Int32Array;
  XTest: ByteImages;
  yTest: Int32Array;
  /** Mean image of the training part, (3, 32, 32) order, float64; null without subtractMean. */
  meanImage: Float64Array | null;
  classNames: string[];
}

/** Labels first to first + count - 1 as the Int32Array the Solver takes. */
function labelRange(y: Uint8Array, first: number, count: number): Int32Array {
  return Int32Array.from(y.subarray(first, first + count));
}

/** The sizes of the splits and whether to subtract the mean, checked. */
function splitCounts(fn: string, o: Record<string, unknown>) {
  return {
    numTraining: positiveIntegerArg(fn, 'options.numTraining', o.numTraining ?? 49000),
    numValidation: nonNegativeIntegerArg(fn, 'options.numValidation', o.numValidation ?? 1000),
    numTest: nonNegativeIntegerArg(fn, 'options.numTest', o.numTest ?? 1000),
    subtractMean: booleanArg(fn, 'options.subtractMean', o.subtractMean ?? true),
  };
}

type Counts = ReturnType<typeof splitCounts>;

/** The splits must fit in the images the release holds. */
function checkCounts(fn: string, counts: Counts, trainImages: number, testImages: number): void {
  const { numTraining, numValidation, numTest } = counts;
  if (numTraining + numValidation > trainImages) {
    throw new RangeError(`${fn}: numTraining + numValidation is ${numTraining + numValidation} but the training set has ${trainImages} images`);
  }
  if (numTest > testImages) throw new RangeError(`${fn}: numTest is ${numTest} but the test set has ${testImages} images`);
}

/** The loaded data the options give, or the data loaded from their source. */
async function loaded(o: Record<string, unknown>): Promise<Cifar10> {
  return (o.data as Cifar10 | undefined) ??
    (await loadCifar10((o.source as string | undefined) ?? 'cifar10', { onProgress: o.onProgress as LoadOptions['onProgress'] }));
}

/** The float splits, zeros until filled: (count, 3, 32, 32), or (count, 3072) rows in (h, w, c) order. */
interface FloatSplits {
  XTrain: Tensor;
  XVal: Tensor;
  XTest: Tensor;
}

function floatSplits(counts: Counts, dtype: DType, hwc: boolean, shared: boolean): FloatSplits {
  const images = (count: number) => {
    const shape = hwc ? [count, IMAGE_BYTES] : [count, ...IMAGE_SHAPE];
    // Zeros: a release that held fewer images than asked for would otherwise leave rows of whatever memory held.
    const X = shared ? sharedZeros(shape, dtype) : zeros(shape, dtype);
    adviseHugePages(X.data);
    return X;
  };
  return { XTrain: images(counts.numTraining), XVal: images(counts.numValidation), XTest: images(counts.numTest) };
}

/**
 * Fills the splits straight from the files: every image converted into its
 * row as it is decompressed, so the bytes of the whole set never exist at
 * once (the peak is the splits, plus one pickled batch for the Python
 * release). The labels and class names of the release; undefined when binary
 * batches differ in size and cannot be placed before they are all in.
 */
async function fillStreamed(fn: string, o: Record<string, unknown>, counts: Counts, X: FloatSplits, hwc: boolean) {
  const { numTraining, numValidation, numTest } = counts;
  const trainRoute: Route = (i) =>
    i < numTraining ? { dst: X.XTrain.data, row: i } : i < numTraining + numValidation ? { dst: X.XVal.data, row: i - numTraining } : null;
  const testRoute: Route = (i) => (i < numTest ? { dst: X.XTest.data, row: i } : null);
  try {
    const release = await readSource(fn, o.source ?? 'cifar10', { onProgress: o.onProgress as LoadOptions['onProgress'] }, (format, where) =>
      new Assembler(format, where, new FloatSplit(trainRoute, hwc), new FloatSplit(testRoute, hwc), true));
    checkCounts(fn, counts, release.train.count, release.test.count);
    return { yTrain: release.train.labels, yTest: release.test.labels, classNames: release.classNames };
  } catch (e) {
    if (e instanceof UnequalBatches) return undefined;
    throw e;
  }
}

/** Fills the splits from loaded bytes. */
function fillFromBytes(fn: string, data: Cifar10, counts: Counts, X: FloatSplits, hwc: boolean) {
  checkCounts(fn, counts, data.XTrain.shape[0], data.XTest.shape[0]);
  const convert = (src: PixelArray, first: number, out: Tensor) => {
    if (out.shape[0] > 0) native().pixelsToFloat(src.data, first, out.shape[0], 3, 1024, hwc, null, out.data);
  };
  convert(data.XTrain, 0, X.XTrain);
  convert(data.XTrain, counts.numTraining, X.XVal);
  convert(data.XTest, 0, X.XTest);
  return { yTrain: data.yTrain, yTest: data.yTest, classNames: data.classNames };
}

/**
 * The reference's get_CIFAR10_data: training rows [0, numTraining), validation
 * rows [numTraining, numTraining + numValidation) of the training set, the
 * first numTest test rows; the training part's mean image subtracted. Images
 * are converted into the returned arrays as the files are read, with no
 * copy of the whole set as bytes.
 */
export async function getCifar10Data(options: Cifar10DataOptions = {}): Promise<Cifar10Data> {
  const fn = 'getCifar10Data';
  const o = optionsObjectArg(fn, 'options', options, CIFAR10_DATA_OPTIONS);
  const dtype = dtypeArg(fn, 'options.dtype', o.dtype ?? 'float32');
  const layout = o.layout ?? 'nchw';
  if (layout !== 'nchw' && layout !== 'rows') throw invalidValue(fn, 'options.layout', "'nchw' or 'rows'", layout);
  const hwc = layout === 'rows';
  const shared = booleanArg(fn, 'options.shared', o.shared ?? false);
  const counts = splitCounts(fn, o);
  const given = o.data as Cifar10 | undefined;
  // Before anything is allocated for them.
  if (given) checkCounts(fn, counts, given.XTrain.shape[0], given.XTest.shape[0]);
  const X = floatSplits(counts, dtype, hwc, shared);
  // Streamed from the source, unless the data is given or its batches differ in size: then from the bytes.
  const filled = (given ? undefined : await fillStreamed(fn, o, counts, X, hwc)) ?? fillFromBytes(fn, given ?? (await loaded(o)), counts, X, hwc);
  const mean = counts.subtractMean ? meanImage(X.XTrain.data, counts.numTraining) : null;
  if (mean) subtractMean([X.XTrain, X.XVal, X.XTest], mean);
  return {
    XTrain: X.XTrain, yTrain: labelRange(filled.yTrain, 0, counts.numTraining),
    XVal: X.XVal, yVal: labelRange(filled.yTrain, counts.numTraining, counts.numValidation),
    XTest: X.XTest, yTest: labelRange(filled.yTest, 0, counts.numTest),
    meanImage: mean ? new Tensor(mean, hwc ? [IMAGE_BYTES] : [...IMAGE_SHAPE]) : null,
    classNames: filled.classNames,
  };
}

/**
 * The same split as getCifar10Data, but the images stay bytes: each split is
 * a view of the loaded pixels (no copy) carrying the training mean, and the
 * Solver converts each minibatch to the model's dtype, mean subtracted, as it
 * gathers it. The whole set then costs its 184 MB of bytes.
 */
export async function getCifar10Pixels(options: Omit<Cifar10DataOptions, 'dtype' | 'layout' | 'shared'> = {}): Promise<Cifar10Pixels> {
  const fn = 'getCifar10Pixels';
  const o = optionsObjectArg(fn, 'options', options, CIFAR10_PIXELS_OPTIONS);
  const counts = splitCounts(fn, o);
  const data = await loaded(o);
  checkCounts(fn, counts, data.XTrain.shape[0], data.XTest.shape[0]);
  const { numTraining, numValidation, numTest } = counts;
  const mean = counts.subtractMean ? meanImage(data.XTrain.data, numTraining) : null;
  const view = (src: PixelArray, first: number, count: number): ByteImages => ({
    data: src.data.subarray(first * IMAGE_BYTES, (first + count) * IMAGE_BYTES),
    shape: [count, ...IMAGE_SHAPE],
    mean,
  });
  return {
    XTrain: view(data.XTrain, 0, numTraining),
    yTrain: labelRange(data.yTrain, 0, numTraining),
    XVal: view(data.XTrain, numTraining, numValidation),
    yVal: labelRange(data.yTrain, numTraining, numValidation),
    XTest: view(data.XTest, 0, numTest),
    yTest: labelRange(data.yTest, 0, numTest),
    meanImage: mean,
    classNames: data.classNames,
  };
}
