/**
 * Minibatches with random crops and flips (lib/data/batcher.ts and
 * native/augment.*): exact pixels against a plain loop and by hand, from
 * float arrays and from bytes with the mean, into both dtypes; the same
 * batches for the same seed; bad arguments to the addon.
 */
import { Batcher, augmentArg } from '../lib/data/batcher';
import { native } from '../lib/native';
import { NumpyRandomState } from '../lib/random';
import { Solver } from '../lib/solver';
import { Sequential } from '../lib/models/sequential';
import { Tensor } from '../lib/tensor';
import { labels } from './helpers';

const addon = native();

/** The crop and flip of image (C, H, W) from a padded copy, written the plain way. */
function expectedImage(src: ArrayLike<number>, mean: ArrayLike<number> | null, c: number, h: number, w: number, pad: number, dy: number, dx: number, flip: boolean): number[] {
  const padded = (ch: number, i: number, j: number) => {
    const [r, col] = [i - pad, j - pad];
    if (r < 0 || r >= h || col < 0 || col >= w) return 0;
    const at = (ch * h + r) * w + col;
    return src[at] - (mean ? mean[at] : 0);
  };
  const out: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) out.push(padded(ch, i + dy, (flip ? w - 1 - j : j) + dx));
    }
  }
  return out;
}

describe('the augmented gathers against a plain loop', () => {
  const [n, c, h, w] = [5, 2, 3, 4];
  const image = c * h * w;
  const idx = Int32Array.from([3, 0, 3, 4]);
  const pad = 2;
  const shifts = Int32Array.from([0, 4, 2, 2, 4, 0, 1, 3]);
  const flips = Uint8Array.from([0, 1, 1, 0]);
  const floats = Float64Array.from({ length: n * image }, (_, i) => Math.sin(i) * 10);
  const bytes = Uint8Array.from({ length: n * image }, (_, i) => (i * 37) % 256);
  const mean = Float64Array.from({ length: image }, (_, i) => 100 + i / 3);

  const want = (src: ArrayLike<number>, m: ArrayLike<number> | null, round: (v: number) => number) =>
    Array.from(idx).flatMap((row, r) =>
      expectedImage(Array.from(src).slice(row * image, (row + 1) * image), m && Array.from(m, round), c, h, w, pad, shifts[2 * r], shifts[2 * r + 1], flips[r] === 1),
    ).map(round);

  test.each([
    ['float64 into float64', () => floats, () => new Float64Array(idx.length * image)],
    ['float64 into float32', () => floats, () => new Float32Array(idx.length * image)],
    ['float32 into float32', () => Float32Array.from(floats), () => new Float32Array(idx.length * image)],
  ] as const)('floats, %s', (_, src, dst) => {
    const out = dst();
    addon.gatherRowsAugmented(src(), idx, out, c, h, w, pad, shifts, flips);
    const round = out instanceof Float32Array ? Math.fround : (v: number) => v;
    expect(Array.from(out)).toEqual(want(Array.from(src(), round), null, round));
  });

  test.each([
    ['float32', () => new Float32Array(idx.length * image)],
    ['float64', () => new Float64Array(idx.length * image)],
  ] as const)('bytes with the mean subtracted (padding is the mean pixel: 0), into %s', (_, dst) => {
    const out = dst();
    const round = out instanceof Float32Array ? Math.fround : (v: number) => v;
    addon.gatherByteRowsAugmented(bytes, idx, mean, out, c, h, w, pad, shifts, flips);
    expect(Array.from(out)).toEqual(want(bytes, mean, round));
    addon.gatherByteRowsAugmented(bytes, idx, null, out, c, h, w, pad, shifts, flips);
    expect(Array.from(out)).toEqual(want(bytes, null, round));
  });

  test('by hand: a 1 x 2 x 3 image padded by 1, window at (0, 2), flipped', () => {
    const src = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const out = new Float64Array(6);
    // Padded rows: [0 0 0 0 0], [0 1 2 3 0], [0 4 5 6 0], [0 0 0 0 0]; the window at row 0, column 2
    // is [[0, 0, 0], [2, 3, 0]], mirrored [[0, 0, 0], [0, 3, 2]].
    addon.gatherRowsAugmented(src, Int32Array.from([0]), out, 1, 2, 3, 1, Int32Array.from([0, 2]), Uint8Array.from([1]));
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 3, 2]);
    // The centred window, not flipped, is the image itself.
    addon.gatherRowsAugmented(src, Int32Array.from([0]), out, 1, 2, 3, 1, Int32Array.from([1, 1]), Uint8Array.from([0]));
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('bad arguments are refused before anything is written', () => {
    const out = new Float64Array(idx.length * image);
    const call = (o: Partial<{ src: Float64Array; idx: Int32Array; dst: Float64Array | Float32Array; pad: number; shifts: Int32Array; flips: Uint8Array }>) => () =>
      addon.gatherRowsAugmented(o.src ?? floats, o.idx ?? idx, o.dst ?? out, c, h, w, o.pad ?? pad, o.shifts ?? shifts, o.flips ?? flips);
    expect(call({ shifts: Int32Array.from([0, 5, 2, 2, 4, 0, 1, 3]) })).toThrow(/^gatherRowsAugmented: shifts\[1\] is 5 but must be in \[0, 4\]$/);
    expect(call({ shifts: Int32Array.from([0, 1]) })).toThrow(/shifts has 2 elements but the dimensions need 8/);
    expect(call({ flips: Uint8Array.from([0, 2, 0, 0]) })).toThrow(/flips\[1\] must be 0 or 1/);
    expect(call({ idx: Int32Array.from([0, 5, 0, 0]) })).toThrow(/idx\[1\] is 5 but must be in \[0, 5\)/);
    expect(call({ dst: new Float64Array(5) })).toThrow(/dst has 5 elements but the dimensions need 96/);
    expect(call({ pad: -1 })).toThrow(/pad must be a non-negative integer/);
    expect(call({ pad: 1 })).toThrow(/shifts\[1\] is 4 but must be in \[0, 2\]/);
    // dst over the bytes of src, though their element types differ.
    const shared = new Float64Array(n * image + idx.length * image);
    const dstOver = new Float32Array(shared.buffer, 0, idx.length * image);
    expect(call({ src: shared, dst: dstOver })).toThrow(/dst shares memory with src/);
    const both = new ArrayBuffer(idx.length * image * 4);
    const meanOver = new Float64Array(both, 0, image);
    meanOver.set(mean);
    expect(() => addon.gatherByteRowsAugmented(bytes, idx, meanOver, new Float32Array(both), c, h, w, pad, shifts, flips)).toThrow(
      /^gatherByteRowsAugmented: dst shares memory with mean$/,
    );
  });
});

describe('Batcher', () => {
  const X = new NumpyRandomState(1).standardNormal([30, 3, 8, 8]);
  const y = labels(2, 30, 10);

  test('the same seed gives the same augmented batches; crops and flips draw after the rows', () => {
    const a = new Batcher(X, y, 16, 'float32', { pad: 4, flip: true });
    const b = new Batcher(X, y, 16, 'float32', { pad: 4, flip: true });
    const [xa, ya] = a.sample(16, new NumpyRandomState(9));
    const first = Array.from(xa.data);
    const [xb, yb] = b.sample(16, new NumpyRandomState(9));
    expect(Array.from(xb.data)).toEqual(first);
    expect(Array.from(yb)).toEqual(Array.from(ya));
    // The rows are numpy's choice from the generator, as without augmentation.
    const plain = new Batcher(X, y, 16, 'float32');
    const [, yp] = plain.sample(16, new NumpyRandomState(9));
    expect(Array.from(yp)).toEqual(Array.from(ya));
    const [xc] = a.sample(16, new NumpyRandomState(10));
    expect(Array.from(xc.data)).not.toEqual(first);
  });

  test('the pixels are those of the drawn crop and flip', () => {
    const batcher = new Batcher(X, y, 4, 'float64', { pad: 2, flip: true });
    const rng = new NumpyRandomState(3);
    const [xb] = batcher.sample(4, rng);
    const again = new NumpyRandomState(3);
    const rows = again.choice(30, 4);
    const shifts = again.randint(0, 5, 8);
    const flips = again.randint(0, 2, 4);
    const image = 3 * 8 * 8;
    rows.forEach((row, r) => {
      const want = expectedImage(X.data.slice(row * image, (row + 1) * image), null, 3, 8, 8, 2, shifts[2 * r], shifts[2 * r + 1], flips[r] === 1);
      expect(Array.from(xb.data.slice(r * image, (r + 1) * image))).toEqual(want);
    });
  });

  test('options: pad 0 and no flips give the rows unchanged; anything but images is refused', () => {
    const batcher = new Batcher(X, y, 5, 'float64', augmentArg('t', 'augment', { pad: 0, flip: false }, X.shape));
    const [xb] = batcher.sample(5, new NumpyRandomState(4));
    const [xr] = new Batcher(X, y, 5, 'float64').sample(5, new NumpyRandomState(4));
    expect(Array.from(xb.data)).toEqual(Array.from(xr.data));
    expect(augmentArg('t', 'augment', false, X.shape)).toBeNull();
    expect(augmentArg('t', 'augment', true, X.shape)).toEqual({ pad: 4, flip: true });
    expect(() => augmentArg('Solver', 'options.augment', true, [30, 192])).toThrow(
      /^Solver: options\.augment crops and flips images \(N, C, H, W\), but the training data has shape \[30, 192\]$/,
    );
    expect(() => augmentArg('t', 'augment', { pad: -1 }, X.shape)).toThrow(/augment\.pad/);
  });
});

describe('the Solver with augment', () => {
  const X = new NumpyRandomState(5).standardNormal([60, 3, 6, 6]).astype('float32');
  const y = labels(6, 60, 3);
  const bytes = { data: Uint8Array.from(X.data, (v) => Math.max(0, Math.min(255, Math.round(128 + 40 * v)))), shape: [60, 3, 6, 6], mean: new Float64Array(108).fill(128) };

  const run = (augment: boolean | { pad: number }, XTrain: Tensor | typeof bytes = X) => {
    const model = new Sequential('affine16,relu,affine3', { inputShape: [3, 6, 6], rng: 0 });
    const solver = new Solver(model, { XTrain, yTrain: y, XVal: X, yVal: y }, {
      optimConfig: { learningRate: 0.01 }, batchSize: 12, numEpochs: 2, verbose: false, rng: 1, augment,
    });
    solver.train();
    return solver.lossHistory;
  };

  test('is deterministic for the seed, from floats and from bytes, and changes the batches', () => {
    expect(run(true)).toEqual(run(true));
    expect(run(true)).not.toEqual(run(false));
    expect(run({ pad: 2 }, bytes)).toEqual(run({ pad: 2 }, bytes));
  });

  test('needs images', () => {
    const flat = new Tensor(X.data, [60, 108]);
    const model = new Sequential('affine3', { inputShape: [108], rng: 0 });
    expect(() => new Solver(model, { XTrain: flat, yTrain: y, XVal: flat, yVal: y }, { augment: true })).toThrow(/options\.augment crops and flips images/);
  });
});
