/**
 * The built-in data set the command line trains on when no CIFAR-10 is at
 * hand: CIFAR-shaped images (3, 32, 32) at the scale of mean-subtracted
 * pixels, in ten classes, each class a smooth random colour pattern under
 * heavy pixel noise. Learnable, far from trivial, and the same for the same seed.
 * As images, the values are pixels less 128: the mean image a model trained
 * on them takes raw images with.
 */
import { NumpyRandomState } from '../random';
import { Tensor, type DType } from '../tensor';
import type { SplitData } from './data';

const CLASSES = 10;
const SIZE = 32;
const GRID = 4;
/** Pixel noise and pattern strength, on the scale of mean-subtracted 0-255 pixels. */
const NOISE = 60;
const SIGNAL = 4;

/** Each class's pattern: a 3 x 4 x 4 random grid, bilinearly upsampled to 3 x 32 x 32. */
function patterns(rng: NumpyRandomState): Float64Array {
  const grid = rng.randn(CLASSES, 3, GRID, GRID).data;
  const out = new Float64Array(CLASSES * 3 * SIZE * SIZE);
  const at = (v: number) => Math.min(GRID - 1, Math.max(0, v));
  for (let c = 0; c < CLASSES; c++) {
    for (let ch = 0; ch < 3; ch++) {
      const g = (i: number, j: number) => grid[((c * 3 + ch) * GRID + at(i)) * GRID + at(j)];
      for (let y = 0; y < SIZE; y++) {
        const fy = ((y + 0.5) * GRID) / SIZE - 0.5;
        const y0 = Math.floor(fy);
        const ty = fy - y0;
        for (let x = 0; x < SIZE; x++) {
          const fx = ((x + 0.5) * GRID) / SIZE - 0.5;
          const x0 = Math.floor(fx);
          const tx = fx - x0;
          const v = (1 - ty) * ((1 - tx) * g(y0, x0) + tx * g(y0, x0 + 1)) + ty * ((1 - tx) * g(y0 + 1, x0) + tx * g(y0 + 1, x0 + 1));
          out[((c * 3 + ch) * SIZE + y) * SIZE + x] = v;
        }
      }
    }
  }
  return out;
}

function split(rng: NumpyRandomState, pattern: Float64Array, n: number, dtype: DType): { X: Tensor; y: Int32Array } {
  const y = rng.randint(0, CLASSES, n);
  const noise = rng.standardNormal([n, 3, SIZE, SIZE]);
  const size = 3 * SIZE * SIZE;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < size; k++) noise.data[i * size + k] = NOISE * noise.data[i * size + k] + SIGNAL * pattern[y[i] * size + k];
  }
  return { X: dtype === 'float64' ? noise : noise.astype(dtype), y };
}

/** 5,000 training, 500 validation and 500 test images, deterministic from the seed. */
export function syntheticData(seed: number, dtype: DType, sizes = { train: 5000, val: 500, test: 500 }): SplitData {
  const rng = new NumpyRandomState(seed);
  const pattern = patterns(rng);
  const train = split(rng, pattern, sizes.train, dtype);
  const val = split(rng, pattern, sizes.val, dtype);
  const test = split(rng, pattern, sizes.test, dtype);
  return {
    XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y, XTest: test.X, yTest: test.y,
    meanImage: new Tensor(new Float64Array(3 * SIZE * SIZE).fill(128), [3, SIZE, SIZE]),
    classNames: Array.from({ length: CLASSES }, (_, i) => `pattern ${i}`),
    source: `synthetic (seed ${seed})`,
    data: 'synthetic',
  };
}
