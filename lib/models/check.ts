/**
 * Numerical gradient checks of whole models, and the sample models that
 * `nndl gradcheck` and the tests check: the notebooks' TwoLayerNet and
 * FullyConnectedNet checked as the notebooks do, and Sequentials of several
 * shapes checked to 1e-7.
 */
import { evalNumericalGradient, relError } from '../gradient-check';
import { NumpyRandomState } from '../random';
import type { Tensor } from '../tensor';
import { FullyConnectedNet } from './fully-connected-net';
import type { Model } from './model';
import { Sequential } from './sequential';
import { ThreeLayerConvNet } from './three-layer-conv-net';
import { TwoLayerNet } from './two-layer-net';

/** How a model's numerical gradient is taken, and the relative error that passes. */
export interface ModelCheckMethod {
  h: number;
  order: 2 | 4;
  tolerance: number;
  /** Halve the step where two estimates disagree (see ACCURATE_CHECK). */
  refine?: boolean;
}

/**
 * The notebooks' check: the reference's second-order difference with
 * h = 1e-5, whose rounding (about 1e-16 |loss| / h absolute) is 1e-6
 * relative or worse for the smallest entries of a model's gradients; with
 * the notebooks' small initial weights every ReLU input sits near its kink,
 * so the step cannot grow. The notebooks show errors up to 2.5e-6.
 */
export const NOTEBOOK_CHECK: ModelCheckMethod = { h: 1e-5, order: 2, tolerance: 1e-4 };

/**
 * The fourth-order difference: truncation O(h^4), rounding about
 * 1e-16 |loss| / h, so with h = 1e-3 every entry of a gradient above about
 * 1e-6 checks to 1e-8 or better. A ReLU, max-pool or hinge input within 2h
 * of its kink makes the difference inexact, and in a convolutional network
 * each weight moves hundreds of them: each entry is therefore estimated with
 * h, h/2, h/4, ... until two successive estimates agree (to 1e-8 relative),
 * which only a smooth function within the step gives. An entry that never
 * agrees down to h/64 has a kink within a few 1e-5 of it; such entries are
 * counted and left out of the error.
 */
export const ACCURATE_CHECK: ModelCheckMethod = { h: 1e-3, order: 4, tolerance: 1e-7, refine: true };

/** Halvings of the step before an entry counts as sitting at a kink. */
const HALVINGS = 6;

/** One parameter's check: the relative error, and the entries left out because a kink sits within the step. */
export interface ParamCheck {
  name: string;
  error: number;
  kinks: number;
  size: number;
}

/** The fourth-order estimate of df/dx at every entry, the step halved until two estimates agree; the entries where none do. */
function refinedGradient(f: () => number, x: Tensor, h: number): { grad: Float64Array; kinks: Uint8Array } {
  const data = x.data;
  const grad = new Float64Array(x.size);
  const kinks = new Uint8Array(x.size);
  for (let i = 0; i < data.length; i++) {
    const old = data[i];
    const at = (step: number) => {
      data[i] = old + step;
      const v = f();
      data[i] = old;
      return v;
    };
    const d4 = (step: number) => (8 * (at(step) - at(-step)) - (at(2 * step) - at(-2 * step))) / (12 * step);
    let step = h;
    let prev = d4(step);
    let agreed = false;
    for (let k = 0; k < HALVINGS && !agreed; k++) {
      step /= 2;
      const next = d4(step);
      agreed = Math.abs(next - prev) <= 1e-10 + 1e-8 * Math.abs(next);
      prev = next;
    }
    grad[i] = prev;
    kinks[i] = agreed ? 0 : 1;
  }
  return { grad, kinks };
}

/** Every parameter's check, by name (sorted). */
export function modelGradientErrors(model: Model, X: Tensor, y: Int32Array, method: ModelCheckMethod = ACCURATE_CHECK): ParamCheck[] {
  const [, grads] = model.loss(X, y);
  const f = () => model.loss(X, y)[0];
  return Object.keys(grads).sort().map((name): ParamCheck => {
    const p = model.params[name];
    const analytic = grads[name].data;
    if (!method.refine) {
      const numeric = evalNumericalGradient(f, p, { verbose: false, h: method.h, order: method.order });
      return { name, error: relError(numeric, grads[name]), kinks: 0, size: p.size };
    }
    const { grad, kinks } = refinedGradient(f, p, method.h);
    const keep = (_: number, i: number) => kinks[i] === 0;
    const kept = grad.filter(keep);
    const error = kept.length === 0 ? 0 : relError(kept, Float64Array.from(analytic).filter(keep));
    return { name, error, kinks: kinks.reduce((a, b) => a + b, 0), size: p.size };
  });
}

export interface ModelSample {
  label: string;
  /** Builds the model (float64) with this generator, which then draws X (n, ...inputShape) and y. */
  make(rng: NumpyRandomState): Model & { inputShape: readonly number[]; numClasses: number };
  n: number;
  seed: number;
  method: ModelCheckMethod;
  /**
   * Parameters whose true gradient is zero, so that only its size, not its
   * relative error, means anything: a bias followed by batchnorm is removed
   * with the batch mean.
   */
  zero?: readonly string[];
}

export const MODEL_SAMPLES: readonly ModelSample[] = [
  ...[0, 0.7].map((reg): ModelSample => ({
    label: `TwoLayerNet reg ${reg}`, n: 3, seed: 0, method: NOTEBOOK_CHECK,
    make: (rng) => new TwoLayerNet({ inputDim: 5, hiddenDims: 50, numClasses: 7, weightScale: 1e-2, reg, rng }),
  })),
  ...([
    ['reg 0', { reg: 0 }, 2],
    ['reg 3.14', { reg: 3.14 }, 2],
    ['batchnorm', { useBatchnorm: true }, 16],
    ['dropout 0.5 (seed 123)', { dropout: 0.5, seed: 123 }, 2],
  ] as const).map(([label, options, n]): ModelSample => ({
    label: `FullyConnectedNet ${label}`, n, seed: 0, method: NOTEBOOK_CHECK,
    make: (rng) => new FullyConnectedNet([20, 30], { inputDim: 15, numClasses: 10, weightScale: 5e-2, dtype: 'float64', rng, ...options }),
    ...('useBatchnorm' in options ? { zero: ['b1', 'b2'] } : {}),
  })),
  {
    label: 'Sequential affine20,tanh,affine10', n: 3, seed: 0, method: ACCURATE_CHECK,
    make: (rng) => new Sequential('affine20,tanh,affine10', { inputShape: [15], weightScale: 0.3, reg: 0.05, dtype: 'float64', rng }),
  },
  {
    label: 'Sequential affine16,bn,relu,dropout0.3,affine12,tanh,affine7,svm', n: 8, seed: 3, method: ACCURATE_CHECK,
    make: (rng) => new Sequential('affine16,bn,relu,dropout0.3,affine12,tanh,affine7,svm', {
      inputShape: [10], weightScale: 0.5, reg: 0.05, dtype: 'float64', seed: 1, rng,
    }),
    zero: ['b1'],
  },
  {
    label: 'Sequential affine16,leakyrelu0.1,affine8,sigmoid,affine6 on (2, 3, 2) inputs', n: 4, seed: 0, method: ACCURATE_CHECK,
    make: (rng) => new Sequential('affine16,leakyrelu0.1,affine8,sigmoid,affine6', { inputShape: [2, 3, 2], weightScale: 0.5, reg: 0.05, dtype: 'float64', rng }),
  },
  {
    label: 'ThreeLayerConvNet (3 filters 3x3, hidden 7) on (3, 16, 16), weight scale 0.1', n: 2, seed: 0, method: ACCURATE_CHECK,
    make: (rng) => new ThreeLayerConvNet({ numFilters: 3, filterSize: 3, inputDim: [3, 16, 16], hiddenDim: 7, weightScale: 0.1, dtype: 'float64', rng }),
  },
  {
    label: 'Sequential conv4k3p1,relu,pool2,affine10 on (3, 8, 8) (He init)', n: 3, seed: 0, method: ACCURATE_CHECK,
    make: (rng) => new Sequential('conv4k3p1,relu,pool2,affine10', { inputShape: [3, 8, 8], reg: 0.05, dtype: 'float64', rng }),
  },
  {
    label: 'Sequential conv3k3p1,bn,relu,conv4k3s2,tanh,flatten,affine5,svm on (2, 9, 9)', n: 4, seed: 0, method: ACCURATE_CHECK,
    make: (rng) => new Sequential('conv3k3p1,bn,relu,conv4k3s2,tanh,flatten,affine5,svm', { inputShape: [2, 9, 9], reg: 0.05, dtype: 'float64', rng }),
    zero: ['b1'],
  },
  {
    label: 'Sequential conv3k3p1,relu,dropout0.2,conv2k3p1,relu,affine6 on (2, 6, 6)', n: 3, seed: 0, method: ACCURATE_CHECK,
    make: (rng) => new Sequential('conv3k3p1,relu,dropout0.2,conv2k3p1,relu,affine6', { inputShape: [2, 6, 6], reg: 0.05, seed: 4, dtype: 'float64', rng }),
  },
  {
    label: 'Sequential flatten,affine10,relu,affine5 (He init)', n: 4, seed: 0, method: ACCURATE_CHECK,
    make: (rng) => new Sequential('flatten,affine10,relu,affine5', { inputShape: [2, 3, 2], reg: 0.05, dtype: 'float64', rng }),
  },
];

/** A sample's model and inputs, drawn from its seed. */
export function modelCase(sample: ModelSample): { model: Model; X: Tensor; y: Int32Array } {
  const rng = new NumpyRandomState(sample.seed);
  const model = sample.make(rng);
  const X = rng.randn(sample.n, ...model.inputShape);
  return { model, X, y: rng.randint(0, model.numClasses, sample.n) };
}
