/**
 * Labels, row indices and generator states in a SharedArrayBuffer that a
 * worker thread keeps changing while the main thread calls the kernels: an
 * index checked and then read again could be out of range by the time it is
 * used. No call may crash; each succeeds or throws a RangeError naming the
 * argument. NNDL_RACE_SECONDS sets how long each kernel is raced (default 1).
 */
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';

import { svmLoss, softmaxLoss } from '../lib/layers/losses';
import { addonPath, native } from '../lib/native';
import { Tensor } from '../lib/tensor';

const addon = native();
const SECONDS = Number(process.env.NNDL_RACE_SECONDS ?? 1);
const BAD = 0x7fffff00;

// Flips one element of each array between a valid value and BAD until told to stop.
const FLIPPER = `
const { workerData } = require('node:worker_threads');
const stop = new Int32Array(workerData.stop);
const targets = workerData.targets.map(({ buffer, index, good }) => ({ a: new Int32Array(buffer), index, good }));
while (Atomics.load(stop, 0) === 0) {
  for (const t of targets) Atomics.store(t.a, t.index, ${BAD});
  for (let spin = 0; spin < 50; spin++) Atomics.load(stop, 0);
  for (const t of targets) Atomics.store(t.a, t.index, t.good);
  for (let spin = 0; spin < 50; spin++) Atomics.load(stop, 0);
}
`;

function sharedInt32(values: ArrayLike<number>): Int32Array {
  const a = new Int32Array(new SharedArrayBuffer(values.length * 4));
  a.set(values);
  return a;
}

/** Runs call() for SECONDS while a worker flips element `index` of `target`; returns [successes, refusals]. */
async function race(target: Int32Array | Uint32Array, index: number, argument: RegExp, call: () => void): Promise<[number, number]> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const good = target[index];
  const worker = new Worker(FLIPPER, { eval: true, workerData: { stop: stop.buffer, targets: [{ buffer: target.buffer, index, good }] } });
  await new Promise((resolve) => worker.once('online', resolve));
  let ok = 0;
  let refused = 0;
  const end = Date.now() + SECONDS * 1000;
  try {
    while (Date.now() < end) {
      try {
        call();
        ok++;
      } catch (e) {
        // The addon's errors come from Node's realm, the TypeScript layer's from jest's: compare names.
        if ((e as Error).name !== 'RangeError' || !argument.test((e as Error).message)) throw e;
        refused++;
      }
    }
  } finally {
    Atomics.store(stop, 0, 1);
    await worker.terminate();
  }
  target[index] = good;
  return [ok, refused];
}

const n = 2000;
const c = 10;
const scores = Float64Array.from({ length: n * c }, (_, i) => Math.sin(i));
const dscores = new Float64Array(n * c);
const labels = sharedInt32(Array.from({ length: n }, (_, i) => i % c));
const rows = 500;
const rowLen = 64;
const src = Float32Array.from({ length: rows * rowLen }, (_, i) => i);
const bytes = Uint8Array.from({ length: rows * rowLen }, (_, i) => i % 251);
const idx = sharedInt32(Array.from({ length: 400 }, (_, i) => (i * 7) % rows));
const dst = new Float32Array(idx.length * rowLen);

const cases: [string, Int32Array | Uint32Array, number, RegExp, () => void][] = [
  ['softmaxLoss (addon)', labels, n - 1, /^softmaxLoss: y\[1999\]/, () => addon.softmaxLoss(scores, labels, dscores, n, c)],
  ['svmLoss (addon)', labels, n - 1, /^svmLoss: y\[1999\]/, () => addon.svmLoss(scores, labels, dscores, n, c)],
  ['softmaxLoss', labels, n - 1, /^softmaxLoss: .*y\[1999\]/, () => softmaxLoss(new Tensor(scores, [n, c]), labels)],
  ['svmLoss', labels, n - 1, /^svmLoss: .*y\[1999\]/, () => svmLoss(new Tensor(scores, [n, c]), labels)],
  ['gatherRows', idx, idx.length - 1, /^gatherRows: idx\[399\]/, () => addon.gatherRows(src, idx, dst, rowLen)],
  ['gatherByteRows', idx, idx.length - 1, /^gatherByteRows: idx\[399\]/, () => addon.gatherByteRows(bytes, idx, null, dst, rowLen)],
];

describe('indices changed by another thread during the call', () => {
  test.each(cases)('%s: every call succeeds or refuses the index', async (_, target, index, argument, call) => {
    const [ok, refused] = await race(target, index, argument, call);
    // Both outcomes happened, so the race was run; reaching here means nothing crashed.
    expect(ok).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, SECONDS * 1000 + 30_000);
});

// The worker zeroes the generator's key over and over while the main thread
// draws Gaussians: a generator reading the shared key would fall into
// MT19937's all-zero fixed point mid-call and reject draws forever; a private
// copy finishes the call, and a later call may find the key zero and refuse
// it. Run in a child process so that a hang is a timeout, not a stuck test run.
const ZEROED_STATE = `
const { Worker } = require('node:worker_threads');
const addon = require(process.argv[1]);
const state = new Uint32Array(new SharedArrayBuffer(625 * 4));
addon.randomSeed(state, 5);
const zeroer = new Worker(\`
  const { workerData } = require('node:worker_threads');
  const key = new Int32Array(workerData, 0, 624);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  const end = Date.now() + 300;
  while (Date.now() < end) for (let i = 0; i < 624; i++) Atomics.store(key, i, 0);
\`, { eval: true, workerData: state.buffer });
const out = new Float64Array(200000);
const end = Date.now() + 2000;
let calls = 0, refused = 0;
while (Date.now() < end) {
  try {
    addon.randomGauss(state, new Float64Array(2), out);
    calls++;
  } catch (e) {
    if (e.message !== 'randomGauss: state is all zero: seed it first') throw e;
    refused++;
  }
}
console.log('calls ' + calls + ' refused ' + refused);
zeroer.terminate();
`;

test('a generator key zeroed by another thread during calls: every call ends', () => {
  const r = spawnSync(process.execPath, ['-e', ZEROED_STATE, addonPath()], { encoding: 'utf8', timeout: 30_000 });
  expect(r.signal).toBeNull();
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^calls [1-9]\d* refused \d+$/m);
});
