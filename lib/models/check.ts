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
import { TwoLayerNet } from './two-layer-net';

/** How a model's numerical gradient is taken, and the relative error that passes. */
export interface ModelCheckMethod {
  h: number;
  order: 2 | 4;
  tolerance: number;
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
 * The fourth-order difference with h = 1e-3: truncation O(h^4), rounding
 * 1e-16 |loss| / h, so every entry above about 1e-6 checks to 1e-8 or better.
 * A ReLU (or hinge) input within 2h of its kink makes any difference
 * inexact: the samples checked this way have weights of a size that keeps
 * inputs away from the kinks, at their seeds.
 */
export const ACCURATE_CHECK: ModelCheckMethod = { h: 1e-3, order: 4, tolerance: 1e-7 };

/** Relative error of every parameter's gradient, by name (sorted). */
export function modelGradientErrors(model: Model, X: Tensor, y: Int32Array, method: ModelCheckMethod = ACCURATE_CHECK): [string, number][] {
  const [, grads] = model.loss(X, y);
  const step = { verbose: false, h: method.h, order: method.order };
  return Object.keys(grads).sort().map((name): [string, number] => {
    const numeric = evalNumericalGradient(() => model.loss(X, y)[0], model.params[name], step);
    return [name, relError(numeric, grads[name])];
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
