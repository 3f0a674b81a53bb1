/**
 * CIFAR-10 from whatever a user has on disk: the Python release
 * (`cifar-10-batches-py`, pickled batches) or the binary release
 * (`cifar-10-batches-bin`, 3,073-byte records), as a directory or as the
 * packed `.tar.gz` (streamed, never unpacked to disk), or by name
 * (`'cifar10'`: the download cache, filled on first use).
 *
 * Pixels stay bytes, (N, 3, 32, 32) channel-planar as the files hold them,
 * written straight into one array per split as the batches stream in.
 *
 * The files are untrusted: only regular files and directories are read, a
 * release must hold each batch exactly once, and what a file may cost is
 * bounded before it is allocated (a member's declared size, the whole
 * release's decompressed size, the class names' length).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

import type { ReadEntry } from 'tar';

import { inputKind, openInputFile } from '../io/input-file';
import { native } from '../native';
import { Tensor, sharedZeros, zeros, type DType, type FloatArray } from '../tensor';
import {
  booleanArg, dtypeArg, invalidType, invalidValue, nonNegativeIntegerArg, objectArg, positiveIntegerArg,
} from '../validate';
import type { ByteImages } from '../solver';
import { cachedCifar10Archive } from './download';
import { adviseHugePages } from './huge-pages';
import { isNdArray, readPickle, type PickleValue } from './pickle';

export const CIFAR10_CLASSES: readonly string[] = Object.freeze([
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
]);

export const IMAGE_SHAPE = [3, 32, 32] as const;
const IMAGE_BYTES = 3 * 32 * 32;
const RECORD_BYTES = 1 + IMAGE_BYTES;
const TRAIN_BATCHES = 5;

/**
 * Bounds on what a release may hold. The real ones decompress to 185 MB; a
 * batch file is at most the whole training set (154 MB as records); the
 * class names file is 61 bytes. A member declaring more is refused before
 * anything is allocated for it; an archive decompressing to more is
 * refused as it streams (a gzip bomb of zeros).
 */
export const MAX_RELEASE_BYTES = 2 ** 30;
export const MAX_BATCH_BYTES = 200 * 2 ** 20;
const MAX_META_BYTES = 2 ** 20;
/** A class name longer than this is not one. */
const MAX_CLASS_NAME = 100;

/** Images as bytes, (N, 3, 32, 32), row-major: red plane, green plane, blue plane. */
export interface PixelArray {
  readonly data: Uint8Array;
  readonly shape: readonly [number, 3, 32, 32];
}

export interface Cifar10 {
  XTrain: PixelArray;
  /** Class indices 0-9. */
  yTrain: Uint8Array;
  XTest: PixelArray;
  yTest: Uint8Array;
  classNames: string[];
}

type Format = 'bin' | 'py';

function batchNames(format: Format): { train: string[]; test: string; meta: string } {
  const ext = format === 'bin' ? '.bin' : '';
  return {
    train: Array.from({ length: TRAIN_BATCHES }, (_, i) => `data_batch_${i + 1}${ext}`),
    test: `test_batch${ext}`,
    meta: format === 'bin' ? 'batches.meta.txt' : 'batches.meta',
  };
}

/**
 * One split's labels, and its images wherever the subclass keeps them, filled
 * batch by batch. Room is planned from the first batch (every batch of a split
 * has the same size in the releases), so the real data set is written in
 * place with no copy.
 */
abstract class Split {
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

  /** Bytes [from, from + bytes.length) of image `index`; an image's pieces arrive in order. */
  abstract writePixels(index: number, from: number, bytes: Uint8Array): void;

  /** Whole images index, index + 1, ... (3,072 bytes each). */
  abstract writeImages(index: number, bytes: Uint8Array): void;
}

/** Images kept as bytes, (N, 3, 32, 32), in one array. */
class ByteSplit extends Split {
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
type Route = (index: number) => { dst: FloatArray; row: number } | null;

/**
 * Images converted to floats as they arrive, each straight into its row of
 * the returned arrays (or dropped when no split keeps it): the bytes of the
 * whole set never exist at once.
 */
class FloatSplit extends Split {
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

/** A label must be a class index; offset is the record's byte offset in a binary file. */
function checkLabel(file: string, record: number, label: unknown, offset?: number): void {
  if (!(typeof label === 'number' && Number.isInteger(label) && label >= 0 && label <= 9)) {
    const where = offset === undefined ? '' : ` (byte ${offset})`;
    throw new Error(`${file}: record ${record}${where} has label ${String(label)}, expected 0 to 9`);
  }
}

/**
 * Writes binary records (a label byte, then 3,072 pixel bytes) arriving in
 * chunks of any size into a split.
 */
class RecordWriter {
  private offset = 0;
  private readonly first: number;

  /** first: the split index of the file's first record (by default, after those written so far). */
  constructor(private readonly split: Split, private readonly file: string, private readonly records: number, first?: number) {
    split.reserve(records);
    this.first = first ?? split.count;
  }

  write(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      const record = Math.floor(this.offset / RECORD_BYTES);
      if (record >= this.records) throw new Error(`${this.file}: more data than its ${this.records} records`);
      const within = this.offset % RECORD_BYTES;
      const index = this.first + record;
      if (within === 0) {
        checkLabel(this.file, record, chunk[i], this.offset);
        this.split.labels[index] = chunk[i];
        i++;
        this.offset++;
        continue;
      }
      const n = Math.min(RECORD_BYTES - within, chunk.length - i);
      this.split.writePixels(index, within - 1, chunk.subarray(i, i + n));
      i += n;
      this.offset += n;
    }
  }

  end(): void {
    if (this.offset !== this.records * RECORD_BYTES) {
      throw new Error(`${this.file}: truncated: ${this.offset} of ${this.records * RECORD_BYTES} bytes`);
    }
    this.split.count += this.records;
  }
}

function recordCount(file: string, size: number): number {
  if (size % RECORD_BYTES !== 0 || size === 0) {
    throw new Error(`${file}: ${size} bytes is not a whole number of ${RECORD_BYTES}-byte records`);
  }
  return size / RECORD_BYTES;
}

function dictGet(file: string, value: PickleValue, key: string): PickleValue {
  if (!(value instanceof Map)) throw new Error(`${file}: the pickle holds no dict`);
  const v = value.get(key);
  if (v === undefined) throw new Error(`${file}: the pickled dict has no '${key}'`);
  return v;
}

/** Appends one Python batch ({data: uint8 (n, 3072), labels: [n ints]}) to a split. */
function appendPythonBatch(split: Split, file: string, bytes: Buffer): void {
  const batch = readPickle(bytes, file);
  const data = dictGet(file, batch, 'data');
  const labels = dictGet(file, batch, 'labels');
  if (!isNdArray(data) || data.dtype !== 'u1' || data.shape.length !== 2 || data.shape[1] !== IMAGE_BYTES || data.fortran) {
    throw new Error(`${file}: 'data' is not a C-ordered uint8 array of shape (N, ${IMAGE_BYTES})`);
  }
  const n = data.shape[0];
  if (!Array.isArray(labels) || labels.length !== n) {
    throw new Error(`${file}: 'labels' is not a list of ${n} labels, one per image`);
  }
  split.reserve(n);
  split.writeImages(split.count, data.data);
  labels.forEach((label, i) => {
    checkLabel(file, i, label);
    split.labels[split.count + i] = label as number;
  });
  split.count += n;
}

/**
 * Ten short strings. A pickled name is read only when it is one: a
 * hostile list of nested memoised lists is never walked (printing one would
 * expand it exponentially).
 */
function parseClassNames(format: Format, file: string, bytes: Buffer): string[] {
  const names = format === 'bin'
    ? bytes.toString('utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0)
    : dictGet(file, readPickle(bytes, file), 'label_names');
  if (!Array.isArray(names)) throw new Error(`${file}: 'label_names' is not a list`);
  if (names.length !== 10) throw new Error(`${file}: names ${names.length} classes, expected 10`);
  return names.map((n, i) => {
    const name = Buffer.isBuffer(n) ? n.toString('latin1') : n;
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_CLASS_NAME) {
      const what = typeof name === 'string' ? `a string of ${name.length} characters` : Array.isArray(name) ? 'a list' : typeof name;
      throw new Error(`${file}: class name ${i} is ${what}, expected a string of 1 to ${MAX_CLASS_NAME} characters`);
    }
    return name;
  });
}

/** Binary batches of different sizes, which a placement by batch index cannot lay out. */
class UnequalBatches extends Error {}

/**
 * Receives the files of one release in any order and files each batch in
 * its split, in batch order: a batch that arrives early is kept whole until
 * the ones before it are in. With placeByIndex (binary batches of equal
 * size), an early batch goes straight to its place instead.
 */
class Assembler<S extends Split> {
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
  open(name: string, display: string, size: number): { write(chunk: Uint8Array): void; end(): void } | null {
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

  private route(name: string, trainIndex: number, display: string, size: number): { write(chunk: Uint8Array): void; end(): void } | null {
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
  private sink(split: Split, file: string, size: number, python: (bytes: Buffer) => void, done = () => {}) {
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
  private placedSink(k: number, file: string, size: number) {
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

function writerSink(writer: RecordWriter, done: () => void) {
  return {
    write: (chunk: Uint8Array) => writer.write(chunk),
    end: () => {
      writer.end();
      done();
    },
  };
}

/** Makes the assembler of a release once its format is known. */
type AssemblerFactory<S extends Split> = (format: Format, where: string) => Assembler<S>;

/** Bytes kept as they are: what loadCifar10 returns. */
function byteAssembler(placeByIndex: boolean): AssemblerFactory<ByteSplit> {
  return (format, where) => new Assembler(format, where, new ByteSplit(), new ByteSplit(), placeByIndex);
}

function release(a: Assembler<ByteSplit>): Cifar10 {
  const train = a.train.result();
  const test = a.test.result();
  return { XTrain: train.X, yTrain: train.y, XTest: test.X, yTest: test.y, classNames: a.classNames };
}

/** A writer that gathers a whole file (of known size) and hands it over at the end. */
function collect(file: string, size: number, done: (bytes: Buffer) => void) {
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

/** Reads a batches directory file by file: regular files only, the batches within the release's bound. */
async function readDirectory<S extends Split>(fn: string, dir: string, format: Format, make: AssemblerFactory<S>): Promise<Assembler<S>> {
  const assembler = make(format, dir);
  const { train, test, meta } = assembler.names;
  const missing = [...train, test].filter((name) => !fs.existsSync(path.join(dir, name)));
  if (missing.length > 0) throw new Error(`${dir}: missing ${missing.join(', ')}`);
  let total = 0;
  for (const name of [...train, test, meta]) {
    const file = path.join(dir, name);
    if (name === meta && !fs.existsSync(file)) continue;
    const { fd, size } = openInputFile(fn, file);
    total += size;
    const sink = (() => {
      try {
        if (total > MAX_RELEASE_BYTES) throw new Error(`${dir}: the batches hold more than ${MAX_RELEASE_BYTES} bytes, more than a CIFAR-10 release`);
        return assembler.open(name, file, size)!;
      } catch (e) {
        fs.closeSync(fd);
        throw e;
      }
    })();
    if (size > 0) {
      // The stream closes the descriptor. It reads the size checked: a file that grows meanwhile is cut there.
      for await (const chunk of fs.createReadStream(file, { fd, start: 0, end: size - 1, highWaterMark: 1 << 20 })) sink.write(chunk as Buffer);
    } else {
      fs.closeSync(fd);
    }
    sink.end();
  }
  return assembler.finish();
}

/** An archive that decompresses to more than a release can hold. */
class TooLarge extends Error {}

/** Passes bytes on, failing once more than `limit` have passed: the bound on an archive's decompressed size. */
class ByteLimit extends Transform {
  private passed = 0;

  constructor(private readonly limit: number, private readonly file: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.passed += chunk.length;
    if (this.passed > this.limit) {
      done(new TooLarge(`${this.file}: decompresses to more than ${this.limit} bytes, more than a CIFAR-10 release holds`));
    } else {
      done(null, chunk);
    }
  }
}

/**
 * Streams a .tar.gz (or plain .tar) release, filing each batch as it is
 * decompressed. The decompressed stream is counted (at most
 * MAX_RELEASE_BYTES) and the reading stops at the first error.
 */
async function readArchive<S extends Split>(fn: string, file: string, make: AssemblerFactory<S>): Promise<Assembler<S>> {
  const { fd, size } = openInputFile(fn, file);
  const magic = Buffer.alloc(2);
  if (size >= 2) fs.readSync(fd, magic, 0, 2, 0);
  const input = fs.createReadStream(file, { fd, start: 0 });
  let assembler: Assembler<S> | undefined;
  let failure: Error | undefined;
  // Stops the reading with the error: destroying the input without one, once it has
  // been read to its end, leaves the pipeline's promise unsettled.
  const fail = (e: unknown) => {
    failure ??= e as Error;
    input.destroy(failure);
  };
  // tar is loaded when an archive is read, not when the library is imported.
  const { Parser } = await import('tar');
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const parts = entry.path.split('/').filter((p) => p.length > 0);
      const dirName = parts[parts.length - 2];
      const format: Format | undefined = dirName === 'cifar-10-batches-bin' ? 'bin' : dirName === 'cifar-10-batches-py' ? 'py' : undefined;
      if (entry.type !== 'File' || format === undefined || failure) {
        entry.resume();
        return;
      }
      assembler ??= make(format, file);
      let sink: ReturnType<Assembler<S>['open']> = null;
      try {
        if (assembler.format !== format) throw new Error(`${file}: holds both cifar-10-batches-bin and cifar-10-batches-py`);
        sink = assembler.open(parts[parts.length - 1], `${file}:${entry.path}`, entry.size);
      } catch (e) {
        fail(e);
      }
      if (sink === null) {
        entry.resume();
        return;
      }
      const s = sink;
      entry.on('data', (chunk: Buffer) => {
        if (failure) return;
        try {
          s.write(chunk);
        } catch (e) {
          fail(e);
        }
      });
      entry.on('end', () => {
        if (failure) return;
        try {
          s.end();
        } catch (e) {
          fail(e);
        }
      });
    },
  });
  const limit = new ByteLimit(MAX_RELEASE_BYTES, file);
  try {
    // Decompressed here rather than by the parser, so the bound counts the bytes the parser reads.
    if (magic[0] === 0x1f && magic[1] === 0x8b) await pipeline(input, zlib.createGunzip(), limit, parser);
    else await pipeline(input, limit, parser);
  } catch (e) {
    if (failure) throw failure;
    if (e instanceof TooLarge) throw e;
    throw new Error(`${file}: not a readable .tar.gz (${(e as Error).message})`, { cause: e });
  }
  if (failure) throw failure;
  if (!assembler) throw new Error(`${file}: holds no cifar-10-batches-bin/ or cifar-10-batches-py/ directory`);
  return assembler.finish();
}

/** The release layout of a directory: itself a batches directory, or holding one. */
function directoryFormat(dir: string): { dir: string; format: Format } | undefined {
  for (const [sub, format] of [['cifar-10-batches-bin', 'bin'], ['cifar-10-batches-py', 'py']] as const) {
    if (fs.existsSync(path.join(dir, sub))) return { dir: path.join(dir, sub), format };
  }
  if (fs.existsSync(path.join(dir, 'data_batch_1.bin')) || fs.existsSync(path.join(dir, 'test_batch.bin'))) return { dir, format: 'bin' };
  if (fs.existsSync(path.join(dir, 'data_batch_1')) || fs.existsSync(path.join(dir, 'test_batch'))) return { dir, format: 'py' };
  return undefined;
}

export interface LoadOptions {
  /** For `'cifar10'`: progress of a download, if one is needed. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** For `'cifar10'`: a mirror to download from instead of the official address (with its md5). */
  url?: string;
  md5?: string;
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
  // Binary batches go straight to their place, however the archive orders
  // them; batches of different sizes are read again, in order.
  try {
    return release(await readSource('loadCifar10', source, options, byteAssembler(true)));
  } catch (e) {
    if (!(e instanceof UnequalBatches)) throw e;
    return release(await readSource('loadCifar10', source, options, byteAssembler(false)));
  }
}

/** Reads a release from a path or the cache into the assembler the factory makes. */
async function readSource<S extends Split>(fn: string, source: unknown, options: LoadOptions, make: AssemblerFactory<S>): Promise<Assembler<S>> {
  if (typeof source !== 'string' || source === '') throw invalidType(fn, 'source', 'a path or the name "cifar10"', source);
  if (source === 'cifar10' && !fs.existsSync(source)) {
    const { onProgress, url, md5 } = options;
    return readArchive(fn, await cachedCifar10Archive({ onProgress, url, md5 }), make);
  }
  if (inputKind(fn, source) === 'directory') {
    const found = directoryFormat(source);
    if (!found) {
      throw new Error(`${fn}: ${source} holds neither cifar-10-batches-py/ nor cifar-10-batches-bin/ nor their batch files`);
    }
    return readDirectory(fn, found.dir, found.format, make);
  }
  return readArchive(fn, source, make);
}

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

/** Labels first to first + count - 1 as the Int32Array the Solver takes. */
function labelRange(y: Uint8Array, first: number, count: number): Int32Array {
  return Int32Array.from(y.subarray(first, first + count));
}

/** Room for count images as floats: (count, 3, 32, 32), or (count, 3072) rows in (h, w, c) order. */
function floatImages(count: number, dtype: DType, hwc: boolean, shared: boolean): Tensor {
  const shape = hwc ? [count, IMAGE_BYTES] : [count, ...IMAGE_SHAPE];
  // Zeros: a release that held fewer images than asked for would otherwise leave rows of whatever memory held.
  const images = shared ? sharedZeros(shape, dtype) : zeros(shape, dtype);
  adviseHugePages(images.data);
  return images;
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

/** The splits must fit in the images the release holds. */
function checkCounts(fn: string, counts: ReturnType<typeof splitCounts>, trainImages: number, testImages: number): void {
  const { numTraining, numValidation, numTest } = counts;
  if (numTraining + numValidation > trainImages) {
    throw new RangeError(`${fn}: numTraining + numValidation is ${numTraining + numValidation} but the training set has ${trainImages} images`);
  }
  if (numTest > testImages) throw new RangeError(`${fn}: numTest is ${numTest} but the test set has ${testImages} images`);
}

/** The options every split takes, checked against the data (loaded here unless given). */
async function splitArgs(fn: string, o: Record<string, unknown>) {
  const counts = splitCounts(fn, o);
  const data = (o.data as Cifar10 | undefined) ??
    (await loadCifar10((o.source as string | undefined) ?? 'cifar10', { onProgress: o.onProgress as LoadOptions['onProgress'] }));
  checkCounts(fn, counts, data.XTrain.shape[0], data.XTest.shape[0]);
  return { data, ...counts };
}

/**
 * getCifar10Data straight from the files: every image converted into its row
 * of the returned arrays as it is decompressed, so the bytes of the whole set
 * never exist at once (the peak is the returned arrays, plus one pickled
 * batch for the Python release). Undefined when binary batches differ in size
 * and cannot be placed before they are all in: then the bytes are loaded first.
 */
async function streamCifar10Data(fn: string, o: Record<string, unknown>, dtype: DType, hwc: boolean, shared: boolean): Promise<Cifar10Data | undefined> {
  const counts = splitCounts(fn, o);
  const { numTraining, numValidation, numTest } = counts;
  const [XTrain, XVal, XTest] = [numTraining, numValidation, numTest].map((count) => floatImages(count, dtype, hwc, shared));
  const trainRoute: Route = (i) =>
    i < numTraining ? { dst: XTrain.data, row: i } : i < numTraining + numValidation ? { dst: XVal.data, row: i - numTraining } : null;
  const testRoute: Route = (i) => (i < numTest ? { dst: XTest.data, row: i } : null);
  let release: Assembler<FloatSplit>;
  try {
    release = await readSource(fn, o.source ?? 'cifar10', { onProgress: o.onProgress as LoadOptions['onProgress'] }, (format, where) =>
      new Assembler(format, where, new FloatSplit(trainRoute, hwc), new FloatSplit(testRoute, hwc), true));
  } catch (e) {
    if (e instanceof UnequalBatches) return undefined;
    throw e;
  }
  checkCounts(fn, counts, release.train.count, release.test.count);
  let mean: Float64Array | null = null;
  if (counts.subtractMean) {
    // Sums of whole pixel values are exact in either dtype (below 2^24), so
    // this is the mean pixelMean takes from the bytes.
    const sums = zeros([IMAGE_BYTES], dtype);
    native().columnSums(XTrain.data, sums.data, numTraining, IMAGE_BYTES);
    mean = Float64Array.from(sums.data, (sum) => sum / numTraining);
    for (const X of [XTrain, XVal, XTest]) if (X.shape[0] > 0) native().subtractRowVector(X.data, mean, X.shape[0], IMAGE_BYTES);
  }
  return {
    XTrain, yTrain: labelRange(release.train.labels, 0, numTraining),
    XVal, yVal: labelRange(release.train.labels, numTraining, numValidation),
    XTest, yTest: labelRange(release.test.labels, 0, numTest),
    meanImage: mean ? new Tensor(mean, hwc ? [IMAGE_BYTES] : [...IMAGE_SHAPE]) : null,
    classNames: release.classNames,
  };
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
  const o = objectArg(fn, 'options', options);
  const dtype = dtypeArg(fn, 'options.dtype', o.dtype ?? 'float32');
  const layout = o.layout ?? 'nchw';
  if (layout !== 'nchw' && layout !== 'rows') throw invalidValue(fn, 'options.layout', "'nchw' or 'rows'", layout);
  const hwc = layout === 'rows';
  const shared = booleanArg(fn, 'options.shared', o.shared ?? false);
  if (o.data === undefined) {
    const streamed = await streamCifar10Data(fn, o, dtype, hwc, shared);
    if (streamed) return streamed;
  }
  const { data, numTraining, numValidation, numTest, subtractMean } = await splitArgs(fn, o);
  const addon = native();
  let mean: Float64Array | null = null;
  if (subtractMean) {
    mean = new Float64Array(IMAGE_BYTES);
    addon.pixelMean(data.XTrain.data, 0, numTraining, 3, 1024, hwc, mean);
  }
  const convert = (src: PixelArray, first: number, count: number): Tensor => {
    const out = floatImages(count, dtype, hwc, shared);
    if (count > 0) addon.pixelsToFloat(src.data, first, count, 3, 1024, hwc, mean, out.data);
    return out;
  };
  return {
    XTrain: convert(data.XTrain, 0, numTraining),
    yTrain: labelRange(data.yTrain, 0, numTraining),
    XVal: convert(data.XTrain, numTraining, numValidation),
    yVal: labelRange(data.yTrain, numTraining, numValidation),
    XTest: convert(data.XTest, 0, numTest),
    yTest: labelRange(data.yTest, 0, numTest),
    meanImage: mean ? new Tensor(mean, hwc ? [IMAGE_BYTES] : [...IMAGE_SHAPE]) : null,
    classNames: data.classNames,
  };
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

/**
 * The same split as getCifar10Data, but the images stay bytes: each split is
 * a view of the loaded pixels (no copy) carrying the training mean, and the
 * Solver converts each minibatch to the model's dtype, mean subtracted, as it
 * gathers it. The whole set then costs its 184 MB of bytes.
 */
export async function getCifar10Pixels(options: Omit<Cifar10DataOptions, 'dtype' | 'layout' | 'shared'> = {}): Promise<Cifar10Pixels> {
  const fn = 'getCifar10Pixels';
  const o = objectArg(fn, 'options', options);
  const { data, numTraining, numValidation, numTest, subtractMean } = await splitArgs(fn, o);
  let mean: Float64Array | null = null;
  if (subtractMean) {
    mean = new Float64Array(IMAGE_BYTES);
    native().pixelMean(data.XTrain.data, 0, numTraining, 3, 1024, false, mean);
  }
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
