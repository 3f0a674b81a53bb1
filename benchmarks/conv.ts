/**
 * The convolution layers against the bare gemm calls they contain, timed in
 * the same process with the same BLAS, samples interleaved: conv 3x3, pad 1,
 * on CIFAR-sized batches, forward + backward, float32 and float64.
 *
 * The gemms are the ones native/conv.h makes, on chunks of images of the
 * same size (at least 2048 output pixels a chunk, a column matrix of at most
 * 2^21 values): per chunk out = w col, dw += dout col^T, dcol = w^T dout.
 *
 *   npm run bench:conv
 */
import { convBackward, convForward, empty, type DType } from '../lib/index';
import { native } from '../lib/native';
import { NumpyRandomState } from '../lib/random';
import { fmt, machine, measureAll, table, writeResults, type Timing } from './harness';

interface Workload {
  name: string;
  x: [number, number, number, number];
  filters: number;
}

const WORKLOADS: Workload[] = [
  { name: 'conv 32 3x3 pad 1 on (128, 3, 32, 32)', x: [128, 3, 32, 32], filters: 32 },
  { name: 'conv 32 3x3 pad 1 on (128, 32, 32, 32)', x: [128, 32, 32, 32], filters: 32 },
  { name: 'conv 64 3x3 pad 1 on (128, 32, 16, 16)', x: [128, 32, 16, 16], filters: 64 },
  { name: 'conv 64 3x3 pad 1 on (128, 64, 8, 8)', x: [128, 64, 8, 8], filters: 64 },
];

/** Images per gemm, as conv_chunk in native/conv.h. */
function chunk(n: number, k: number, p: number): number {
  const wide = Math.ceil(2048 / p);
  const bounded = Math.floor(2 ** 21 / (k * p));
  return Math.max(1, Math.min(wide, bounded, n));
}

interface Row {
  name: string;
  dtype: DType;
  timings: Record<'layer' | 'gemms', Timing>;
  /** layer time / gemm time, forward + backward. */
  ratio: number;
}

function row(wl: Workload, dtype: DType): Row {
  const [n, c, h, w] = wl.x;
  const f = wl.filters;
  const k = c * 9;
  const p = h * w;
  const rng = new NumpyRandomState(0);
  const x = rng.standardNormal(wl.x, dtype);
  const wt = rng.standardNormal([f, c, 3, 3], dtype);
  const b = rng.standardNormal([f], dtype);
  const dout = rng.standardNormal([n, f, h, w], dtype);
  const out = empty([n, f, h, w], dtype);
  const dx = empty(wl.x, dtype);
  const dw = empty([f, c, 3, 3], dtype);
  const db = empty([f], dtype);
  const nb = chunk(n, k, p);
  const col = empty([k, nb * p], dtype);
  const y = empty([f, nb * p], dtype);
  const addon = native();
  const param = { stride: 1, pad: 1 };

  const timings = measureAll({
    layer: () => {
      const [, cache] = convForward(x, wt, b, param, { out });
      convBackward(dout, cache, { dx, dw, db });
    },
    gemms: () => {
      for (let n0 = 0; n0 < n; n0 += nb) {
        const cols = Math.min(nb, n - n0) * p;
        addon.gemm(false, false, f, cols, k, 1, wt.data, col.data.subarray(0, k * cols), 0, y.data.subarray(0, f * cols));
        addon.gemm(false, true, f, k, cols, 1, y.data.subarray(0, f * cols), col.data.subarray(0, k * cols), 1, dw.data);
        addon.gemm(true, false, k, cols, f, 1, wt.data, y.data.subarray(0, f * cols), 0, col.data.subarray(0, k * cols));
      }
    },
  }, { samples: 11 });
  return { name: wl.name, dtype, timings, ratio: timings.layer.median / timings.gemms.median };
}

function main(): void {
  const rows: Row[] = [];
  for (const dtype of ['float32', 'float64'] as const) for (const wl of WORKLOADS) rows.push(row(wl, dtype));
  const ms = (t: Timing) => `${fmt(t.median / 1000, 2)} [${fmt(t.min / 1000, 2)}, ${fmt(t.max / 1000, 2)}]`;
  console.log('conv forward + backward, ms per call, median of 11 interleaved samples [min, max]\n');
  console.log(
    table(
      ['workload', 'dtype', 'layer', 'its gemms alone', 'layer / gemms'],
      rows.map((r) => [r.name, r.dtype, ms(r.timings.layer), ms(r.timings.gemms), `${fmt(r.ratio, 2)}x`]),
    ),
  );
  console.log(`\n${writeResults('conv', { machine: machine(), rows })}`);
}

main();
