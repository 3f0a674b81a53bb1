/**
 * Numerical gradient checks of the table's entries (lib/layers/specs.ts) on
 * their sample inputs, in float64: what `nndl gradcheck` prints and the
 * layer tests assert.
 */
import { evalNumericalGradient, evalNumericalGradientArray, relError } from '../gradient-check';
import { NumpyRandomState } from '../random';
import { Tensor, zeros, type DType } from '../tensor';
import type { GradcheckSample, LayerKind, LayerParams, LayerSpec, LossKind, Role } from './specs';

/** A fixed dropout seed: every pass of a check sees the same mask. */
const DROPOUT_SEED = 123;

/** One sample of a layer, set up: spec, input, parameters, state, and a run of its forward pass. */
export interface LayerCase {
  spec: LayerSpec;
  x: Tensor;
  params: LayerParams;
  state: unknown;
  /** The train-mode forward pass on x (or another input) with these parameters. */
  forward(x?: Tensor, params?: LayerParams): [Tensor, unknown];
}

/** The sample's inputs drawn from seed: x and every parameter standard normal (times the sample's scale), in dtype. */
export function layerCase(kind: LayerKind, sample: GradcheckSample, seed: number, dtype: DType = 'float64'): LayerCase {
  const rng = new NumpyRandomState(seed);
  const draw = (shape: readonly number[], scale = 1) => {
    const t = rng.standardNormal(shape);
    for (let i = 0; i < t.size; i++) t.data[i] *= scale;
    return dtype === 'float64' ? t : t.astype(dtype);
  };
  const spec = kind.spec('gradcheck', kind.type, { type: kind.type, ...sample.options });
  const x = draw(sample.input, sample.scale ?? 1);
  const perExample = sample.input.slice(1);
  const params: LayerParams = {};
  for (const def of kind.params?.(spec, perExample) ?? []) params[def.role] = draw(def.shape);
  const state = kind.state?.(spec, perExample, { dtype, rng, seed: DROPOUT_SEED });
  return {
    spec, x, params, state,
    forward: (input = x, p = params) => kind.forward(input, p, state, { mode: 'train' }),
  };
}

/** Relative errors of the backward pass (dx and every parameter's gradient) against centered differences. */
export function layerGradientErrors(kind: LayerKind, sample: GradcheckSample, seed = 0): [string, number][] {
  const c = layerCase(kind, sample, seed);
  const [out, cache] = c.forward();
  const dout = new NumpyRandomState(seed + 1).standardNormal(out.shape);
  const grads: LayerParams = {};
  for (const [role, p] of Object.entries(c.params) as [Role, Tensor][]) grads[role] = zeros(p.shape);
  const dx = kind.backward(dout, cache, c.params, { dx: zeros(c.x.shape), needDx: true, grads }) as Tensor;
  const errors: [string, number][] = [['dx', relError(evalNumericalGradientArray((v) => c.forward(v)[0], c.x, dout), dx)]];
  for (const [role, p] of Object.entries(c.params) as [Role, Tensor][]) {
    const numeric = evalNumericalGradientArray((v) => c.forward(c.x, { ...c.params, [role]: v })[0], p, dout);
    errors.push([`d${role}`, relError(numeric, grads[role] as Tensor)]);
  }
  return errors;
}

/** Relative error of a loss's dx against centered differences, on scores (n, c) times scale and random labels. */
export function lossGradientError(loss: LossKind, n: number, c: number, scale: number, seed = 0): number {
  const rng = new NumpyRandomState(seed);
  const scores = rng.standardNormal([n, c]);
  for (let i = 0; i < scores.size; i++) scores.data[i] *= scale;
  const y = rng.randint(0, c, n);
  const [, dx] = loss.loss(scores, y, {});
  return relError(evalNumericalGradient((s) => loss.loss(s, y, {})[0], scores, { verbose: false }), dx);
}
