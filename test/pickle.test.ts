import { isNdArray, readPickle } from '../lib/data/pickle';
import { Pickle, pythonBatch } from './cifar-fixtures';

const batch = { pixels: Uint8Array.from({ length: 2 * 3072 }, (_, i) => i % 251), labels: Uint8Array.from([3, 7]) };

test.each([2, 4, 5] as const)('a batch pickled at protocol %i reads back', (protocol) => {
  const v = readPickle(pythonBatch(batch, protocol), 'batch');
  expect(v).toBeInstanceOf(Map);
  const d = v as Map<string, unknown>;
  expect(d.get('labels')).toEqual([3, 7]);
  const data = d.get('data');
  expect(isNdArray(data as never)).toBe(true);
  expect(data).toMatchObject({ dtype: 'u1', shape: [2, 3072], fortran: false });
  expect(Buffer.compare((data as { data: Buffer }).data, Buffer.from(batch.pixels))).toBe(0);
});

test('the array data is a view of the pickle bytes, not a copy', () => {
  const bytes = pythonBatch(batch, 2);
  const data = (readPickle(bytes, 'b') as Map<string, { data: Buffer }>).get('data')!.data;
  expect(data.buffer).toBe(bytes.buffer);
});

// Hand-made pickles: protocol 2 header, an opcode, STOP.
const pickle = (...bytes: number[]) => Buffer.from([0x80, 0x02, ...bytes, 0x2e]);

test.each([
  ['an unknown opcode, named with its offset', pickle(0xff), /x: pickle opcode 0xff is not supported at byte 2/],
  ['an opcode it does not take (INST)', pickle(0x69), /opcode 0x69 \(INST\) is not supported at byte 2/],
  ['a global other than numpy\'s and _codecs.encode', Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from('cos\nsystem\n'), Buffer.from([0x2e])]),
    /refers to global os\.system, which is not allowed at byte 2/],
  ['builtins.eval through STACK_GLOBAL', Buffer.from([0x80, 0x04, 0x8c, 0x08, ...Buffer.from('builtins'), 0x8c, 0x04, ...Buffer.from('eval'), 0x93, 0x2e]),
    /global builtins\.eval, which is not allowed at byte 18/],
  ['a truncated stream', Buffer.from([0x80, 0x02, 0x54, 0x10, 0, 0, 0, 1, 2]), /ends early \(truncated\)/],
  ['protocol 0 or 1', Buffer.from([0x80, 0x01, 0x4e, 0x2e]), /protocol 1 is not supported/],
  ['a missing memo entry', pickle(0x68, 7), /memo entry 7/],
  ['persistent ids', pickle(0x51), /BINPERSID/],
])('refuses %s', (_, bytes, message) => {
  expect(() => readPickle(bytes as Buffer, 'x')).toThrow(message as RegExp);
});

test('an array whose byte count does not match its shape is refused', () => {
  const good = pythonBatch(batch, 4);
  // Shrink the shape's first dimension (the BININT1 2 before 3072's BININT) to 1.
  const at = good.indexOf(Buffer.from([0x4b, 0x02, 0x4a, 0x00, 0x0c]));
  expect(at).toBeGreaterThan(0);
  const bad = Buffer.from(good);
  bad[at + 1] = 1;
  expect(() => readPickle(bad, 'bad')).toThrow(/builds a u1 array of shape \(1, 3072\) from 6144 bytes instead of 3072/);
});

test('arguments', () => {
  expect(() => readPickle('abc' as never, 'x')).toThrow(/Expected a Buffer or Uint8Array for bytes/);
  expect(() => readPickle(Buffer.from([0x80, 2, 0x4e, 0x2e]), 5 as never)).toThrow(TypeError);
  expect(readPickle(new Uint8Array([0x80, 2, 0x4e, 0x2e]), 'x')).toBeNull();
});

test("Python 3's protocol 2 bytes, _codecs.encode(str, 'latin1'), read as the bytes", () => {
  // {'b': _codecs.encode('\xff\x00A', 'latin1')}, as pickle.dumps(..., protocol=2) writes bytes.
  const text = Buffer.from('\u00ff\u0000A', 'utf8');
  const bytes = Buffer.concat([
    Buffer.from([0x80, 0x02, 0x7d, 0x58, 1, 0, 0, 0]), Buffer.from('b'),
    Buffer.from('c_codecs\nencode\n'), Buffer.from([0x58, text.length, 0, 0, 0]), text,
    Buffer.from([0x58, 6, 0, 0, 0]), Buffer.from('latin1'), Buffer.from([0x86, 0x52, 0x73, 0x2e]),
  ]);
  const v = readPickle(bytes, 'p2') as Map<string, Buffer>;
  expect(Array.from(v.get('b')!)).toEqual([0xff, 0x00, 0x41]);
});

test('APPENDS of 300,000 items reads every item (a spread of them overflowed the call stack)', () => {
  const p = new Pickle().op(0x80, 2).op(0x5d).op(0x28);
  for (let i = 0; i < 300_000; i++) p.int(i % 256);
  const list = readPickle(p.op(0x65).done(), 'appends') as number[];
  expect(list).toHaveLength(300_000);
  expect(list[299_999]).toBe(299_999 % 256);
});

test('a memo reference is the same object, not a copy', () => {
  // [x, x] where x = ['a']: one list, referenced twice.
  const p = new Pickle().op(0x80, 2).op(0x5d).op(0x28).op(0x5d).str('a').op(0x61).op(0x71, 0).op(0x68, 0).op(0x65);
  const [a, b] = readPickle(p.done(), 'memo') as unknown[][];
  expect(a).toBe(b);
});
