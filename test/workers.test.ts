/**
 * The addon is context-aware: it loads in several worker threads at once and
 * their kernels run concurrently without sharing state.
 */
import { Worker } from 'node:worker_threads';

import { addonPath, native } from '../lib/native';

// Runs in each worker: loads the addon itself and returns checksums of
// repeated affine forward/backward and softmax-loss calls on data that
// depends on the worker's id.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const addon = require(workerData.addon);
const { id, n, d, m, rounds } = workerData;
const fill = (len, k) => Float64Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + k));
const x = fill(n * d, id), w = fill(d * m, id + 1), b = fill(m, id + 2);
const out = new Float64Array(n * m), dx = new Float64Array(n * d), dw = new Float64Array(d * m), db = new Float64Array(m);
const y = Int32Array.from({ length: n }, (_, i) => (i * 7 + id) % m);
const dscores = new Float64Array(n * m);
let loss = 0;
for (let r = 0; r < rounds; r++) {
  addon.affineForward(x, w, b, out, n, d, m);
  loss = addon.softmaxLoss(out, y, dscores, n, m);
  addon.affineBackward(dscores, x, w, dx, dw, db, n, d, m);
}
const sum = (a) => a.reduce((s, v) => s + v, 0);
parentPort.postMessage({ id, loss, out: sum(out), dx: sum(dx), dw: sum(dw), db: sum(db) });
`;

function expected(id: number, n: number, d: number, m: number) {
  const addon = native();
  const fill = (len: number, k: number) => Float64Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + k));
  const x = fill(n * d, id);
  const w = fill(d * m, id + 1);
  const b = fill(m, id + 2);
  const out = new Float64Array(n * m);
  const dx = new Float64Array(n * d);
  const dw = new Float64Array(d * m);
  const db = new Float64Array(m);
  const y = Int32Array.from({ length: n }, (_, i) => (i * 7 + id) % m);
  const dscores = new Float64Array(n * m);
  addon.affineForward(x, w, b, out, n, d, m);
  const loss = addon.softmaxLoss(out, y, dscores, n, m);
  addon.affineBackward(dscores, x, w, dx, dw, db, n, d, m);
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  return { id, loss, out: sum(out), dx: sum(dx), dw: sum(dw), db: sum(db) };
}

test('three workers run kernels concurrently and get the single-thread results', async () => {
  const shape = { n: 64, d: 300, m: 10, rounds: 200 };
  const runs = [1, 2, 3].map(
    (id) =>
      new Promise<Record<string, number>>((resolve, reject) => {
        const worker = new Worker(WORKER, { eval: true, workerData: { addon: addonPath(), id, ...shape } });
        worker.once('message', (m) => {
          resolve(m);
          void worker.terminate();
        });
        worker.once('error', reject);
      }),
  );
  const results = await Promise.all(runs);
  for (const r of results) {
    const want = expected(r.id, shape.n, shape.d, shape.m);
    for (const key of ['loss', 'out', 'dx', 'dw', 'db'] as const) {
      expect(r[key]).toBeCloseTo(want[key], 9);
    }
  }
});
