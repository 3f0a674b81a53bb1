/**
 * What a CIFAR-10 release is: its two formats (the binary release's
 * `cifar-10-batches-bin`, the Python release's `cifar-10-batches-py`), the
 * files each holds, the size of an image and a record, and the bounds on
 * what a release may cost to read.
 */

export const CIFAR10_CLASSES: readonly string[] = Object.freeze([
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
]);

export const IMAGE_SHAPE = [3, 32, 32] as const;
export const IMAGE_BYTES = 3 * 32 * 32;
/** A binary record: the label byte, then the image. */
export const RECORD_BYTES = 1 + IMAGE_BYTES;
export const TRAIN_BATCHES = 5;

/**
 * Bounds on what a release may hold. The real ones decompress to 185 MB; a
 * batch file is at most the whole training set (154 MB as records); the
 * class names file is 61 bytes. A member declaring more is refused before
 * anything is allocated for it; an archive decompressing to more is
 * refused as it streams (a gzip bomb of zeros).
 */
export const MAX_RELEASE_BYTES = 2 ** 30;
export const MAX_BATCH_BYTES = 200 * 2 ** 20;
export const MAX_META_BYTES = 2 ** 20;
/** A class name longer than this is not one. */
export const MAX_CLASS_NAME = 100;

/** Images as bytes, (N, 3, 32, 32), row-major: red plane, green plane, blue plane. */
export interface PixelArray {
  readonly data: Uint8Array;
  readonly shape: readonly [number, 3, 32, 32];
}

export type Format = 'bin' | 'py';

/** The directory that holds each format's files, in a release and in its archive. */
export const FORMAT_DIRECTORIES = [['cifar-10-batches-bin', 'bin'], ['cifar-10-batches-py', 'py']] as const;

/** The files of a release in a format: five training batches, the test batch, the class names. */
export function batchNames(format: Format): { train: string[]; test: string; meta: string } {
  const ext = format === 'bin' ? '.bin' : '';
  return {
    train: Array.from({ length: TRAIN_BATCHES }, (_, i) => `data_batch_${i + 1}${ext}`),
    test: `test_batch${ext}`,
    meta: format === 'bin' ? 'batches.meta.txt' : 'batches.meta',
  };
}
