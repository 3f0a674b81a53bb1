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

// The convolution kernels keep their column buffer in the per-environment
// scratch: workers convolving different shapes at once must not share it.
const CONV_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const addon = require(workerData.addon);
const { id, n, c, h, f, rounds } = workerData;
const fill = (len, k) => Float64Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + k));
const x = fill(n * c * h * h, id), w = fill(f * c * 9, id + 1), b = fill(f, id + 2);
const p = (h / 2) * (h / 2);
const out = new Float64Array(n * f * p), argmax = new Int32Array(n * f * p), dout = fill(n * f * p, id + 3);
const dx = new Float64Array(x.length), dw = new Float64Array(w.length), db = new Float64Array(f);
// Every round must give the first round's numbers exactly.
let first, differing = 0;
for (let r = 0; r < rounds; r++) {
  addon.convReluPoolForward(x, w, b, out, argmax, n, c, h, h, f, 3, 3, 1, 1, 2, 2, 2);
  addon.convReluPoolBackward(dout, x, w, out, argmax, dx, dw, db, n, c, h, h, f, 3, 3, 1, 1, 2, 2, 2);
  const now = [out, dx, dw, db].map((a) => Array.from(a));
  if (first === undefined) first = now;
  else if (now.some((a, k) => a.some((v, i) => !Object.is(v, first[k][i])))) differing++;
}
parentPort.postMessage({ differing, out: first[0], dx: first[1], dw: first[2], db: first[3] });
`;

test('workers convolving different shapes at once each get the single-thread results', async () => {
  const shapes = [
    { id: 1, n: 9, c: 3, h: 8, f: 4, rounds: 300 },
    { id: 2, n: 5, c: 6, h: 12, f: 2, rounds: 200 },
    { id: 3, n: 40, c: 2, h: 4, f: 5, rounds: 300 },
  ];
  const results = await Promise.all(
    shapes.map(
      (shape) =>
        new Promise<{ differing: number } & Record<'out' | 'dx' | 'dw' | 'db', number[]>>((resolve, reject) => {
          const worker = new Worker(CONV_WORKER, { eval: true, workerData: { addon: addonPath(), ...shape } });
          worker.once('message', (m) => {
            resolve(m);
            void worker.terminate();
          });
          worker.once('error', reject);
        }),
    ),
  );
  const addon = native();
  results.forEach((r, k) => {
    const { id, n, c, h, f } = shapes[k];
    const fill = (len: number, s: number) => Float64Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + s));
    const x = fill(n * c * h * h, id);
    const w = fill(f * c * 9, id + 1);
    const p = (h / 2) * (h / 2);
    const out = new Float64Array(n * f * p);
    const argmax = new Int32Array(n * f * p);
    const dx = new Float64Array(x.length);
    const dw = new Float64Array(w.length);
    const db = new Float64Array(f);
    addon.convReluPoolForward(x, w, fill(f, id + 2), out, argmax, n, c, h, h, f, 3, 3, 1, 1, 2, 2, 2);
    addon.convReluPoolBackward(fill(n * f * p, id + 3), x, w, out, argmax, dx, dw, db, n, c, h, h, f, 3, 3, 1, 1, 2, 2, 2);
    expect(r.differing).toBe(0);
    expect(r.out).toEqual(Array.from(out));
    expect(r.dx).toEqual(Array.from(dx));
    expect(r.dw).toEqual(Array.from(dw));
    expect(r.db).toEqual(Array.from(db));
  });
});
