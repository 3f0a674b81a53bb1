/**
 * Minibatch gathers large enough to be shared with the copy thread give
 * exactly the rows a plain loop would, whatever the split, the precisions,
 * the BLAS thread count, or other threads gathering at the same time.
 */
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';

import { addonPath, native } from '../lib/native';

const addon = native();
const ROW = 3072;

/** Deterministic source rows: n rows of ROW values. */
function source<A extends Float32Array | Float64Array | Uint8Array>(make: new (n: number) => A, n: number): A {
  const a = new make(n * ROW);
  for (let i = 0; i < a.length; i++) a[i] = a instanceof Uint8Array ? (i * 7919) % 256 : Math.sin(i) * 100;
  return a;
}

function indices(count: number, n: number, seed: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => (i * 7 + seed * 13 + ((i * i) % 5)) % n);
}

/** What gatherRows / gatherByteRows must write, computed in plain JavaScript. */
function expected(
  src: ArrayLike<number>, idx: Int32Array, out: Float32Array | Float64Array, mean: Float64Array | null = null,
): Float32Array | Float64Array {
  const want = new (out.constructor as new (n: number) => Float32Array | Float64Array)(out.length);
  const m = mean ? Float64Array.from(mean, (v) => (want instanceof Float32Array ? Math.fround(v) : v)) : null;
  idx.forEach((row, r) => {
    for (let j = 0; j < ROW; j++) want[r * ROW + j] = src[row * ROW + j] - (m ? m[j] : 0);
  });
  return want;
}

/** Where two arrays first differ, or -1: jest's deep equality is far too slow on millions of values. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('gatherRows and gatherByteRows on minibatches of megabytes', () => {
  const n = 500;
  const cases: [string, Float32Array | Float64Array, () => Float32Array | Float64Array][] = [
    ['float32 rows into float32', source(Float32Array, n), () => new Float32Array(200 * ROW)],
    ['float64 rows into float32', source(Float64Array, n), () => new Float32Array(200 * ROW)],
    ['float32 rows into float64', source(Float32Array, n), () => new Float64Array(173 * ROW)],
  ];
  test.each(cases)('%s', (_, src, out) => {
    const dst = out();
    const idx = indices(dst.length / ROW, n, 1);
    addon.gatherRows(src, idx, dst, ROW);
    expect(firstDifference(dst, expected(src, idx, dst))).toBe(-1);
  });

  test('bytes converted with the mean subtracted, and without a mean', () => {
    const src = source(Uint8Array, n);
    const mean = Float64Array.from({ length: ROW }, (_, j) => 100 + j / 7);
    for (const dst of [new Float32Array(211 * ROW), new Float64Array(200 * ROW)]) {
      const idx = indices(dst.length / ROW, n, 2);
      addon.gatherByteRows(src, idx, mean, dst, ROW);
      expect(firstDifference(dst, expected(src, idx, dst, mean))).toBe(-1);
      addon.gatherByteRows(src, idx, null, dst, ROW);
      expect(firstDifference(dst, expected(src, idx, dst))).toBe(-1);
    }
  });

  test('one BLAS thread gathers alone, with the same result', () => {
    const threads = addon.blasInfo().threads ?? 1;
    const src = source(Float32Array, n);
    const idx = indices(300, n, 3);
    const dst = new Float32Array(300 * ROW);
    try {
      addon.setThreads(1);
      addon.gatherRows(src, idx, dst, ROW);
    } finally {
      addon.setThreads(threads);
    }
    expect(firstDifference(dst, expected(src, idx, dst))).toBe(-1);
  });
});

// Each worker gathers many large minibatches and reports the rows that came
// out wrong; the main thread gathers at the same time.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const addon = require(workerData.addon);
const { n, row, rounds, seed } = workerData;
const src = new Float32Array(n * row);
for (let i = 0; i < src.length; i++) src[i] = Math.sin(i) * 100;
const dst = new Float32Array(200 * row);
let wrong = 0;
for (let k = 0; k < rounds; k++) {
  const idx = Int32Array.from({ length: 200 }, (_, i) => (i * 31 + k * 17 + seed) % n);
  addon.gatherRows(src, idx, dst, row);
  for (let r = 0; r < 200; r++) {
    for (let j = 0; j < row; j += 97) if (dst[r * row + j] !== src[idx[r] * row + j]) { wrong++; break; }
  }
}
parentPort.postMessage(wrong);
`;

test('workers and the main thread gathering at once all get their own rows', async () => {
  const n = 400;
  const runs = [1, 2].map(
    (seed) =>
      new Promise<number>((resolve, reject) => {
        const worker = new Worker(WORKER, { eval: true, workerData: { addon: addonPath(), n, row: ROW, rounds: 60, seed } });
        worker.once('message', (wrong: number) => {
          resolve(wrong);
          void worker.terminate();
        });
        worker.once('error', reject);
      }),
  );
  const src = source(Float32Array, n);
  const dst = new Float32Array(200 * ROW);
  for (let k = 0; k < 30; k++) {
    const idx = indices(200, n, k);
    addon.gatherRows(src, idx, dst, ROW);
    expect(firstDifference(dst, expected(src, idx, dst))).toBe(-1);
  }
  expect(await Promise.all(runs)).toEqual([0, 0]);
});

// Only a worker loads the addon, and its large gathers start its copy thread.
// When the worker ends, Node unloads the addon: the copy thread must be gone
// by then, or it runs unmapped code and the process dies (it did, by SIGSEGV,
// while one copy thread served the whole process, unless it had gone to sleep
// first). Five workers, one after another, each loading the addon again.
const ALONE = `
const { Worker } = require('node:worker_threads');
const code = \`
  const addon = require(\${JSON.stringify(process.argv[1])});
  addon.setThreads(2);
  const row = 3072, n = 400;
  const src = new Float32Array(n * row), dst = new Float32Array(200 * row);
  const idx = Int32Array.from({ length: 200 }, (_, i) => (i * 7) % n);
  for (let k = 0; k < 50; k++) addon.gatherRows(src, idx, dst, row);
\`;
const codes = [];
const next = () => {
  if (codes.length === 5) return setTimeout(() => console.log('alive after workers that exited with', codes.join(' ')), 300);
  new Worker(code, { eval: true }).on('exit', (c) => { codes.push(c); next(); });
};
next();
`;

test('workers that alone loaded the addon end with their copy threads, and the process lives on', () => {
  const run = spawnSync(process.execPath, ['-e', ALONE, addonPath()], { encoding: 'utf8', timeout: 60_000 });
  expect({ signal: run.signal, status: run.status, stdout: run.stdout.trim(), stderr: run.stderr })
    .toEqual({ signal: null, status: 0, stdout: 'alive after workers that exited with 0 0 0 0 0', stderr: '' });
});
