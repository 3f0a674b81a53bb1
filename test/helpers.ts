import { NumpyRandomState } from '../lib/random';
import { Tensor, type DType } from '../lib/tensor';

/** Standard normal values of the given shape from a fixed seed, times scale. */
export function randn(seed: number, shape: number[], scale = 1, dtype: DType = 'float64'): Tensor {
  const t = new NumpyRandomState(seed).standardNormal(shape);
  for (let i = 0; i < t.size; i++) t.data[i] *= scale;
  return dtype === 'float64' ? t : t.astype(dtype);
}

/** Integer labels in [0, c) from a fixed seed. */
export function labels(seed: number, n: number, c: number): Int32Array {
  return new NumpyRandomState(seed).randint(0, c, n);
}

/** max |a - b| / max |b|: the error relative to the tensor's scale. */
export function scaledError(a: Tensor, b: Tensor): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.size; i++) {
    diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  return diff / scale;
}
