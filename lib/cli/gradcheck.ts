/**
 * `nndl gradcheck`: the numerical gradient checks of every entry of the layer
 * table (lib/layers/specs.ts) on its sample inputs, every loss, and the
 * sample models (lib/models/check.ts), in float64, printing relative errors.
 */
import { layerGradientErrors, lossGradientError } from '../layers/check';
import { LAYERS, LOSSES } from '../layers/specs';
import { MODEL_SAMPLES, modelCase, modelGradientErrors } from '../models/check';

/** Layers on smooth random inputs check to 1e-7 with the reference's difference. */
const LAYER_TOLERANCE = 1e-7;

interface Row {
  name: string;
  error: number;
  limit: number;
  /** Why the relative error means nothing here, when it does not. */
  moot?: string;
  /** What else the row should say. */
  note?: string;
}

export function gradcheck(seed = 0): number {
  const rows: Row[] = [];
  for (const kind of Object.values(LAYERS)) {
    kind.samples.forEach((sample, i) => {
      const label = i === 0 ? kind.type : `${kind.type} (${sample.label})`;
      for (const [name, error] of layerGradientErrors(kind, sample, seed)) rows.push({ name: `${label} ${name}`, error, limit: LAYER_TOLERANCE });
    });
  }
  for (const loss of Object.values(LOSSES)) {
    loss.samples.forEach(([label, n, c, scale], i) => {
      const name = i === 0 ? `${loss.type} loss dx` : `${loss.type} loss (${label}) dx`;
      rows.push({ name, error: lossGradientError(loss, n, c, scale, seed), limit: LAYER_TOLERANCE });
    });
  }
  for (const sample of MODEL_SAMPLES) {
    const { model, X, y } = modelCase({ ...sample, seed: sample.seed + seed });
    for (const { name, error, kinks, size } of modelGradientErrors(model, X, y, sample.method)) {
      const moot = sample.zero?.includes(name) ? 'a bias followed by batchnorm: its true gradient is zero' : undefined;
      const note = kinks > 0 ? `${kinks} of ${size} entries at a kink, left out` : undefined;
      rows.push({ name: `${sample.label} ${name}`, error, limit: sample.method.tolerance, ...(moot ? { moot } : {}), ...(note ? { note } : {}) });
    }
  }

  const width = Math.max(...rows.map((r) => r.name.length));
  let failed = 0;
  for (const { name, error, limit, moot, note } of rows) {
    const ok = error < limit || moot !== undefined;
    if (!ok) failed++;
    const why = [moot, note].filter((w) => w !== undefined).join('; ');
    console.log(`${name.padEnd(width)}  relative error ${error.toExponential(2)}${why ? `  (${why})` : ''}${ok ? '' : `  FAILED (limit ${limit.toExponential()})`}`);
  }
  console.log(
    failed === 0
      ? `all ${rows.length} checks pass`
      : `${failed} of ${rows.length} checks fail` +
          (seed === 0 ? '' : `; with --seed ${seed} an input within the step of a ReLU's kink makes a difference inexact, which seed 0 avoids`),
  );
  return failed === 0 ? 0 : 1;
}
