/**
 * Fuzzing the raw addon: a valid call of a binding (from the table), then a
 * few mutations: any value in any position, arrays of other lengths, indices
 * out of range, NaN and infinite floats, an output laid over another array
 * of any element type, arrays moved into memory another thread scribbles on,
 * arguments missing or extra. A call may succeed or throw a TypeError or a
 * RangeError, nothing else; two mutations have a known answer and are held
 * to it: an output overlapping another array (other than the very same
 * elements) and an index out of range must be refused with a RangeError.
 */
import type { NativeBinding } from '../../lib/native';
import { validCall, type AnyArray, type CallBuilder } from './bindings';
import type { Rand } from './rand';
import type { ScribbledMemory } from './shared-memory';
import { reportSlow } from './slow';

type Mutation = 'value' | 'length' | 'index' | 'nan' | 'alias' | 'shared' | 'arity';
const MUTATIONS: readonly Mutation[] = ['value', 'length', 'index', 'nan', 'alias', 'shared', 'arity'];

/** Values of every kind, valid and not, for any argument position. */
function pool(rand: Rand): unknown[] {
  const detached = new Float64Array(4);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  const lengths = [0, 1, 2, 3, 4, 6, 9, rand.int(1, 40)];
  return [
    0, 1, 2, 3, 4, 6, -1, -0, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 40, 2 ** 53, NaN, Infinity, -Infinity, 1e-300,
    true, false, null, undefined, 'a', '3', {}, [1], [1, 2, 3], 2n, Symbol('s'), () => 1,
    ...lengths.flatMap((n) => [new Float64Array(n), new Float32Array(n), new Int32Array(n), new Uint8Array(n)]),
    Int32Array.from([5, -7]), Int32Array.from([2 ** 31 - 1, -(2 ** 31)]), new Uint32Array(625), Uint32Array.from({ length: 625 }, () => 9999),
    new Int16Array(4), new BigInt64Array(2), new DataView(new ArrayBuffer(8)), new ArrayBuffer(16), detached,
    new Float64Array(new SharedArrayBuffer(32)),
  ];
}

const isArray = (v: unknown): v is AnyArray => ArrayBuffer.isView(v) && !(v instanceof DataView);

interface Outcome {
  /** The known answer the call was held to, if any. */
  expect?: 'refused';
  why?: string;
}

/** Lays a written array over another array of the call (any element types); returns the expectation. */
function alias(call: CallBuilder, rand: Rand): Outcome | undefined {
  const present = call.arrays.filter((a) => isArray(call.args[a.index]) && (call.args[a.index] as AnyArray).length > 0);
  const writtenArgs = present.filter((a) => a.role.kind === 'written');
  if (writtenArgs.length === 0 || present.length < 2) return undefined;
  const w = rand.pick(writtenArgs);
  const o = rand.pick(present.filter((a) => a !== w));
  const A = call.args[w.index] as AnyArray;
  const B = call.args[o.index] as AnyArray;
  const buffer = new ArrayBuffer(A.byteLength + B.byteLength + 16);
  // Both at the start now and then: the very same bytes when type and length agree.
  const together = rand.chance(0.25);
  const bOffset = together ? 0 : 8 * rand.int(0, Math.ceil(A.byteLength / 8));
  let aOffset = bOffset;
  if (!together) {
    // A multiple of 8 (aligned for every element type) with A's bytes meeting B's.
    const lo = Math.max(0, Math.ceil((bOffset - A.byteLength + 1) / 8));
    const hi = Math.min(Math.floor((buffer.byteLength - A.byteLength) / 8), Math.floor((bOffset + B.byteLength - 1) / 8));
    aOffset = 8 * rand.int(lo, Math.max(lo, hi));
  }
  const A2 = new (A.constructor as new (b: ArrayBuffer, o: number, n: number) => AnyArray)(buffer, aOffset, A.length);
  const B2 = new (B.constructor as new (b: ArrayBuffer, o: number, n: number) => AnyArray)(buffer, bOffset, B.length);
  A2.set(A as never);
  B2.set(B as never);
  call.args[w.index] = A2;
  call.args[o.index] = B2;
  const same = A2.constructor === B2.constructor && aOffset === bOffset && A2.length === B2.length;
  // The very same elements may be an in-place call, which elementwise kernels accept.
  if (same) return undefined;
  return { expect: 'refused', why: `written argument ${w.index} over argument ${o.index}` };
}

function mutate(call: CallBuilder, m: Mutation, rand: Rand, memory: ScribbledMemory): Outcome | undefined {
  const args = call.args;
  // Arrays still in their places (a value mutation may have put anything there, a detached array too).
  const arrays = call.arrays.filter((a) => isArray(args[a.index]) && (args[a.index] as AnyArray).length > 0);
  switch (m) {
    case 'value':
      if (args.length > 0) args[rand.int(0, args.length - 1)] = rand.pick(pool(rand));
      return undefined;
    case 'length': {
      if (arrays.length === 0) return undefined;
      const { index } = rand.pick(arrays);
      const a = args[index] as AnyArray;
      const b = new (a.constructor as new (n: number) => AnyArray)(Math.max(0, a.length + rand.pick([-1, 1, 2])));
      b.set(a.subarray(0, b.length) as never);
      args[index] = b;
      return undefined;
    }
    case 'index': {
      // Still the Int32Array the recipe made (a value mutation may have put another array there).
      const indices = arrays.filter((a) => a.role.kind === 'index' && args[a.index] instanceof Int32Array);
      if (indices.length === 0) return undefined;
      const { index, role } = rand.pick(indices);
      const a = args[index] as Int32Array;
      const bound = (role as { bound: number }).bound;
      a[rand.int(0, a.length - 1)] = rand.pick([bound, bound + 1, -1, 0x7fffff00, -(2 ** 31)]);
      return { expect: 'refused', why: `an index of argument ${index} out of [0, ${bound})` };
    }
    case 'nan': {
      const floats = arrays.filter((a) => args[a.index] instanceof Float32Array || args[a.index] instanceof Float64Array);
      if (floats.length === 0) return undefined;
      const a = args[rand.pick(floats).index] as Float32Array | Float64Array;
      for (let k = rand.int(1, 3); k > 0; k--) a[rand.int(0, a.length - 1)] = rand.pick([NaN, Infinity, -Infinity, 1e38, -0]);
      return undefined;
    }
    case 'alias':
      return alias(call, rand);
    case 'shared':
      for (const { index } of arrays) if (rand.chance(0.6)) args[index] = memory.place(args[index] as AnyArray, rand);
      return undefined;
    case 'arity':
      if (rand.chance(0.5)) args.pop();
      else args.push(rand.pick(pool(rand)));
      return undefined;
  }
}

function describeValue(v: unknown): string {
  if (isArray(v)) {
    const shared = v.buffer instanceof SharedArrayBuffer ? ' shared' : '';
    return `${v.constructor.name}(${v.length}${v.byteOffset ? ` at byte ${v.byteOffset}` : ''}${shared})`;
  }
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
  return JSON.stringify(v) ?? String(v);
}

/** One call of `name`, built, mutated and checked; throws a description of what went wrong. */
export function fuzzBinding(addon: NativeBinding, name: string, rand: Rand, memory: ScribbledMemory, trace: boolean): 'ok' | 'refused' {
  const call = validCall(name, rand, addon, true);
  const applied: Mutation[] = [];
  let outcome: Outcome | undefined;
  for (let k = rand.chance(0.15) ? 0 : rand.int(1, 2); k > 0; k--) {
    const m = rand.pick(MUTATIONS);
    applied.push(m);
    outcome = mutate(call, m, rand, memory) ?? outcome;
  }
  // A known answer only when nothing else could have changed it (shared memory changes by itself).
  const held = applied.length === 1 && outcome?.expect === 'refused' ? outcome : undefined;
  const what = () => `${name}(${call.args.map(describeValue).join(', ')}) after ${applied.join(', ') || 'no mutation'}`;
  if (trace) process.stderr.write(`fuzz: ${what()}\n`);
  const fn = (addon as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  const start = performance.now();
  try {
    fn(...call.args);
  } catch (e) {
    // The addon's errors come from Node's realm, not jest's: told apart by name.
    const error = e as Error;
    if (error?.name !== 'TypeError' && error?.name !== 'RangeError') throw new Error(`${what()} threw ${String(e)}`);
    if (held && error.name !== 'RangeError') throw new Error(`${what()}: ${held.why} threw ${error.name} ${error.message}, not a RangeError`);
    return 'refused';
  } finally {
    reportSlow(performance.now() - start, what);
  }
  if (held) throw new Error(`${what()}: ${held.why} was accepted`);
  return 'ok';
}

