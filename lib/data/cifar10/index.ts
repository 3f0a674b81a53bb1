/**
 * CIFAR-10 from whatever a user has on disk: the Python release
 * (`cifar-10-batches-py`, pickled batches) or the binary release
 * (`cifar-10-batches-bin`, 3,073-byte records), as a directory or as the
 * packed `.tar.gz` (streamed, never unpacked to disk), or by name
 * (`'cifar10'`: the download cache, filled on first use).
 *
 * One job per file: release.ts (what a release holds), source.ts (reading a
 * directory, an archive or the cache), records.ts (decoding batches and class
 * names), assemble.ts (filing batches into the splits, in batch order),
 * load.ts (loadCifar10: the bytes), preprocess.ts (the mean image) and
 * splits.ts (getCifar10Data, getCifar10Pixels: the reference's splits).
 */
export { CIFAR10_CLASSES, type PixelArray } from './release';
export { loadCifar10, type Cifar10 } from './load';
export type { LoadOptions } from './source';
export { getCifar10Data, getCifar10Pixels, type Cifar10Data, type Cifar10DataOptions, type Cifar10Pixels } from './splits';
