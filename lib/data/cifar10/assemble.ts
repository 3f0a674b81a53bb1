/**
 * Assembling the batches of a release into its two splits, training and
 * test, whatever order the files come in: each batch is filed in batch
 * order, into bytes (ByteSplit, what loadCifar10 returns) or straight into
 * float rows (FloatSplit, for getCifar10Data). A release must hold each
 * batch exactly once, and a batch may not declare more than a batch can hold.
 */
import { native } from '../../native';
import type { FloatArray } from '../../tensor';
import { adviseHugePages } from '../huge-pages';
import { RecordWriter, appendPythonBatch, parseClassNames, recordCount, type RecordTarget } from './records';
import {
  CIFAR10_CLASSES, IMAGE_BYTES, MAX_BATCH_BYTES, MAX_META_BYTES, TRAIN_BATCHES, batchNames, type Format, type PixelArray,
} from './release';

/**
 * One split's labels, and its images wherever the subclass keeps them, filled
 * batch by batch. Room is planned from the first batch (every batch of a split
 * has the same size in the releases), so the real data set is written in
 * place with no copy.
 */
export abstract class Split implements RecordTarget {
  labels = new Uint8Array(0);
  count = 0;

  reserve(records: number): void {
    if (this.count + records <= this.labels.length) return;
    const capacity = Math.max(this.count + records, Math.ceil(this.labels.length * 1.5));
    this.grow(capacity);
    const labels = new Uint8Array(capacity);
    labels.set(this.labels.subarray(0, this.count));
    this.labels = labels;
  }

  protected abstract grow(capacity: number): void;

  abstract writePixels(index: number, from: number, bytes: Uint8Array): void;

  abstract writeImages(index: number, bytes: Uint8Array): void;
}

/** Images kept as bytes, (N, 3, 32, 32), in one array. */
export class ByteSplit extends Split {
  pixels = new Uint8Array(0);

  protected grow(capacity: number): void {
    const pixels = adviseHugePages(new Uint8Array(capacity * IMAGE_BYTES));
    pixels.set(this.pixels.subarray(0, this.count * IMAGE_BYTES));
    this.pixels = pixels;
  }

  writePixels(index: number, from: number, bytes: Uint8Array): void {
    this.pixels.set(bytes, index * IMAGE_BYTES + from);
  }

  writeImages(index: number, bytes: Uint8Array): void {
    this.pixels.set(bytes, index * IMAGE_BYTES);
  }

  result(): { X: PixelArray; y: Uint8Array } {
    return {
      X: { data: this.pixels.subarray(0, this.count * IMAGE_BYTES), shape: [this.count, 3, 32, 32] },
      y: this.labels.subarray(0, this.count),
    };
  }
}

/** Where image `index` of a split goes: a row of a float array, or nowhere (not kept). */
export type Route = (index: number) => { dst: FloatArray; row: number } | null;

/**
 * Images converted to floats as they arrive, each straight into its row of
 * the arrays the route points to (or dropped when no split keeps it): the
 * bytes of the whole set never exist at once.
 */
export class FloatSplit extends Split {
  private readonly record = new Uint8Array(IMAGE_BYTES);

  constructor(private readonly route: Route, private readonly hwc: boolean) {
    super();
  }

  // The rows live in the arrays the routes point to, sized by the caller.
  protected grow(): void {}

  writePixels(index: number, from: number, bytes: Uint8Array): void {
    if (from === 0 && bytes.length === IMAGE_BYTES) {
      this.convert(index, bytes, 0);
      return;
    }
    this.record.set(bytes, from);
    if (from + bytes.length === IMAGE_BYTES) this.convert(index, this.record, 0);
  }

  writeImages(index: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length / IMAGE_BYTES; i++) this.convert(index + i, bytes, i);
  }

  private convert(index: number, src: Uint8Array, image: number): void {
    const place = this.route(index);
    if (place === null) return;
    const row = place.dst.subarray(place.row * IMAGE_BYTES, (place.row + 1) * IMAGE_BYTES);
    native().pixelsToFloat(src, image, 1, 3, 1024, this.hwc, null, row);
  }
}

/** Binary batches of different sizes, which a placement by batch index cannot lay out. */
export class UnequalBatches extends Error {}

/** What receives one file's bytes, chunk by chunk, then its end. */
export interface FileSink {
  write(chunk: Uint8Array): void;
  end(): void;
}

/**
 * Receives the files of one release in any order and files each batch in
 * its split, in batch order: a batch that arrives early is kept whole until
 * the ones before it are in. With placeByIndex (binary batches of equal
 * size), an early batch goes straight to its place instead.
 */
export class Assembler<S extends Split> {
  classNames: string[] = [...CIFAR10_CLASSES];
  /** The class names file, read when every batch is in (an archive's corruption shows first). */
  private meta: { file: string; bytes: Buffer } | undefined;
  private nextTrain = 0;
  private readonly parked = new Map<number, { file: string; bytes: Buffer }>();
  private readonly placed = new Set<number>();
  /** Where each batch and class-names file was met, by base name. */
  private readonly seen = new Map<string, string>();
  private perBatch: number | undefined;
  private readonly placeByIndex: boolean;
  readonly names: ReturnType<typeof batchNames>;

  constructor(readonly format: Format, private readonly where: string, readonly train: S, readonly test: S, placeByIndex: boolean) {
    this.names = batchNames(format);
    this.placeByIndex = placeByIndex && format === 'bin';
  }

  /**
   * What to do with a file of this base name: a writer for its bytes, or
   * null to skip it. A batch or class-names file met twice is an error
   * naming both places: which one holds the data would be a guess.
   */
  open(name: string, display: string, size: number): FileSink | null {
    const trainIndex = this.names.train.indexOf(name);
    if (trainIndex < 0 && name !== this.names.test && name !== this.names.meta) return null;
    const earlier = this.seen.get(name);
    if (earlier !== undefined) throw new Error(`${this.where}: holds ${name} twice (${earlier} and ${display})`);
    this.seen.set(name, display);
    if (name !== this.names.meta && size > MAX_BATCH_BYTES) {
      throw new Error(`${display}: ${size} bytes, more than a CIFAR-10 batch can hold (at most ${MAX_BATCH_BYTES})`);
    }
    return this.route(name, trainIndex, display, size);
  }

  private route(name: string, trainIndex: number, display: string, size: number): FileSink | null {
    if (name === this.names.test) {
      return this.sink(this.test, display, size, (bytes) => appendPythonBatch(this.test, display, bytes));
    }
    if (name === this.names.meta) {
      if (size > MAX_META_BYTES) throw new Error(`${display}: ${size} bytes, too large for class names (at most ${MAX_META_BYTES})`);
      return collect(display, size, (bytes) => {
        this.meta = { file: display, bytes };
      });
    }
    if (trainIndex < 0) return null;
    if (this.placeByIndex) return this.placedSink(trainIndex, display, size);
    if (trainIndex === this.nextTrain) {
      return this.sink(this.train, display, size, (bytes) => appendPythonBatch(this.train, display, bytes), () => this.advance());
    }
    return collect(display, size, (bytes) => this.parked.set(trainIndex, { file: display, bytes }));
  }

  /** A writer into a split: records straight in for binary files, whole pickles for Python ones. */
  private sink(split: Split, file: string, size: number, python: (bytes: Buffer) => void, done = () => {}): FileSink {
    if (this.format === 'py') {
      return collect(file, size, (bytes) => {
        python(bytes);
        done();
      });
    }
    if (split === this.train && split.count === 0) split.reserve(recordCount(file, size) * TRAIN_BATCHES);
    return writerSink(new RecordWriter(split, file, recordCount(file, size)), done);
  }

  /** Training batch k of `records` records at records k to k + records - 1. */
  private placedSink(k: number, file: string, size: number): FileSink {
    const records = recordCount(file, size);
    this.perBatch ??= records;
    if (records !== this.perBatch) throw new UnequalBatches(`${file}: ${records} records, but an earlier batch has ${this.perBatch}`);
    if (this.placed.size === 0 && this.train.count === 0) this.train.reserve(records * TRAIN_BATCHES);
    return writerSink(new RecordWriter(this.train, file, records, k * records), () => this.placed.add(k));
  }

  private advance(): void {
    this.nextTrain++;
    const next = this.parked.get(this.nextTrain);
    if (next === undefined) return;
    this.parked.delete(this.nextTrain);
    const sink = this.route(this.names.train[this.nextTrain], this.nextTrain, next.file, next.bytes.length);
    sink?.write(next.bytes);
    sink?.end();
  }

  /** Checks that every batch arrived, and reads the class names (ten short strings). */
  finish(): this {
    const missing = [...this.names.train, this.names.test].filter((name) => !this.seen.has(name));
    if (missing.length > 0) throw new Error(`${this.where}: missing ${missing.join(', ')}`);
    if (this.meta) this.classNames = parseClassNames(this.format, this.meta.file, this.meta.bytes);
    return this;
  }
}

function writerSink(writer: RecordWriter, done: () => void): FileSink {
  return {
    write: (chunk: Uint8Array) => writer.write(chunk),
    end: () => {
      writer.end();
      done();
    },
  };
}

/** A writer that gathers a whole file (of known size) and hands it over at the end. */
function collect(file: string, size: number, done: (bytes: Buffer) => void): FileSink {
  const bytes = Buffer.alloc(size);
  let at = 0;
  return {
    write(chunk: Uint8Array) {
      if (at + chunk.length > size) throw new Error(`${file}: more data than its declared size of ${size} bytes`);
      bytes.set(chunk, at);
      at += chunk.length;
    },
    end() {
      if (at !== size) throw new Error(`${file}: truncated: ${at} of ${size} bytes`);
      done(bytes);
    },
  };
}

/** Makes the assembler of a release once its format is known. */
export type AssemblerFactory<S extends Split> = (format: Format, where: string) => Assembler<S>;
