/**
 * Prediction: the native softmax against a float64 reference, and
 * predict/predictProba/scores of every classifier, from inputs and from raw
 * images through the model's preprocessing, always in test mode.
 */
import {
  FullyConnectedNet, StandaloneTwoLayerNet, Tensor, TwoLayerNet, argmaxRows, fromArray, softmax, zeros,
} from '../lib/index';
import { native } from '../lib/native';
import { randn, scaledError } from './helpers';

/** Softmax of each row in float64 with the max taken out, written out in JavaScript. */
function referenceSoftmax(x: Tensor): number[][] {
  const [n, c] = x.shape;
  return Array.from({ length: n }, (_, i) => {
    const row = Array.from(x.data.subarray(i * c, (i + 1) * c));
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

describe('softmax', () => {
  test('matches the float64 reference and scipy\'s printed values', () => {
    // scipy.special.softmax([1, 2, 3]) prints [0.09003057 0.24472847 0.66524096].
    const p = softmax(fromArray([[1, 2, 3]]));
    expect(Array.from(p.data).map((v) => Number(v.toFixed(8)))).toEqual([0.09003057, 0.24472847, 0.66524096]);
    const x = randn(0, [50, 10], 5);
    const want = referenceSoftmax(x);
    const got = softmax(x);
    for (let i = 0; i < 50; i++) {
      let sum = 0;
      for (let j = 0; j < 10; j++) {
        expect(Math.abs(got.data[i * 10 + j] - want[i][j])).toBeLessThan(1e-15);
        sum += got.data[i * 10 + j];
      }
      expect(Math.abs(sum - 1)).toBeLessThan(1e-14);
    }
  });

  test('large scores do not overflow; float32 agrees with float64', () => {
    const big = softmax(fromArray([[1000, 1001, 999], [-1000, -1000, -1000]]));
    expect(Array.from(big.data).every(Number.isFinite)).toBe(true);
    expect(big.data[4]).toBeCloseTo(1 / 3, 15);
    const x = randn(1, [20, 7], 10);
    expect(scaledError(softmax(x.astype('float32')), softmax(x))).toBeLessThan(1e-6);
  });

  test('a row holding NaN or +Infinity is all NaN; the other rows are untouched', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = fromArray([[1, NaN, 2], [NaN, 0, 0], [0, Infinity, 1], [0, 0, 0]], dtype);
      const p = Array.from(softmax(x).data);
      expect(p.slice(0, 9).every(Number.isNaN)).toBe(true);
      expect(p.slice(9)).toEqual([1 / 3, 1 / 3, 1 / 3].map((v) => (dtype === 'float32' ? Math.fround(v) : v)));
    }
  });

  test('writes into out, or in place over x', () => {
    const x = randn(2, [4, 5]);
    const want = softmax(x);
    const out = zeros([4, 5]);
    expect(softmax(x, { out })).toBe(out);
    expect(Array.from(out.data)).toEqual(Array.from(want.data));
    expect(softmax(x, { out: x })).toBe(x);
    expect(Array.from(x.data)).toEqual(Array.from(want.data));
    expect(() => softmax(x, { out: zeros([4, 6]) })).toThrow(/^softmax: options\.out has shape \[4, 6\] but the output has shape \[4, 5\]$/);
    expect(() => softmax(randn(3, [20]))).toThrow(/softmax: Expected a 2-d Tensor for x but received shape \[20\]/);
  });

  test('the addon checks lengths and refuses a shifted overlap', () => {
    const addon = native();
    expect(() => addon.softmax(new Float64Array(6), new Float64Array(5), 2, 3)).toThrow('softmax: out has 5 elements but the dimensions need 6');
    const buf = new Float64Array(8);
    expect(() => addon.softmax(buf.subarray(0, 6), buf.subarray(2, 8), 2, 3)).toThrow('softmax: out shares memory with x');
    expect(() => addon.softmax(new Float32Array(6), new Float64Array(6), 2, 3)).toThrow('softmax: out must be a Float32Array');
  });
});

/** A preprocessing with a mean image of distinct values, for (3, 4, 4) images. */
const IMAGE = [3, 4, 4] as const;
const D = 3 * 4 * 4;
const mean = Float64Array.from({ length: D }, (_, i) => 100 + (i % 7) * 3.5);
const classNames = ['a', 'b', 'c', 'd', 'e'];

/** Images (n, 3, 4, 4) as bytes, and the same as (n, 4, 4, 3) pixels. */
function images(n: number): { planes: Uint8Array; pixels: Uint8Array } {
  const planes = Uint8Array.from({ length: n * D }, (_, i) => (i * 37 + 11) % 256);
  const pixels = new Uint8Array(n * D);
  for (let k = 0; k < n; k++) {
    for (let c = 0; c < 3; c++) for (let p = 0; p < 16; p++) pixels[k * D + p * 3 + c] = planes[k * D + c * 16 + p];
  }
  return { planes, pixels };
}

/** The inputs a model in this layout takes for these bytes: mean subtracted, in float64. */
function preprocessed(bytes: Uint8Array, n: number, rowsMean: Float64Array | null, layoutShape: number[]): Tensor {
  const m = rowsMean ?? mean;
  return new Tensor(Float64Array.from(bytes, (v, i) => v - m[i % D]), [n, ...layoutShape]);
}

describe('predict, predictProba and scores', () => {
  const X = randn(4, [6, 3, 4, 4]);

  test('are the argmax, softmax and test-time scores of loss(X), for every model', () => {
    const models = [
      new TwoLayerNet({ inputDim: D, hiddenDims: 8, numClasses: 5, weightScale: 0.1, rng: 1 }),
      new FullyConnectedNet([8, 6], { inputDim: D, numClasses: 5, weightScale: 0.1, dtype: 'float64', rng: 2 }),
      new StandaloneTwoLayerNet(D, 8, 5, { std: 0.1, rng: 3 }),
    ];
    for (const model of models) {
      const x = model instanceof StandaloneTwoLayerNet ? X.reshape(6, D) : X;
      const scores = model.loss(x);
      expect(Array.from(model.scores(x).data)).toEqual(Array.from(scores.data));
      expect(Array.from(model.predict(x))).toEqual(Array.from(argmaxRows(scores)));
      const proba = model.predictProba(x);
      expect(proba.shape).toEqual([6, 5]);
      const want = referenceSoftmax(scores).flat();
      proba.data.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-15));
    }
  });

  test('write into the caller\'s buffers with out', () => {
    const model = new TwoLayerNet({ inputDim: D, hiddenDims: 8, numClasses: 5, weightScale: 0.1, rng: 1 });
    const classes = new Int32Array(6);
    const proba = zeros([6, 5]);
    const scores = zeros([6, 5]);
    expect(model.predict(X, { out: classes })).toBe(classes);
    expect(model.predictProba(X, { out: proba })).toBe(proba);
    expect(model.scores(X, { out: scores })).toBe(scores);
    expect(Array.from(classes)).toEqual(Array.from(model.predict(X)));
    expect(Array.from(proba.data)).toEqual(Array.from(model.predictProba(X).data));
    expect(() => model.predict(X, { out: new Int32Array(5) })).toThrow(
      /^TwoLayerNet\.predict: Expected an Int32Array of 6 \(one per example\) for options\.out but received Int32Array of length 5$/,
    );
    expect(() => model.predictProba(X, { out: zeros([6, 5], 'float32') })).toThrow(/TwoLayerNet\.predictProba: options\.out is float32/);
  });

  test('never run training-mode layers: batchnorm statistics stay, dropout is off', () => {
    const model = new FullyConnectedNet([8, 6], {
      inputDim: D, numClasses: 5, useBatchnorm: true, dropout: 0.5, weightScale: 0.1, dtype: 'float64', rng: 2,
    });
    model.loss(X, [0, 1, 2, 3, 4, 0]);  // one training pass, so the running statistics are not the initial ones
    const stats = Object.values(model.buffers()).map((t) => Array.from(t.data));
    const first = Array.from(model.predictProba(X).data);
    expect(Array.from(model.predictProba(X).data)).toEqual(first);
    expect(Object.values(model.buffers()).map((t) => Array.from(t.data))).toEqual(stats);
    expect(Array.from(model.scores(X).data)).toEqual(Array.from(model.loss(X).data));
  });

  test('take raw images through the model\'s preprocessing: channel planes, pixels (H, W, C), flat bytes, float pixel values', () => {
    const n = 3;
    const { planes, pixels } = images(n);
    const model = new TwoLayerNet({ inputDim: D, hiddenDims: 8, numClasses: 5, weightScale: 0.1, rng: 1 });
    model.preprocessing = { meanImage: mean, classNames, imageShape: IMAGE };
    const want = model.predictProba(preprocessed(planes, n, null, [...IMAGE]));
    for (const raw of [planes, { data: planes, shape: [n, ...IMAGE] }, { data: pixels, shape: [n, 4, 4, 3] }, { data: planes, shape: [n, D] }]) {
      expect(scaledError(model.predictProba(raw), want)).toBe(0);
    }
    expect(Array.from(model.predict(Buffer.from(planes)))).toEqual(Array.from(argmaxRows(want)));
    // The same pixel values as a float Tensor, with raw: true.
    for (const [values, shape] of [[planes, [n, ...IMAGE]], [pixels, [n, 4, 4, 3]]] as const) {
      for (const dtype of ['float32', 'float64'] as const) {
        const t = new Tensor(dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values), [...shape]);
        expect(scaledError(model.predictProba(t, { raw: true }), want)).toBe(0);
      }
    }
    expect(() => model.predict(X, { raw: 'yes' } as never)).toThrow(/^TwoLayerNet\.predict: Expected a boolean for options\.raw but received string "yes"$/);
  });

  test('a model in the rows layout takes the same images as rows in (height, width, channel) order', () => {
    const n = 2;
    const { planes, pixels } = images(n);
    const rowsMean = Float64Array.from({ length: D }, (_, i) => 90 + (i % 5));
    const model = new StandaloneTwoLayerNet(D, 8, 5, { std: 0.1, rng: 3 });
    model.preprocessing = { meanImage: rowsMean, classNames, layout: 'rows', imageShape: IMAGE };
    const want = model.scores(preprocessed(pixels, n, rowsMean, [D]));
    for (const raw of [pixels, { data: pixels, shape: [n, 4, 4, 3] }, { data: planes, shape: [n, ...IMAGE] }]) {
      expect(scaledError(model.scores(raw), want)).toBe(0);
    }
  });

  test('convert raw images to the model\'s dtype, for batches of any size', () => {
    const model = new FullyConnectedNet([8], { inputDim: D, numClasses: 5, weightScale: 0.1, rng: 2 });
    model.preprocessing = { meanImage: mean, classNames, imageShape: IMAGE };
    const { planes } = images(4);
    const want = model.scores(preprocessed(planes, 4, null, [...IMAGE]).astype('float32'));
    expect(model.scores(planes).dtype).toBe('float32');
    expect(scaledError(model.scores(planes), want)).toBe(0);
    expect(scaledError(model.scores(planes.subarray(0, D)), new Tensor(want.data.subarray(0, 5), [1, 5]))).toBe(0);
  });

  test('raw images without preprocessing, or of a shape that fits nothing, are refused with the reason', () => {
    const model = new TwoLayerNet({ inputDim: D, hiddenDims: 8, numClasses: 5, rng: 1 });
    expect(() => model.predict(new Uint8Array(D))).toThrow(
      /^TwoLayerNet\.predict: X holds raw images but the model has no preprocessing .*set model\.preprocessing = /,
    );
    model.preprocessing = { meanImage: mean, classNames, imageShape: IMAGE };
    expect(() => model.predict(new Uint8Array(D + 1))).toThrow(
      /^TwoLayerNet\.predict: X holds 49 bytes, not a whole number of 48-byte images \(in the model's layout\)$/,
    );
    expect(() => model.predict({ data: new Uint8Array(2 * D), shape: [2, 4, 3, 4] })).toThrow(
      "TwoLayerNet.predict: X has shape [2, 4, 3, 4] but the model takes images of shape [N, 3, 4, 4] (channel planes), " +
        "[N, 4, 4, 3] (height, width, channel) or [N, 48] (rows in its layout, 'nchw')",
    );
    expect(() => model.predict({ data: new Uint8Array(D), shape: [2, D] })).toThrow(/X\.shape is \[2, 48\] but X\.data holds 48 bytes/);
    expect(() => model.predict([1, 2, 3] as never)).toThrow(TypeError);
    model.preprocessing = { meanImage: mean.subarray(1), classNames, imageShape: IMAGE };
    expect(() => model.predict(new Uint8Array(D))).toThrow(/Expected 48 values \(one per input\) for model\.preprocessing\.meanImage/);
  });
});
