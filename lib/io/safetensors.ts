/**
 * The safetensors format (https://github.com/huggingface/safetensors), which
 * Python's safetensors and PyTorch read: an 8-byte little-endian header size,
 * a JSON header naming each tensor's dtype, shape and byte range (plus string
 * metadata under `__metadata__`), then the raw little-endian data. Reading is
 * strict and bounded by the file: the header is parsed without JSON.parse (a
 * repeated key or a name like `__proto__` is refused), every range is checked
 * against its shape and the file's size, and a caller's check of the header
 * runs before any tensor is allocated.
 */
import { Tensor } from '../tensor';
import { invalidType, objectArg, tensorArg } from '../validate';
import { closeQuietly, readAll, stageFile, type StagedFile } from './atomic';
import { openInputFile } from './input-file';
import { parseJson, type JsonObject } from './json';

/** Largest header the reference implementation accepts. */
const MAX_HEADER = 100_000_000;

/**
 * Most tensors in one file. nndl's models hold tens; the largest published
 * checkpoints hold a few thousand per file. Each costs a few hundred bytes
 * of objects, so without a bound a header of empty entries would cost
 * twenty times its size.
 */
export const MAX_TENSORS = 65_536;

const DTYPES = { F32: Float32Array, F64: Float64Array } as const;
type FileDType = keyof typeof DTYPES;

// Typed arrays are written and read as they lie in memory, which is the
// format's little-endian order on every platform Node supports but this check's.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('nndl: safetensors I/O needs a little-endian host');
const NAMES = { float32: 'F32', float64: 'F64' } as const;

export interface SafetensorsContents {
  /** The tensors by name, in an object without a prototype (so no name can collide with Object's members). */
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** One tensor as the header describes it; begin and end are byte offsets into the data after the header. */
export interface TensorEntry {
  name: string;
  dtype: FileDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * A checked header: the tensors in the order of their data, which covers the
 * rest of the file exactly (no gap, no overlap, nothing after), and the
 * metadata. Nothing has been allocated for the tensors yet.
 */
export interface SafetensorsHeader {
  /** Offset of the data in the file: 8 + the header's length. */
  dataOffset: number;
  entries: TensorEntry[];
  metadata: Record<string, string>;
}

export interface SafetensorsReadOptions {
  /**
   * Called with the checked header before any tensor is allocated or read:
   * a caller that knows what the file must hold (a model's architecture)
   * throws here, before the file's sizes cost any memory.
   */
  check?: (header: SafetensorsHeader) => void;
}

/** The header of a file holding these tensors and metadata, padded so the data starts 8-byte aligned. */
function encodeHeader(fn: string, tensors: Record<string, Tensor>, metadata: Record<string, string>): { header: Buffer; names: string[] } {
  objectArg(fn, 'tensors', tensors);
  for (const [name, t] of Object.entries(tensors)) tensorArg(fn, `tensors.${name}`, t);
  for (const [key, value] of Object.entries(objectArg(fn, 'metadata', metadata))) {
    if (typeof value !== 'string') throw invalidType(fn, `metadata.${key}`, 'a string', value);
  }
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    header[name] = { dtype: NAMES[t.dtype], shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const text = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + text.length);
  out.writeBigUInt64LE(BigInt(text.length), 0);
  text.copy(out, 8);
  return { header: out, names };
}

/** The file's pieces: the header, then each tensor's bytes straight from its memory (no copy of the whole). */
function* pieces(header: Buffer, names: string[], tensors: Record<string, Tensor>): Generator<Uint8Array> {
  yield header;
  for (const name of names) {
    const { data } = tensors[name];
    yield new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
}

/** The bytes of a safetensors file holding these tensors and metadata (in one Buffer: at most 4 GiB). */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Buffer {
  const { header, names } = encodeHeader('encodeSafetensors', tensors, metadata);
  return Buffer.concat([...pieces(header, names, tensors)]);
}

function fail(source: string, what: string): never {
  throw new Error(`${source}: ${what}`);
}

/**
 * The length of the JSON header from the file's first 8 bytes, checked
 * against the file's size.
 */
export function headerLength(first8: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8) fail(source, `not a safetensors file: ${fileSize} bytes, too short for the header size`);
  const size = Buffer.from(first8.buffer, first8.byteOffset, 8).readBigUInt64LE(0);
  if (size > BigInt(MAX_HEADER)) fail(source, `not a safetensors file: header size ${size} is implausible`);
  const length = Number(size);
  if (8 + length > fileSize) fail(source, `truncated: the header needs ${length} bytes but only ${fileSize - 8} follow the size`);
  return length;
}

/**
 * Parses and checks a header (the JSON text's bytes, which follow the 8-byte
 * size) for a file of fileSize bytes. Works on bytes alone, whatever they
 * come from. Linear in the header's length.
 */
export function parseSafetensorsHeader(text: Uint8Array, fileSize: number, source: string): SafetensorsHeader {
  const dataOffset = 8 + text.length;
  const dataBytes = fileSize - dataOffset;
  const json = Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  if (!json.startsWith('{')) fail(source, 'not a safetensors file: the header is not a JSON object');
  let header: JsonObject;
  try {
    // Three levels: the header, a tensor's entry, its shape. The metadata's entry is one more item.
    header = parseJson(json, { maxDepth: 3, maxItems: MAX_TENSORS + 1 }) as JsonObject;
  } catch (e) {
    if (e instanceof RangeError) fail(source, `the header is refused: ${e.message} (a file holds at most ${MAX_TENSORS} tensors, each an object of flat lists)`);
    fail(source, `not a safetensors file: the header is not valid JSON (${(e as Error).message})`);
  }
  const metadata: Record<string, string> = Object.create(null);
  const rawMeta = header.get('__metadata__');
  if (rawMeta !== undefined) {
    if (!(rawMeta instanceof Map)) fail(source, '__metadata__ is not an object');
    for (const [k, v] of rawMeta) {
      if (k === '__proto__') fail(source, '__metadata__ has a key named __proto__, which is not allowed');
      if (typeof v !== 'string') fail(source, `__metadata__.${k} is not a string`);
      metadata[k] = v;
    }
  }
  const entries: TensorEntry[] = [];
  for (const [name, e] of header) {
    if (name === '__metadata__') continue;
    if (name === '__proto__') fail(source, 'a tensor named __proto__ is not allowed');
    if (!(e instanceof Map)) fail(source, `tensor ${name}: entry is not an object`);
    const dtype = e.get('dtype');
    if (dtype !== 'F32' && dtype !== 'F64') fail(source, `tensor ${name}: dtype ${String(dtype)} is not F32 or F64`);
    const shape = e.get('shape');
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      fail(source, `tensor ${name}: shape is not a list of non-negative integers`);
    }
    const offsets = e.get('data_offsets');
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      fail(source, `tensor ${name}: data_offsets is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end) fail(source, `tensor ${name}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataBytes) {
      fail(source, `truncated: tensor ${name} is at bytes [${begin}, ${end}) but the file holds ${dataBytes} bytes of data`);
    }
    // Exact: a product past 2^53 rounds to a value past the file's size, never onto it.
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPES[dtype].BYTES_PER_ELEMENT;
    if (end - begin !== expected) {
      fail(source, `tensor ${name}: ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expected}`);
    }
    entries.push({ name, begin, end, dtype, shape: shape as number[] });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const r of entries) {
    if (r.begin !== expectedBegin) fail(source, `tensor ${r.name}: data starts at byte ${r.begin}, expected ${expectedBegin}`);
    expectedBegin = r.end;
  }
  if (expectedBegin < dataBytes) fail(source, `${dataBytes - expectedBegin} bytes follow the last tensor`);
  return { dataOffset, entries, metadata };
}

/** A zeroed typed array for a tensor, in its own ArrayBuffer (aligned whatever the header's length). */
function tensorFor(r: TensorEntry): Tensor {
  const type = DTYPES[r.dtype];
  return new Tensor(new type((r.end - r.begin) / type.BYTES_PER_ELEMENT), r.shape);
}

/** Parses safetensors bytes; `source` names the data in error messages. */
export function decodeSafetensors(bytes: Uint8Array, source: string, options: SafetensorsReadOptions = {}): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw invalidType('decodeSafetensors', 'bytes', 'a Buffer or Uint8Array', bytes);
  if (typeof source !== 'string') throw invalidType('decodeSafetensors', 'source', 'a string naming the data', source);
  const length = headerLength(bytes.subarray(0, 8), bytes.length, source);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + length), bytes.length, source);
  const { dataOffset } = header;
  options.check?.(header);
  const tensors: Record<string, Tensor> = Object.create(null);
  for (const r of header.entries) {
    const t = tensorFor(r);
    new Uint8Array(t.data.buffer).set(bytes.subarray(dataOffset + r.begin, dataOffset + r.end));
    tensors[r.name] = t;
  }
  return { tensors, metadata: header.metadata };
}

/**
 * Writes a safetensors file atomically (see io/atomic): the header, then
 * each tensor's bytes from its own memory, so a model of any size saves
 * (over 2 GiB, over what one Buffer can hold).
 */
export function writeSafetensors(file: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  stageSafetensors(file, tensors, metadata).commit();
}

/** The same file written and synced under a temporary name, for the caller to commit (see io/atomic). */
export function stageSafetensors(file: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): StagedFile {
  const fn = 'writeSafetensors';
  pathArg(fn, file);
  const { header, names } = encodeHeader(fn, tensors, metadata);
  return stageFile(file, pieces(header, names, tensors), { fn });
}

/**
 * Reads and checks a safetensors file: the header first (see options.check),
 * then each tensor straight into its own array, so reading costs the
 * tensors' size and no copy of the file.
 */
export function readSafetensors(file: string, options: SafetensorsReadOptions = {}): SafetensorsContents {
  const fn = 'readSafetensors';
  const { fd, size } = openInputFile(fn, pathArg(fn, file));
  try {
    const first8 = new Uint8Array(Math.min(8, size));
    readAll(fd, first8, 0, file);
    const length = headerLength(first8, size, file);
    const text = new Uint8Array(length);
    readAll(fd, text, 8, file);
    const header = parseSafetensorsHeader(text, size, file);
    const { dataOffset } = header;
    options.check?.(header);
    const tensors: Record<string, Tensor> = Object.create(null);
    for (const r of header.entries) {
      const t = tensorFor(r);
      readAll(fd, new Uint8Array(t.data.buffer), dataOffset + r.begin, file);
      tensors[r.name] = t;
    }
    return { tensors, metadata: header.metadata };
  } finally {
    closeQuietly(fd);
  }
}

/** A file path argument: a non-empty string. */
export function pathArg(fn: string, value: unknown, name = 'file'): string {
  if (typeof value !== 'string' || value === '') throw invalidType(fn, name, 'a file path', value);
  return value;
}
