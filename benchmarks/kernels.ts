/**
 * Affine forward and backward against the bare gemm calls they contain, timed
 * in the same process with the same BLAS, and the cost of one N-API crossing.
 * Targets: affine forward+backward at >= 90% of the gemms' throughput; the
 * crossing under 2 µs on a (2, 3) input.
 *
 * The layer is timed two ways: writing into output tensors the caller reuses
 * (`out`, `dx`, `dw`, `db` options, as a training loop does), and allocating
 * fresh outputs on every call.
 *
 *   npm run bench:kernels
 */
import { affineBackward, affineForward, empty, reluForward, type DType } from '../lib/index';
import { native } from '../lib/native';
import { NumpyRandomState } from '../lib/random';
import { Tensor } from '../lib/tensor';
import { fmt, machine, measureAll, table, writeResults, type Timing } from './harness';

const N = 200;
const D = 3072;

interface AffineRow {
  dtype: DType;
  m: number;
  timings: Record<'reused' | 'fresh' | 'gemms', Timing>;
  /** gemm time / layer time, forward + backward: the share of the gemms' throughput the layer reaches. */
  ratioReused: number;
  ratioFresh: number;
}

function affineRow(dtype: DType, m: number): AffineRow {
  const rng = new NumpyRandomState(0);
  const x = rng.standardNormal([N, D], dtype);
  const w = rng.standardNormal([D, m], dtype);
  const b = rng.standardNormal([m], dtype);
  const dout = rng.standardNormal([N, m], dtype);
  const out = empty([N, m], dtype);
  const dx = empty([N, D], dtype);
  const dw = empty([D, m], dtype);
  const db = empty([m], dtype);
  const addon = native();

  const timings = measureAll({
    reused: () => {
      const [, cache] = affineForward(x, w, b, { out });
      affineBackward(dout, cache, { dx, dw, db });
    },
    fresh: () => {
      const [, cache] = affineForward(x, w, b);
      affineBackward(dout, cache);
    },
    // out = x w; dx = dout w^T; dw = x^T dout.
    gemms: () => {
      addon.gemm(false, false, N, m, D, 1, x.data, w.data, 0, out.data);
      addon.gemm(false, true, N, D, m, 1, dout.data, w.data, 0, dx.data);
      addon.gemm(true, false, D, m, N, 1, x.data, dout.data, 0, dw.data);
    },
  });
  return {
    dtype, m, timings,
    ratioReused: timings.gemms.median / timings.reused.median,
    ratioFresh: timings.gemms.median / timings.fresh.median,
  };
}

function crossing(): Record<'addon' | 'layer', Timing> {
  const x = new Tensor(Float64Array.from([-1, 2, -3, 4, -5, 6]), [2, 3]);
  const out = new Float64Array(6);
  const addon = native();
  return measureAll({ addon: () => addon.reluForward(x.data, out), layer: () => reluForward(x) });
}

function main(): void {
  const rows: AffineRow[] = [];
  for (const dtype of ['float32', 'float64'] as const) for (const m of [50, 100]) rows.push(affineRow(dtype, m));
  const cross = crossing();

  const span = (t: Timing) => `${fmt(t.median)} [${fmt(t.min)}, ${fmt(t.max)}]`;
  console.log(`affine forward + backward, x (${N}, ${D}); µs per call, median of 21 interleaved samples [min, max]\n`);
  console.log(
    table(
      ['dtype', 'W', 'layer, reused outputs', 'layer, fresh outputs', 'its 3 gemms', 'reused / gemms', 'fresh / gemms'],
      rows.map((r) => [
        r.dtype, `${D}x${r.m}`, span(r.timings.reused), span(r.timings.fresh), span(r.timings.gemms),
        `${fmt(100 * r.ratioReused)}%`, `${fmt(100 * r.ratioFresh)}%`,
      ]),
    ),
  );
  console.log(
    `\nN-API crossing, reluForward on (2, 3): addon ${fmt(cross.addon.median, 3)} µs, ` +
      `typed layer (validation + allocation) ${fmt(cross.layer.median, 3)} µs per call`,
  );

  const worst = Math.min(...rows.map((r) => r.ratioReused));
  const targets = { layerAtLeast90PercentOfGemms: worst >= 0.9, crossingUnder2us: cross.addon.median < 2 };
  console.log(
    `targets: layer (reused outputs) >= 90% of its gemms' throughput: ${targets.layerAtLeast90PercentOfGemms ? 'met' : 'MISSED'} ` +
      `(worst ${fmt(100 * worst)}%); crossing < 2 µs: ${targets.crossingUnder2us ? 'met' : 'MISSED'}`,
  );
  const file = writeResults('kernels', { machine: machine(), shape: { N, D }, affine: rows, crossing: cross, targets });
  console.log(`wrote ${file}`);
}

main();
