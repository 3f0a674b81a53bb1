/**
 * The safetensors format (https://github.com/huggingface/safetensors), which
 * Python's safetensors and PyTorch read: an 8-byte little-endian header size,
 * a JSON header naming each tensor's dtype, shape and byte range (plus string
 * metadata under `__metadata__`), then the raw little-endian data. Reading is
 * strict: every range is checked against the shapes and the file's size.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { Tensor } from '../tensor';
import { invalidType, objectArg, tensorArg } from '../validate';

/** Largest header the reference implementation accepts. */
const MAX_HEADER = 100_000_000;

const DTYPES = { F32: Float32Array, F64: Float64Array } as const;

// Typed arrays are written and read as they lie in memory, which is the
// format's little-endian order on every platform Node supports but this check's.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('nndl: safetensors I/O needs a little-endian host');
const NAMES = { float32: 'F32', float64: 'F64' } as const;

export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** The bytes of a safetensors file holding these tensors and metadata. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Buffer {
  const fn = 'encodeSafetensors';
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
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors[name];
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
    at += t.data.byteLength;
  }
  return out;
}

function fail(source: string, what: string): never {
  throw new Error(`${source}: ${what}`);
}

/** Parses safetensors bytes; `source` names the file in error messages. */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw invalidType('decodeSafetensors', 'bytes', 'a Buffer or Uint8Array', bytes);
  if (typeof source !== 'string') throw invalidType('decodeSafetensors', 'source', 'a string naming the data', source);
  return decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), source);
}

function decode(bytes: Buffer, source: string): SafetensorsContents {
  if (bytes.length < 8) fail(source, `not a safetensors file: ${bytes.length} bytes, too short for the header size`);
  const size = bytes.readBigUInt64LE(0);
  if (size > BigInt(MAX_HEADER)) fail(source, `not a safetensors file: header size ${size} is implausible`);
  const headerSize = Number(size);
  if (8 + headerSize > bytes.length) {
    fail(source, `truncated: the header needs ${headerSize} bytes but only ${bytes.length - 8} follow the size`);
  }
  const text = bytes.subarray(8, 8 + headerSize).toString('utf8');
  if (!text.startsWith('{')) fail(source, 'not a safetensors file: the header is not a JSON object');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(source, `not a safetensors file: the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail(source, 'not a safetensors file: the header is not a JSON object');
  }
  const metadata: Record<string, string> = {};
  const rawMeta = header.__metadata__;
  if (rawMeta !== undefined) {
    if (typeof rawMeta !== 'object' || rawMeta === null || Array.isArray(rawMeta)) fail(source, '__metadata__ is not an object');
    for (const [k, v] of Object.entries(rawMeta)) {
      if (typeof v !== 'string') fail(source, `__metadata__.${k} is not a string`);
      metadata[k] = v;
    }
  }
  const data = bytes.subarray(8 + headerSize);
  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__');
  const ranges: { name: string; begin: number; end: number; dtype: keyof typeof DTYPES; shape: number[] }[] = [];
  for (const [name, info] of entries) {
    const e = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(source, `tensor ${name}: entry is not an object`);
    if (e.dtype !== 'F32' && e.dtype !== 'F64') fail(source, `tensor ${name}: dtype ${String(e.dtype)} is not F32 or F64`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(source, `tensor ${name}: shape is not a list of non-negative integers`);
    }
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(source, `tensor ${name}: data_offsets is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as number[];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPES[e.dtype].BYTES_PER_ELEMENT;
    if (end - begin !== expected) {
      fail(source, `tensor ${name}: ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of ${e.dtype} needs ${expected}`);
    }
    ranges.push({ name, begin, end, dtype: e.dtype, shape: shape as number[] });
  }
  ranges.sort((a, b) => a.begin - b.begin);
  let expectedBegin = 0;
  for (const r of ranges) {
    if (r.begin !== expectedBegin) fail(source, `tensor ${r.name}: data starts at byte ${r.begin}, expected ${expectedBegin}`);
    expectedBegin = r.end;
  }
  if (expectedBegin > data.length) {
    fail(source, `truncated: the tensors need ${expectedBegin} bytes of data but the file holds ${data.length}`);
  }
  if (expectedBegin < data.length) fail(source, `${data.length - expectedBegin} bytes follow the last tensor`);
  const tensors: Record<string, Tensor> = {};
  for (const r of ranges) {
    // Copied so the data is aligned for its typed array whatever the header's length.
    const copy = new Uint8Array(data.subarray(r.begin, r.end));
    const type = DTYPES[r.dtype];
    tensors[r.name] = new Tensor(new type(copy.buffer, 0, (r.end - r.begin) / type.BYTES_PER_ELEMENT), r.shape);
  }
  return { tensors, metadata };
}

/**
 * Writes a safetensors file atomically: the bytes go to a temporary file in
 * the same directory, which is flushed and then renamed over `file`, so a
 * crash mid-save never leaves a partial file under that name.
 */
export function writeSafetensors(file: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  pathArg('writeSafetensors', file);
  const bytes = encodeSafetensors(tensors, metadata);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Reads and checks a safetensors file. */
export function readSafetensors(file: string): SafetensorsContents {
  return decode(fs.readFileSync(pathArg('readSafetensors', file)), file);
}

/** A file path argument: a non-empty string. */
export function pathArg(fn: string, value: unknown, name = 'file'): string {
  if (typeof value !== 'string' || value === '') throw invalidType(fn, name, 'a file path', value);
  return value;
}
