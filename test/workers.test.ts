/**
 * The addon is context-aware: it loads in several worker threads at once and
 * their kernels run concurrently without sharing state (float32 ones on each
 * worker's own oneDNN primitives when that is the engine).
 */
import { Worker } from 'node:worker_threads';

import { addonPath, native } from '../lib/native';

// Runs in each worker: loads the addon itself and returns checksums of
// repeated affine forward/backward and softmax-loss calls on data that
// depends on the worker's id.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const addon = require(workerData.addon);
const { id, n, d, m, rounds, type } = workerData;
const F = globalThis[type];
const fill = (len, k) => F.from({ length: len }, (_, i) => Math.sin(i * 0.37 + k));
const x = fill(n * d, id), w = fill(d * m, id + 1), b = fill(m, id + 2);
const out = new F(n * m), dx = new F(n * d), dw = new F(d * m), db = new F(m);
const y = Int32Array.from({ length: n }, (_, i) => (i * 7 + id) % m);
const dscores = new F(n * m);
let loss = 0;
for (let r = 0; r < rounds; r++) {
  addon.affineForward(x, w, b, out, n, d, m);
  loss = addon.softmaxLoss(out, y, dscores, n, m);
  addon.affineBackward(dscores, x, w, dx, dw, db, n, d, m);
}
const sum = (a) => a.reduce((s, v) => s + v, 0);
parentPort.postMessage({ id, loss, out: sum(out), dx: sum(dx), dw: sum(dw), db: sum(db) });
`;

function expected(type: 'Float64Array' | 'Float32Array', id: number, n: number, d: number, m: number) {
  const addon = native();
  const F = (len: number) => (type === 'Float32Array' ? new Float32Array(len) : new Float64Array(len));
  const fill = (len: number, k: number) => F(len).map((_, i) => Math.sin(i * 0.37 + k));
  const x = fill(n * d, id);
  const w = fill(d * m, id + 1);
  const b = fill(m, id + 2);
  const out = F(n * m);
  const dx = F(n * d);
  const dw = F(d * m);
  const db = F(m);
  const y = Int32Array.from({ length: n }, (_, i) => (i * 7 + id) % m);
  const dscores = F(n * m);
  addon.affineForward(x, w, b, out, n, d, m);
  const loss = addon.softmaxLoss(out, y, dscores, n, m);
  addon.affineBackward(dscores, x, w, dx, dw, db, n, d, m);
  const sum = (a: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i];
    return s;
  };
  return { id, loss, out: sum(out), dx: sum(dx), dw: sum(dw), db: sum(db) };
}

// float64 on OpenBLAS; float32 on the engine, at a size its products run threaded (64 x 3072 x 10).
test.each([
  ['Float64Array', { n: 64, d: 300, m: 10, rounds: 200 }, 9],
  ['Float32Array', { n: 64, d: 3072, m: 10, rounds: 50 }, 4],
] as const)('three workers run %s kernels concurrently and get the single-thread results', async (type, shape, digits) => {
  const runs = [1, 2, 3].map(
    (id) =>
      new Promise<Record<string, number>>((resolve, reject) => {
        const worker = new Worker(WORKER, { eval: true, workerData: { addon: addonPath(), id, type, ...shape } });
        worker.once('message', (m) => {
          resolve(m);
          void worker.terminate();
        });
        worker.once('error', reject);
      }),
  );
  const results = await Promise.all(runs);
  for (const r of results) {
    const want = expected(type, r.id, shape.n, shape.d, shape.m);
    for (const key of ['loss', 'out', 'dx', 'dw', 'db'] as const) {
      expect(r[key]).toBeCloseTo(want[key], digits);
    }
  }
});
