/**
 * loadCifar10: a release's images and labels as the files hold them. Pixels
 * stay bytes, (N, 3, 32, 32) channel-planar, written straight into one array
 * per split as the batches stream in.
 */
import { Assembler, ByteSplit, UnequalBatches, type AssemblerFactory } from './assemble';
import type { PixelArray } from './release';
import { LOAD_OPTIONS, readSource, type LoadOptions } from './source';
import { optionsObjectArg } from '../../validate';

export interface Cifar10 {
  XTrain: PixelArray;
  /** Class indices 0-9. */
  yTrain: Uint8Array;
  XTest: PixelArray;
  yTest: Uint8Array;
  classNames: string[];
}

/** Bytes kept as they are. */
function byteAssembler(placeByIndex: boolean): AssemblerFactory<ByteSplit> {
  return (format, where) => new Assembler(format, where, new ByteSplit(), new ByteSplit(), placeByIndex);
}

function release(a: Assembler<ByteSplit>): Cifar10 {
  const train = a.train.result();
  const test = a.test.result();
  return { XTrain: train.X, yTrain: train.y, XTest: test.X, yTest: test.y, classNames: a.classNames };
}

/**
 * Loads CIFAR-10: 50,000 training and 10,000 test images (or however many the
 * files hold) with their labels and the class names.
 * @param source a directory holding `cifar-10-batches-py/` or
 *   `cifar-10-batches-bin/` (or one of those itself), a
 *   `cifar-10-python.tar.gz` or `cifar-10-binary.tar.gz` archive, or the name
 *   `'cifar10'` for the download cache (NNDL_HOME or ~/.cache/nndl)
 */
export async function loadCifar10(source: string, options: LoadOptions = {}): Promise<Cifar10> {
  optionsObjectArg('loadCifar10', 'options', options, LOAD_OPTIONS);
  // Binary batches go straight to their place, however the archive orders
  // them; batches of different sizes are read again, in order.
  try {
    return release(await readSource('loadCifar10', source, options, byteAssembler(true)));
  } catch (e) {
    if (!(e instanceof UnequalBatches)) throw e;
    return release(await readSource('loadCifar10', source, options, byteAssembler(false)));
  }
}
