/**
 * The hostile-file corpus: pickles, safetensors files, models, archives and
 * release directories made to crash, hang or exhaust a reader, and their
 * neighbours (truncated, huge declared sizes, overlapping ranges, negative
 * and fractional shapes, wrong dtypes, deep nesting, special files, gzip
 * bombs). Each must be refused with a thrown Error naming the problem,
 * within a time bound, and the whole group within a memory bound: they run
 * in a child process (test/hostile-runner.js) whose peak RSS is measured.
 * The bounds are loose (a loaded machine must not make them flake); what
 * they catch is the exponential or unbounded: before these checks, a 400-byte
 * pickle ran for minutes and a 1 KB model file allocated 10 GB.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { encodeSafetensors } from '../lib/io/safetensors';
import { FullyConnectedNet } from '../lib/models/fully-connected-net';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { Tensor } from '../lib/tensor';
import { binaryRecords, fixtureSet, packRelease, Pickle, pythonBatch, pythonMeta, writeRelease } from './cifar-fixtures';

const RUNNER = path.join(__dirname, 'hostile-runner.js');
const DIST = path.resolve(__dirname, '..', 'dist', 'lib', 'index.js');
const MiB = 2 ** 20;

interface Case {
  name: string;
  kind: 'pickle' | 'safetensors' | 'safetensors-bytes' | 'model' | 'cifar' | 'cifar-split';
  file: string;
  /** The message, or 'ok' for inputs that are merely odd and must load quickly. */
  expect: RegExp | 'ok';
  /** Time bound in ms (default 2,000). */
  maxMs?: number;
}

interface Result {
  name: string;
  error: string | null;
  message: string;
  ms: number;
  rss: number;
}

let root: string;
let socketServer: net.Server;

beforeAll(async () => {
  if (!fs.existsSync(DIST)) throw new Error(`${DIST} is missing: run npm run build (npm test does)`);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-hostile-'));
  // A socket where a file is expected, alive while the cases run.
  socketServer = net.createServer();
  await new Promise<void>((resolve) => socketServer.listen(path.join(root, 'socket'), resolve));
  spawnSync('mkfifo', [path.join(root, 'fifo')]);
});
afterAll(async () => {
  await new Promise((resolve) => socketServer.close(resolve));
  fs.rmSync(root, { recursive: true, force: true });
});

function write(name: string, bytes: Buffer | string): string {
  const file = path.join(root, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

/** Runs the cases in one child process; fails with every case that missed, and the memory bound. */
function run(cases: Case[], maxRssGrowth: number): void {
  const list = write(`cases-${cases[0].name.replace(/\W+/g, '-')}.json`, JSON.stringify(cases));
  const r = spawnSync(process.execPath, [RUNNER, list], { encoding: 'utf8', timeout: 240_000, maxBuffer: 64 * MiB });
  const lines = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  const results = lines.filter((l) => 'name' in l) as Result[];
  if (results.length < cases.length) {
    const why = r.status === null ? `was still running after 240 s (${r.signal})` : `never settled: the process ended (${r.status}) with nothing left to do`;
    throw new Error(`case "${cases[results.length].name}" ${why}; stderr: ${r.stderr}`);
  }
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const { baselineRss, peakRss } = lines[lines.length - 1] as { baselineRss: number; peakRss: number };
  const misses: string[] = [];
  cases.forEach((c, i) => {
    const got = results[i];
    const ok = c.expect === 'ok' ? got.error === null : got.error !== null && c.expect.test(got.message);
    if (!ok) misses.push(`${c.name}: expected ${c.expect === 'ok' ? 'no error' : c.expect}, got ${got.error}: ${got.message}`);
    if (got.ms > (c.maxMs ?? 2000)) misses.push(`${c.name}: took ${got.ms.toFixed(0)} ms, more than ${c.maxMs ?? 2000}`);
  });
  if (peakRss - baselineRss > maxRssGrowth) {
    const rss = results.map((x) => `${x.name} ${(x.rss / MiB).toFixed(0)} MiB`).join(', ');
    misses.push(`peak RSS ${(peakRss / MiB).toFixed(0)} MiB, more than ${(maxRssGrowth / MiB).toFixed(0)} MiB over the ${(baselineRss / MiB).toFixed(0)} MiB baseline (after each case: ${rss})`);
  }
  expect(misses).toEqual([]);
}

/** A protocol-2 pickle of {key: value}, the value written by `body`. */
function pickleDict(key: string, body: (p: Pickle) => void): Buffer {
  const p = new Pickle().op(0x80, 2).op(0x7d).py2str(key);
  body(p);
  return p.op(0x73).done();
}

/**
 * The "billion laughs": a list of ten references to a list of ten
 * references ... depth times, around one short string: a few hundred bytes
 * that expand to 10^depth strings when walked as a tree.
 */
function laughs(p: Pickle, depth: number): void {
  p.py2str('lol').op(0x71, 0).op(0x30);
  for (let d = 1; d <= depth; d++) {
    p.op(0x5d).op(0x28);
    for (let i = 0; i < 10; i++) p.op(0x68, d - 1);
    p.op(0x65).op(0x71, d);
    if (d < depth) p.op(0x30);
  }
}

/** A Python release directory holding `files` (name: bytes), the rest from a small fixture. */
function pythonRelease(name: string, files: Record<string, Buffer>): string {
  const dir = writeRelease(path.join(root, name), fixtureSet(1, [2, 2, 2, 2, 2], 2), 'py2');
  for (const [file, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), bytes);
  return dir;
}

describe('pickles', () => {
  test('are refused in time and memory', () => {
    const batch = pythonBatch(fixtureSet(1, [4], 1).train[0], 2);
    const meta = (depth: number) => pickleDict('label_names', (p) => laughs(p, depth));
    expect(meta(8).length).toBeLessThan(400);
    // _codecs.encode of one memoised 100 KB string, 1,000 times: 100 MB from 100 KB.
    const encodeBomb = (() => {
      const p = new Pickle().op(0x80, 2).op(0x5d).op(0x28);
      p.op(0x58).u32(100_000).raw(Buffer.alloc(100_000, 0x61)).op(0x71, 0).op(0x30);
      for (let i = 0; i < 1000; i++) p.raw('c_codecs\nencode\n').op(0x68, 0).op(0x58).u32(6).raw('latin1').op(0x86).op(0x52);
      return p.op(0x65).done();
    })();
    const u64 = (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(n);
      return b;
    };
    // A data array whose shape claims (2^40, 3072) over 10 bytes.
    const hugeShape = pickleDict('data', (p) => {
      p.raw('cnumpy.core.multiarray\n_reconstruct\n').raw('cnumpy\nndarray\n').int(0).op(0x85).py2str('b').op(0x87).op(0x52);
      p.op(0x28).int(1).op(0x8a, 6).raw(Buffer.from([0, 0, 0, 0, 0, 1])).int(3072).op(0x86);
      p.raw('cnumpy\ndtype\n').py2str('u1').op(0x89).op(0x88).op(0x87).op(0x52).op(0x28).int(3).py2str('|').op(0x4e).op(0x4e).op(0x4e)
        .int(0).int(0).int(0).op(0x74).op(0x62);
      p.op(0x89).py2str(Buffer.alloc(10)).op(0x74).op(0x62);
    });
    const negativeShape = Buffer.from(hugeShape);
    negativeShape[negativeShape.indexOf(Buffer.from([0x8a, 6, 0, 0, 0, 0, 0, 1])) + 7] = 0xff;
    const deepList = (() => {
      const p = new Pickle().op(0x80, 2);
      for (let i = 0; i < 100_000; i++) p.op(0x5d);
      for (let i = 1; i < 100_000; i++) p.op(0x61);
      return p.done();
    })();
    const cases: Case[] = [
      { name: 'billion laughs, depth 8, read', kind: 'pickle', file: write('laughs8.pkl', meta(8)), expect: 'ok', maxMs: 1000 },
      { name: 'billion laughs, depth 8, as batches.meta', kind: 'cifar', file: pythonRelease('laughs8', { 'batches.meta': meta(8) }),
        expect: /batches\.meta: class name 0 is a list, expected a string of 1 to 100 characters/, maxMs: 1000 },
      { name: 'billion laughs, depth 30, as batches.meta', kind: 'cifar', file: pythonRelease('laughs30', { 'batches.meta': meta(30) }),
        expect: /batches\.meta: class name 0 is a list/, maxMs: 1000 },
      { name: 'one label name of 1 MB', kind: 'cifar',
        file: pythonRelease('long-name', { 'batches.meta': pickleDict('label_names', (p) => {
          p.op(0x5d).op(0x28).py2str(Buffer.alloc(500_000, 0x61));
          for (let i = 1; i < 10; i++) p.py2str('cat');
          p.op(0x65);
        }) }),
        expect: /class name 0 is a string of 500000 characters, expected a string of 1 to 100/ },
      { name: 'eleven class names', kind: 'cifar',
        file: pythonRelease('eleven', { 'batches.meta': Buffer.concat([pythonMeta(2).subarray(0, -3), Buffer.from([0x55, 3]), Buffer.from('owl'), Buffer.from([0x65, 0x75, 0x2e])]) }),
        expect: /batches\.meta: names 11 classes, expected 10/ },
      { name: 'memoised string encoded 1,000 times', kind: 'pickle', file: write('encode.pkl', encodeBomb), expect: /decodes to more than \d+ bytes of strings/ },
      { name: 'truncated batch', kind: 'pickle', file: write('cut.pkl', batch.subarray(0, batch.length >> 1)), expect: /ends early \(truncated\)/ },
      { name: 'BINBYTES8 of 2^60 bytes', kind: 'pickle', file: write('len.pkl', Buffer.concat([Buffer.from([0x80, 4, 0x8e]), u64(2n ** 60n), Buffer.from([0x2e])])),
        expect: /length 1152921504606846976 exceeds the data/ },
      { name: 'BINSTRING of 4 GB', kind: 'pickle', file: write('len4.pkl', Buffer.from([0x80, 2, 0x54, 0xff, 0xff, 0xff, 0xff, 0x2e])), expect: /ends early \(truncated\)/ },
      { name: 'array shape (2^40, 3072) over 10 bytes', kind: 'pickle', file: write('shape.pkl', hugeShape),
        expect: /builds a u1 array of shape \(1099511627776, 3072\) from 10 bytes instead of 3377699720527872/ },
      { name: 'negative array shape', kind: 'pickle', file: write('neg.pkl', negativeShape), expect: /shape is not a tuple of sizes/ },
      { name: 'a list nested 100,000 deep, read', kind: 'pickle', file: write('deep.pkl', deepList), expect: 'ok' },
      { name: 'a list nested 100,000 deep, as labels', kind: 'cifar',
        file: pythonRelease('deep', { data_batch_1: pickleDict('labels', (p) => {
          for (let i = 0; i < 100_000; i++) p.op(0x5d);
          for (let i = 1; i < 100_000; i++) p.op(0x61);
        }) }),
        expect: /data_batch_1: the pickled dict has no 'data'/ },
      { name: 'os.system', kind: 'pickle', file: write('system.pkl', Buffer.from('\x80\x02cos\nsystem\nU\x02lsR.', 'latin1')),
        expect: /refers to global os\.system, which is not allowed at byte 2/ },
      { name: 'float64 pixels', kind: 'cifar',
        file: pythonRelease('f8', { data_batch_1: Buffer.from(batch.toString('latin1').replace('U\x02u1', 'U\x02f8'), 'latin1') }),
        expect: /builds a f8 array of shape \(4, 3072\) from 12288 bytes instead of 98304/ },
    ];
    run(cases, 200 * MiB);
  }, 240_000);
});

/** A safetensors file from its JSON header (a string, so it can hold what JSON.stringify never writes) and data. */
function safetensors(header: string, data: Buffer = Buffer.alloc(0)): Buffer {
  const text = Buffer.from(header);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([size, text, data]);
}

const nndlMeta = (architecture: string, config: object) =>
  `"__metadata__":{"format":"nndl","architecture":"${architecture}","config":${JSON.stringify(JSON.stringify(config))}}`;

describe('safetensors files and models', () => {
  test('are refused in time and memory', () => {
    const small = new FullyConnectedNet([4], { inputDim: 3072, numClasses: 10, rng: 0 });
    const smallFile = path.join(root, 'small.safetensors');
    small.save(smallFile);
    const good = fs.readFileSync(smallFile);
    const headerText = good.subarray(8, 8 + Number(good.readBigUInt64LE(0))).toString();
    const data = good.subarray(8 + headerText.length);
    // The small model's file, its config saying [30000, 30000]: 3.6 GB of weights had it been built first.
    const huge = headerText.replace('\\"hiddenDims\\":[4]', '\\"hiddenDims\\":[30000,30000]');
    expect(huge).not.toBe(headerText);
    const twoLayer = new TwoLayerNet({ hiddenDims: 2, dtype: 'float32', rng: 0 });
    const twoFile = path.join(root, 'two.safetensors');
    twoLayer.save(twoFile);
    const twoGood = fs.readFileSync(twoFile);
    const twoHeader = twoGood.subarray(8, 8 + Number(twoGood.readBigUInt64LE(0))).toString();
    const twoData = twoGood.subarray(8 + twoHeader.length);
    const empties = (n: number) => Array.from({ length: n }, (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`).join(',');
    const manyModel = `{${nndlMeta('TwoLayerNet', { inputDim: 1, hiddenDims: 1, numClasses: 1, dtype: 'float32' })},${empties(65_536)}}`;
    const f32 = (name: string, shape: unknown, offsets: unknown) => `"${name}":{"dtype":"F32","shape":${JSON.stringify(shape)},"data_offsets":${JSON.stringify(offsets)}}`;
    const cases: Case[] = [
      { name: 'a config of [30000, 30000] over tensors of [4]', kind: 'model', file: write('huge-config.safetensors', safetensors(huge, data)),
        expect: /the config of this FullyConnectedNet needs 6 tensors but the file holds 4; missing: W3, b3/, maxMs: 1000 },
      { name: 'TwoLayerNet of a billion hidden units', kind: 'model',
        file: write('billion.safetensors', safetensors(twoHeader.replace('\\"hiddenDims\\":2', '\\"hiddenDims\\":1000000000'), twoData)),
        expect: /W1 is float32 \[3072, 2\] but the config needs float32 \[3072, 1000000000\]/, maxMs: 1000 },
      { name: 'float64 tensors under a float32 config', kind: 'model',
        file: write('dtype.safetensors', encodeSafetensors({ ...Object.fromEntries(Object.entries(twoLayer.params).map(([k, v]) => [k, v.astype('float64')])) },
          { format: 'nndl', architecture: 'TwoLayerNet', config: JSON.stringify(twoLayer.config()) })),
        expect: /W1 is float64 \[3072, 2\] but the config needs float32 \[3072, 2\]/ },
      { name: 'a config that is not a size', kind: 'model',
        file: write('config-type.safetensors', safetensors(twoHeader.replace('\\"hiddenDims\\":2', '\\"hiddenDims\\":-2.5'), twoData)),
        expect: /config\.hiddenDims is number -2\.5, expected a positive integer/ },
      { name: 'an unknown architecture', kind: 'model',
        file: write('arch.safetensors', safetensors(twoHeader.replace('"architecture":"TwoLayerNet"', '"architecture":"Eval"'), twoData)),
        expect: /unknown architecture Eval; this nndl knows TwoLayerNet, StandaloneTwoLayerNet, FullyConnectedNet/ },
      { name: 'a tensor named __proto__', kind: 'safetensors', file: write('proto.safetensors', safetensors(`{${f32('__proto__', [1], [0, 4])}}`, Buffer.alloc(4))),
        expect: /a tensor named __proto__ is not allowed/ },
      { name: 'a tensor named __proto__, from bytes', kind: 'safetensors-bytes', file: path.join(root, 'proto.safetensors'), expect: /a tensor named __proto__ is not allowed/ },
      { name: 'W1 twice', kind: 'safetensors', file: write('dup.safetensors', safetensors(`{${f32('W1', [1], [0, 4])},${f32('W1', [1], [4, 8])}}`, Buffer.alloc(8))),
        expect: /the header is not valid JSON \(repeated key "W1" at character \d+\)/ },
      { name: '200,000 empty tensors', kind: 'safetensors', file: write('many.safetensors', safetensors(`{${empties(200_000)}}`)),
        expect: /the header is refused: more than 65537 items in one object or array at character \d+ \(a file holds at most 65536 tensors/ },
      { name: '65,536 empty tensors, read', kind: 'safetensors', file: write('most.safetensors', safetensors(`{${empties(65_536)}}`)), expect: 'ok', maxMs: 5000 },
      { name: '65,536 empty tensors as a model', kind: 'model', file: write('many-model.safetensors', safetensors(manyModel)),
        expect: /needs 4 tensors but the file holds 65536; missing: W1, b1, W2, b2; not part of it: t0, t1, .* and 65528 more/, maxMs: 5000 },
      { name: 'truncated data', kind: 'model', file: write('cut.safetensors', good.subarray(0, good.length - 100)), expect: /truncated: tensor \w+ is at bytes/ },
      { name: 'header size 2^63', kind: 'safetensors', file: write('hdr.safetensors', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x80]), Buffer.from('{}')])),
        expect: /header size 9223372036854775808 is implausible/ },
      { name: 'header longer than the file', kind: 'safetensors', file: write('hdr2.safetensors', Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x7b])),
        expect: /truncated: the header needs 65535 bytes but only 1 follow the size/ },
      { name: 'shorter than 8 bytes', kind: 'safetensors', file: write('short.safetensors', Buffer.from([1, 2, 3])), expect: /3 bytes, too short for the header size/ },
      { name: 'overlapping data_offsets', kind: 'safetensors', file: write('overlap.safetensors', safetensors(`{${f32('a', [2], [0, 8])},${f32('b', [2], [4, 12])}}`, Buffer.alloc(12))),
        expect: /tensor b: data starts at byte 4, expected 8/ },
      { name: 'a gap after the last tensor', kind: 'safetensors', file: write('gap.safetensors', safetensors(`{${f32('a', [1], [0, 4])}}`, Buffer.alloc(12))),
        expect: /8 bytes follow the last tensor/ },
      { name: 'a negative shape', kind: 'safetensors', file: write('neg.safetensors', safetensors(`{${f32('a', [-1], [0, 4])}}`, Buffer.alloc(4))),
        expect: /tensor a: shape is not a list of non-negative integers/ },
      { name: 'a fractional shape', kind: 'safetensors', file: write('frac.safetensors', safetensors(`{${f32('a', [1.5], [0, 6])}}`, Buffer.alloc(6))),
        expect: /tensor a: shape is not a list of non-negative integers/ },
      { name: 'a shape of 2^80 elements over 16 bytes', kind: 'safetensors', file: write('prod.safetensors', safetensors(`{${f32('a', [2 ** 40, 2 ** 40], [0, 16])}}`, Buffer.alloc(16))),
        expect: /tensor a: 16 bytes but shape \[1099511627776, 1099511627776\] of F32 needs/ },
      { name: 'data_offsets past the file', kind: 'safetensors', file: write('past.safetensors', safetensors(`{${f32('a', [2 ** 30], [0, 2 ** 32])}}`, Buffer.alloc(16))),
        expect: /truncated: tensor a is at bytes \[0, 4294967296\) but the file holds 16 bytes of data/ },
      { name: 'an integer dtype', kind: 'safetensors', file: write('i64.safetensors', safetensors('{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', Buffer.alloc(8))),
        expect: /tensor a: dtype I64 is not F32 or F64/ },
      { name: 'a header nested 100,000 deep', kind: 'safetensors', file: write('nest.safetensors', safetensors(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)),
        expect: /the header is refused: nested deeper than 3 levels at character 7/ },
      { name: 'metadata that is not a string', kind: 'safetensors', file: write('meta.safetensors', safetensors('{"__metadata__":{"format":1}}')),
        expect: /__metadata__\.format is not a string/ },
      { name: 'not JSON', kind: 'safetensors', file: write('json.safetensors', safetensors('{"a":tru}')), expect: /the header is not valid JSON/ },
      { name: '/dev/zero', kind: 'model', file: '/dev/zero', expect: /\/dev\/zero is a character device, not a regular file/ },
      { name: 'a FIFO', kind: 'model', file: path.join(root, 'fifo'), expect: /fifo is a FIFO, not a regular file/ },
      { name: 'a socket', kind: 'model', file: path.join(root, 'socket'), expect: /socket is a socket, not a regular file/ },
      { name: 'a directory', kind: 'model', file: root, expect: /is a directory, not a regular file/ },
    ];
    // 65,536 entries (the most a file may list) cost about 160 MiB of objects while parsed.
    run(cases, 400 * MiB);
  }, 240_000);
});

/** A 512-byte ustar header for a regular file; `size` may be anything 11 octal digits hold. */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'latin1');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

describe('archives and release directories', () => {
  test('are refused in time and memory', async () => {
    const set = fixtureSet(5, [3, 3, 3, 3, 3], 3);
    const release = writeRelease(path.join(root, 'release'), set, 'bin');
    const { create } = await import('tar');
    const archive = async (name: string, members: string[]) => {
      const file = path.join(root, name);
      await create({ gzip: true, file, cwd: path.dirname(release), portable: true }, members.map((m) => `cifar-10-batches-bin/${m}`));
      return file;
    };
    const all = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin', 'batches.meta.txt'];
    const good = await packRelease(release, path.join(root, 'good.tar.gz'));
    const goodBytes = fs.readFileSync(good);
    // 1.1 GiB of zeros in a member the loader skips, from 1.1 MB: concatenated gzip members of 1 MiB each.
    const zeros = zlib.gzipSync(Buffer.alloc(MiB));
    const bomb = write('bomb.tar.gz', Buffer.concat([zlib.gzipSync(tarHeader('cifar-10-batches-bin/junk.bin', 2 ** 31)), ...Array(1100).fill(zeros)]));
    const declared = write('declared.tar.gz', zlib.gzipSync(Buffer.concat([tarHeader('cifar-10-batches-bin/data_batch_1.bin', 8 * 2 ** 30 - 1), Buffer.alloc(4096)])));
    const dirWith = (name: string, make: (file: string) => void) => {
      const dir = writeRelease(path.join(root, name), set, 'bin');
      const file = path.join(dir, 'data_batch_3.bin');
      fs.rmSync(file);
      make(file);
      return dir;
    };
    const bigMeta = writeRelease(path.join(root, 'big-meta'), set, 'bin');
    fs.writeFileSync(path.join(bigMeta, 'batches.meta.txt'), Buffer.alloc(2 * MiB, 0x61));
    const cases: Case[] = [
      { name: 'a data batch twice', kind: 'cifar', file: await archive('dup.tar.gz', [...all, 'data_batch_2.bin']),
        expect: /dup\.tar\.gz: holds data_batch_2\.bin twice \(.*dup\.tar\.gz:cifar-10-batches-bin\/data_batch_2\.bin and .*\)/ },
      { name: 'test_batch twice', kind: 'cifar', file: await archive('dup-test.tar.gz', [...all, 'test_batch.bin']), expect: /holds test_batch\.bin twice/ },
      { name: 'a data batch twice, split', kind: 'cifar-split', file: path.join(root, 'dup.tar.gz'), expect: /holds data_batch_2\.bin twice/ },
      { name: 'two batches missing', kind: 'cifar', file: await archive('missing.tar.gz', all.filter((n) => n !== 'data_batch_3.bin' && n !== 'test_batch.bin')),
        expect: /missing\.tar\.gz: missing data_batch_3\.bin, test_batch\.bin$/ },
      { name: 'a gzip bomb', kind: 'cifar', file: bomb, expect: /bomb\.tar\.gz: decompresses to more than 1073741824 bytes, more than a CIFAR-10 release holds/, maxMs: 60_000 },
      { name: 'a batch declaring 8 GiB', kind: 'cifar', file: declared, expect: /data_batch_1\.bin: 8589934591 bytes, more than a CIFAR-10 batch can hold/ },
      { name: 'a truncated archive', kind: 'cifar', file: write('cut.tar.gz', goodBytes.subarray(0, goodBytes.length >> 1)), expect: /cut\.tar\.gz: not a readable \.tar\.gz/ },
      { name: 'random bytes', kind: 'cifar', file: write('random.tar.gz', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251))),
        expect: /random\.tar\.gz: (not a readable \.tar\.gz|holds no cifar-10-batches)/ },
      { name: '/dev/zero', kind: 'cifar', file: '/dev/zero', expect: /loadCifar10: \/dev\/zero is a character device, not a regular file or a directory/ },
      { name: 'a FIFO', kind: 'cifar', file: path.join(root, 'fifo'), expect: /fifo is a FIFO, not a regular file or a directory/ },
      { name: 'a socket', kind: 'cifar', file: path.join(root, 'socket'), expect: /socket is a socket, not a regular file or a directory/ },
      { name: 'a FIFO for a batch', kind: 'cifar', file: dirWith('fifo-batch', (f) => spawnSync('mkfifo', [f])),
        expect: /data_batch_3\.bin is a FIFO, not a regular file/ },
      { name: 'a directory for a batch', kind: 'cifar', file: dirWith('dir-batch', (f) => fs.mkdirSync(f)),
        expect: /data_batch_3\.bin is a directory, not a regular file/ },
      { name: 'a batch of 201 MiB', kind: 'cifar', file: dirWith('big-batch', (f) => fs.writeFileSync(f, Buffer.alloc(201 * MiB))),
        expect: /data_batch_3\.bin: 210763776 bytes, more than a CIFAR-10 batch can hold/ },
      { name: 'class names of 2 MiB', kind: 'cifar', file: bigMeta, expect: /batches\.meta\.txt: 2097152 bytes, too large for class names/ },
      { name: 'records cut short', kind: 'cifar', file: dirWith('short', (f) => fs.writeFileSync(f, binaryRecords(set.train[2]).subarray(0, 3073 * 2 + 5))),
        expect: /data_batch_3\.bin: 6151 bytes is not a whole number of 3073-byte records/ },
    ];
    run(cases, 250 * MiB);
  }, 240_000);
});
