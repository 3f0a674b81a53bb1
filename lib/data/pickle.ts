/**
 * A small, strict reader for the pickles data sets come in: Python 2 cPickle
 * files (protocol 2: byte-string dict keys, numpy arrays rebuilt by
 * `numpy.core.multiarray._reconstruct` from one raw binary string, lists
 * appended in chunks) and numpy arrays pickled by Python 3 with protocols 2
 * to 5. It builds plain values and never executes or resolves anything: the
 * only globals it accepts are numpy's array and dtype constructors and
 * `_codecs.encode`, each rebuilt here from its arguments. Any other opcode or
 * global is refused with its name and byte offset.
 *
 * Its time and memory are linear in the input: byte strings and arrays are
 * views of it, a memo reference is the same object again (never a copy), and
 * the one thing that copies (`_codecs.encode` of a string, which a memo
 * reference could repeat) may produce at most as many bytes as the input
 * holds, and never more than MAX_DECODED_BYTES. The values form a graph in
 * which memo references can share a list many times over: walk it as a tree
 * (printing, comparing) only after checking its shape.
 */
import { invalidType } from '../validate';

/** A numpy array rebuilt from a pickle: raw little-endian data, not copied from the pickle's bytes. */
export interface NdArray {
  readonly kind: 'ndarray';
  /** numpy dtype string without byte order: 'u1', 'i4', 'f8', ... */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Whether the data is in column-major (Fortran) order. */
  readonly fortran: boolean;
  readonly data: Buffer;
}

/** A Python dict; keys that were byte strings are decoded as latin1. */
export type PickleDict = Map<string | number, PickleValue>;

export type PickleValue =
  | null | boolean | number | bigint | string | Buffer | PickleValue[] | PickleDict | NdArray | PickleObject;

/** A numpy object under construction (dtype, or an array before its state arrives). */
export interface PickleObject {
  readonly kind: 'dtype' | 'partial-ndarray' | 'global';
  name?: string;
  dtype?: string;
}

const ITEM_SIZES: Record<string, number> = { b1: 1, u1: 1, i1: 1, u2: 2, i2: 2, u4: 4, i4: 4, u8: 8, i8: 8, f4: 4, f8: 8 };

const GLOBALS = new Set([
  'numpy.core.multiarray _reconstruct',
  'numpy._core.multiarray _reconstruct',
  'numpy ndarray',
  'numpy dtype',
  'numpy.core.numeric _frombuffer',
  'numpy._core.numeric _frombuffer',
  '_codecs encode',
]);

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND',
  0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET',
  0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2',
  0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

/** The most bytes a pickle may decode to beyond its own, whatever its size. */
export const MAX_DECODED_BYTES = 2 ** 30;

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Parses one pickle; `source` names it in errors (a file name). */
export function readPickle(bytes: Uint8Array, source: string): PickleValue {
  if (!(bytes instanceof Uint8Array)) throw invalidType('readPickle', 'bytes', 'a Buffer or Uint8Array', bytes);
  if (typeof source !== 'string') throw invalidType('readPickle', 'source', 'a string naming the data', source);
  return new Reader(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), source).run();
}

class Reader {
  private pos = 0;
  private opStart = 0;
  private readonly stack: StackItem[] = [];
  private readonly memo = new Map<number, PickleValue>();
  /** Bytes copied out of strings so far (see MAX_DECODED_BYTES). */
  private copied = 0;

  constructor(private readonly bytes: Buffer, private readonly source: string) {}

  private fail(what: string, at = this.opStart): never {
    throw new Error(`${this.source}: pickle ${what} at byte ${at}`);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) this.fail(`ends early (truncated): ${n} more bytes needed`, this.pos);
  }

  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  private take(n: number): Buffer {
    this.need(n);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  private u32(): number {
    this.need(4);
    const v = this.bytes.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  private u64(): number {
    this.need(8);
    const v = this.bytes.readBigUInt64LE(this.pos);
    this.pos += 8;
    if (v > BigInt(this.bytes.length)) this.fail(`length ${v} exceeds the data`);
    return Number(v);
  }

  private pop(): PickleValue {
    const v = this.stack.pop();
    if (v === undefined) this.fail('pops an empty stack');
    if (v === MARK) this.fail('expects a value but finds a mark');
    return v;
  }

  private top(): PickleValue {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined || v === MARK) this.fail('expects a value on the stack');
    return v;
  }

  /** The items above the topmost mark, which is removed. */
  private popMark(): PickleValue[] {
    const at = this.stack.lastIndexOf(MARK);
    if (at < 0) this.fail('finds no mark');
    const items = this.stack.splice(at) as PickleValue[];
    items.shift();
    return items;
  }

  private push(v: PickleValue): void {
    this.stack.push(v);
  }

  run(): PickleValue {
    for (;;) {
      this.opStart = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: { // PROTO
          const p = this.u8();
          if (p < 2 || p > 5) this.fail(`protocol ${p} is not supported (2 to 5 are)`);
          break;
        }
        case 0x95: // FRAME: a length prefix only
          this.u64();
          break;
        case 0x2e: { // STOP
          const v = this.pop();
          if (this.stack.length !== 0) this.fail('stops with values left on the stack');
          return v;
        }
        case 0x28: this.stack.push(MARK); break;
        case 0x4e: this.push(null); break;
        case 0x88: this.push(true); break;
        case 0x89: this.push(false); break;
        case 0x4a: this.need(4); this.push(this.bytes.readInt32LE(this.pos)); this.pos += 4; break;
        case 0x4b: this.push(this.u8()); break;
        case 0x4d: this.need(2); this.push(this.bytes.readUInt16LE(this.pos)); this.pos += 2; break;
        case 0x8a: this.push(this.long(this.take(this.u8()))); break;
        case 0x47: this.need(8); this.push(this.bytes.readDoubleBE(this.pos)); this.pos += 8; break;
        case 0x54: this.push(this.take(this.u32())); break; // BINSTRING: a Python 2 str is bytes
        case 0x55: this.push(this.take(this.u8())); break;
        case 0x42: this.push(this.take(this.u32())); break;
        case 0x43: this.push(this.take(this.u8())); break;
        case 0x8e: this.push(this.take(this.u64())); break;
        case 0x96: this.push(this.take(this.u64())); break;
        case 0x58: this.push(this.take(this.u32()).toString('utf8')); break;
        case 0x8c: this.push(this.take(this.u8()).toString('utf8')); break;
        case 0x8d: this.push(this.take(this.u64()).toString('utf8')); break;
        case 0x29: this.push([]); break;
        case 0x85: this.push([this.pop()]); break;
        case 0x86: { const b = this.pop(); const a = this.pop(); this.push([a, b]); break; }
        case 0x87: { const c = this.pop(); const b = this.pop(); const a = this.pop(); this.push([a, b, c]); break; }
        case 0x74: this.push(this.popMark()); break;
        case 0x5d: this.push([]); break;
        case 0x6c: this.push(this.popMark()); break;
        case 0x7d: this.push(new Map()); break;
        case 0x64: { const d: PickleDict = new Map(); this.setItems(d, this.popMark()); this.push(d); break; }
        case 0x61: { const v = this.pop(); this.list(this.top()).push(v); break; }
        case 0x65: { // APPENDS: one push per item, as a spread of 300k items would overflow the call stack
          const items = this.popMark();
          const list = this.list(this.top());
          for (const item of items) list.push(item);
          break;
        }
        case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems(this.dict(this.top()), [k, v]); break; }
        case 0x75: { const items = this.popMark(); this.setItems(this.dict(this.top()), items); break; }
        case 0x71: this.memo.set(this.u8(), this.top()); break;
        case 0x72: this.memo.set(this.u32(), this.top()); break;
        case 0x94: this.memo.set(this.memo.size, this.top()); break;
        case 0x68: this.push(this.get(this.u8())); break;
        case 0x6a: this.push(this.get(this.u32())); break;
        case 0x30: this.pop(); break;
        case 0x63: this.push(this.global(this.line(), this.line())); break;
        case 0x93: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.fail('STACK_GLOBAL needs two strings');
          this.push(this.global(module, name));
          break;
        }
        case 0x52: { const args = this.pop(); const f = this.pop(); this.push(this.reduce(f, args)); break; }
        case 0x62: { const state = this.pop(); this.build(this.top(), state); break; }
        default: {
          const name = OPCODE_NAMES[op];
          this.fail(`opcode 0x${op.toString(16).padStart(2, '0')}${name ? ` (${name})` : ''} is not supported`);
        }
      }
    }
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('GLOBAL name has no end of line');
    const s = this.bytes.subarray(this.pos, end).toString('latin1');
    this.pos = end + 1;
    return s;
  }

  private long(b: Buffer): number | bigint {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private get(i: number): PickleValue {
    const v = this.memo.get(i);
    if (v === undefined) this.fail(`refers to memo entry ${i}, which does not exist`);
    return v;
  }

  private list(v: PickleValue): PickleValue[] {
    if (!Array.isArray(v)) this.fail('appends to something that is not a list');
    return v;
  }

  private dict(v: PickleValue): PickleDict {
    if (!(v instanceof Map)) this.fail('sets an item on something that is not a dict');
    return v;
  }

  private setItems(d: PickleDict, items: PickleValue[]): void {
    if (items.length % 2 !== 0) this.fail('has a dict item without a value');
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i];
      let key: string | number;
      if (Buffer.isBuffer(k)) key = k.toString('latin1');
      else if (typeof k === 'string' || typeof k === 'number') key = k;
      else this.fail('has a dict key that is not a string or an integer');
      d.set(key, items[i + 1]);
    }
  }

  private global(module: string, name: string): PickleObject {
    const full = `${module} ${name}`;
    if (!GLOBALS.has(full)) this.fail(`refers to global ${module}.${name}, which is not allowed`);
    return { kind: 'global', name: full };
  }

  private reduce(f: PickleValue, args: PickleValue): PickleValue {
    if (!isObject(f, 'global')) this.fail('calls something that is not an allowed global');
    if (!Array.isArray(args)) this.fail('calls a global without an argument tuple');
    switch (f.name!.split(' ')[1]) {
      case '_reconstruct':
        // _reconstruct(ndarray, (0,), b'b'): an empty array whose BUILD state follows.
        if (args.length !== 3 || !isObject(args[0], 'global') || args[0].name !== 'numpy ndarray') {
          this.fail('calls _reconstruct with arguments other than (ndarray, shape, typecode)');
        }
        return { kind: 'partial-ndarray' };
      case 'dtype': {
        if (args.length < 1) this.fail('calls dtype without a type');
        const t = args[0];
        const code = Buffer.isBuffer(t) ? t.toString('latin1') : t;
        if (typeof code !== 'string' || !(code in ITEM_SIZES)) this.fail(`uses dtype ${String(code)}, which is not supported`);
        return { kind: 'dtype', dtype: code };
      }
      case 'encode': {
        // _codecs.encode(str, 'latin1'): how Python 3 pickles bytes at protocol 2.
        if (args.length !== 2 || typeof args[0] !== 'string' || args[1] !== 'latin1') {
          this.fail('calls _codecs.encode with arguments other than (str, "latin1")');
        }
        return this.copy(args[0] as string);
      }
      case '_frombuffer': {
        // _frombuffer(buffer, dtype, shape, order): protocol 5's in-band arrays.
        const [buf, dtype, shape, order] = args;
        if (!Buffer.isBuffer(buf) || !isObject(dtype, 'dtype')) this.fail('calls _frombuffer with a bad buffer or dtype');
        return this.array(dtype.dtype!, shape, order === 'F', buf);
      }
      default:
        return this.fail(`calls ${f.name}, which cannot be called`);
    }
  }

  /** A string's latin1 bytes, counted against the bound on what a pickle may decode to. */
  private copy(text: string): Buffer {
    this.copied += text.length;
    const limit = Math.min(this.bytes.length, MAX_DECODED_BYTES);
    if (this.copied > limit) this.fail(`decodes to more than ${limit} bytes of strings (repeated memo references?)`);
    return Buffer.from(text, 'latin1');
  }

  private build(target: PickleValue, state: PickleValue): void {
    if (isObject(target, 'dtype')) {
      // (version, byte order, subarray, names, fields, elsize, alignment, flags)
      const order = Array.isArray(state) ? state[1] : undefined;
      const o = Buffer.isBuffer(order) ? order.toString('latin1') : order;
      if (o !== '<' && o !== '|' && o !== '=') this.fail(`has a dtype of byte order ${String(o)}; only little-endian is supported`);
      return;
    }
    if (isObject(target, 'partial-ndarray')) {
      // (version, shape, dtype, is_fortran, raw data)
      if (!Array.isArray(state) || state.length !== 5) this.fail('builds an array from a state that is not a 5-tuple');
      const [, shape, dtype, fortran, raw] = state;
      if (!isObject(dtype, 'dtype')) this.fail('builds an array without a dtype');
      if (!Buffer.isBuffer(raw)) this.fail('builds an array whose data is not a byte string');
      const arr = this.array(dtype.dtype!, shape, fortran === true || fortran === 1, raw);
      Object.assign(target, arr);
      return;
    }
    this.fail('sets the state of an object that is not a numpy array or dtype');
  }

  private array(dtype: string, shape: PickleValue, fortran: boolean, data: Buffer): NdArray {
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
      this.fail('builds an array whose shape is not a tuple of sizes');
    }
    const dims = shape as number[];
    const expected = dims.reduce((a, b) => a * b, 1) * ITEM_SIZES[dtype];
    if (data.length !== expected) {
      this.fail(`builds a ${dtype} array of shape (${dims.join(', ')}) from ${data.length} bytes instead of ${expected}`);
    }
    return { kind: 'ndarray', dtype, shape: dims, fortran, data };
  }
}

function isObject(v: PickleValue, kind: PickleObject['kind'] | 'ndarray'): v is PickleObject & { name?: string; dtype?: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !Buffer.isBuffer(v) &&
    (v as { kind?: string }).kind === kind;
}

/** Whether a pickled value is a rebuilt numpy array. */
export function isNdArray(v: PickleValue | undefined): v is NdArray {
  return v !== undefined && isObject(v, 'ndarray');
}
