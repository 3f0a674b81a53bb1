/**
 * Decoding the files of a release: binary batches (records of a label byte
 * and 3,072 pixel bytes, arriving in chunks of any size), Python batches
 * (pickled dicts of a uint8 (N, 3072) array and N labels) and the class
 * names of either. Every value is checked as it is read: a label outside
 * 0-9, a record cut short or a pickle of another layout is an error naming
 * the file and the place.
 */
import { isNdArray, readPickle, type PickleValue } from '../pickle';
import { IMAGE_BYTES, MAX_CLASS_NAME, RECORD_BYTES, type Format } from './release';

/**
 * Where decoded records go: a split's labels and images (assemble.ts's
 * Split). `reserve` makes room for more records after the `count` in.
 */
export interface RecordTarget {
  labels: Uint8Array;
  count: number;
  reserve(records: number): void;
  /** Bytes [from, from + bytes.length) of image `index`; an image's pieces arrive in order. */
  writePixels(index: number, from: number, bytes: Uint8Array): void;
  /** Whole images index, index + 1, ... (3,072 bytes each). */
  writeImages(index: number, bytes: Uint8Array): void;
}

/** A label must be a class index; offset is the record's byte offset in a binary file. */
function checkLabel(file: string, record: number, label: unknown, offset?: number): void {
  if (!(typeof label === 'number' && Number.isInteger(label) && label >= 0 && label <= 9)) {
    const where = offset === undefined ? '' : ` (byte ${offset})`;
    throw new Error(`${file}: record ${record}${where} has label ${String(label)}, expected 0 to 9`);
  }
}

/** The records of a binary file of `size` bytes, which must be whole ones. */
export function recordCount(file: string, size: number): number {
  if (size % RECORD_BYTES !== 0 || size === 0) {
    throw new Error(`${file}: ${size} bytes is not a whole number of ${RECORD_BYTES}-byte records`);
  }
  return size / RECORD_BYTES;
}

/**
 * Writes binary records (a label byte, then 3,072 pixel bytes) arriving in
 * chunks of any size into a split.
 */
export class RecordWriter {
  private offset = 0;
  private readonly first: number;

  /** first: the split index of the file's first record (by default, after those written so far). */
  constructor(private readonly split: RecordTarget, private readonly file: string, private readonly records: number, first?: number) {
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

function dictGet(file: string, value: PickleValue, key: string): PickleValue {
  if (!(value instanceof Map)) throw new Error(`${file}: the pickle holds no dict`);
  const v = value.get(key);
  if (v === undefined) throw new Error(`${file}: the pickled dict has no '${key}'`);
  return v;
}

/** Appends one Python batch ({data: uint8 (n, 3072), labels: [n ints]}) to a split. */
export function appendPythonBatch(split: RecordTarget, file: string, bytes: Buffer): void {
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
export function parseClassNames(format: Format, file: string, bytes: Buffer): string[] {
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
