/**
 * The one preprocessing of CIFAR-10 images: the mean image of the training
 * part, subtracted from every split. Whatever the source, layout or dtype,
 * the mean is the exact sum of each pixel value over the training images
 * (whole numbers: exact in float64, and in float32 over the blocks summed
 * here) divided by their count, in float64; each value minus its mean is
 * computed in float64 and rounded once to the dtype.
 */
import { native } from '../../native';
import type { FloatArray, Tensor } from '../../tensor';
import { IMAGE_BYTES } from './release';

/**
 * Images summed per call: their sums (at most 255 each) stay below 2^24,
 * exact in float32, and a block of bytes converted to float64 is 6 MB.
 */
const BLOCK = 256;

/**
 * Images first to first + n - 1 as float rows: a view of float images, or
 * bytes converted into `scratch` (pixel values are exact in float64).
 */
function floatRows(images: FloatArray | Uint8Array, first: number, n: number, scratch: Float64Array): FloatArray {
  if (!(images instanceof Uint8Array)) return images.subarray(first * IMAGE_BYTES, (first + n) * IMAGE_BYTES);
  const rows = scratch.subarray(0, n * IMAGE_BYTES);
  native().pixelsToFloat(images, first, n, 3, 1024, false, null, rows);
  return rows;
}

/**
 * The mean of the first `count` images, float64, in the order of their
 * values: float rows as converted (not yet centred), in the layout's order,
 * or the bytes of a release, in (3, 32, 32) order.
 */
export function meanImage(images: FloatArray | Uint8Array, count: number): Float64Array {
  const scratch = new Float64Array(images instanceof Uint8Array ? BLOCK * IMAGE_BYTES : 0);
  const Sums = images instanceof Uint8Array ? Float64Array : (images.constructor as new (n: number) => FloatArray);
  const sums = new Sums(IMAGE_BYTES);
  const total = new Float64Array(IMAGE_BYTES);
  for (let first = 0; first < count; first += BLOCK) {
    const n = Math.min(BLOCK, count - first);
    native().columnSums(floatRows(images, first, n, scratch), sums, n, IMAGE_BYTES);
    for (let j = 0; j < IMAGE_BYTES; j++) total[j] += sums[j];
  }
  return Float64Array.from(total, (sum) => sum / count);
}

/** Every split minus the mean image, in place. */
export function subtractMean(splits: readonly Tensor[], mean: Float64Array): void {
  for (const X of splits) if (X.shape[0] > 0) native().subtractRowVector(X.data, mean, X.shape[0], IMAGE_BYTES);
}
