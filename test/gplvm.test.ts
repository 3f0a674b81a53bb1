import { evalNumericalGradient, relError } from '../lib/gradient-check';
import { Gplvm } from '../lib/models/gplvm';
import { matmul } from '../lib/ops';
import { rmsprop } from '../lib/optim';
import { NumpyRandomState } from '../lib/random';
import { zeros } from '../lib/tensor';
import { randn } from './helpers';

describe('gradients, float64, relative error < 1e-7', () => {
  const y = randn(1, [12, 5]);
  const x = randn(2, [12, 2]);
  const model = new Gplvm(2, { alpha: 0.7, beta: 2 });
  const g = model.gradients(y, x);

  test('dL/dX = -alpha D K^-1 X + alpha K^-1 Y Y^T K^-1 X', () => {
    const num = evalNumericalGradient(() => model.logLikelihood(y, x), x, { verbose: false });
    expect(relError(num, g.dX)).toBeLessThan(1e-7);
  });

  test.each(['alpha', 'beta'] as const)('dL/d%s', (name) => {
    const h = 1e-6;
    const saved = model[name];
    model[name] = saved + h;
    const up = model.logLikelihood(y, x);
    model[name] = saved - h;
    const down = model.logLikelihood(y, x);
    model[name] = saved;
    expect(relError((up - down) / (2 * h), name === 'alpha' ? g.dAlpha : g.dBeta)).toBeLessThan(1e-7);
  });

  test('the log likelihood is the Gaussian density of Y with covariance K, including -(ND/2) log(2 pi)', () => {
    // One point, D = 1: K = alpha x^2 + 1/beta, L = -(1/2) log(2 pi K) - y^2 / (2K).
    const one = new Gplvm(1, { alpha: 2, beta: 4 });
    const k = 2 * 0.5 * 0.5 + 0.25;
    const expected = -0.5 * Math.log(2 * Math.PI * k) - (1.5 * 1.5) / (2 * k);
    const yy = zeros([1, 1]);
    yy.data[0] = 1.5;
    const xx = zeros([1, 1]);
    xx.data[0] = 0.5;
    expect(one.logLikelihood(yy, xx)).toBeCloseTo(expected, 12);
  });
});

describe('the theory: the fit reaches the closed-form optimum', () => {
  // Y of rank 3 plus noise: 40 points in 8 dimensions.
  const rng = new NumpyRandomState(5);
  const latent = rng.randn(40, 3);
  const mix = rng.randn(3, 8);
  const y = matmul(latent, mix);
  for (let i = 0; i < y.size; i++) y.data[i] += 0.3 * rng.nextGaussian();

  // From random points Adam needs the larger step to leave the flat start in 3,000 iterations.
  test.each([['pca', undefined, 1e-2], ['random', 7, 1e-1]] as const)('from %s initialization, within 1e-6 relative', (init, seed, lr) => {
    const model = new Gplvm(2, { alpha: 1, beta: 4 });
    const optimum = model.optimum(y);
    // The closed-form X attains it.
    expect(Math.abs(model.logLikelihood(y, optimum.X) - optimum.logLikelihood) / Math.abs(optimum.logLikelihood)).toBeLessThan(1e-12);
    const fit = model.fit(y, { iterations: 3000, init, rng: seed, optimConfig: { learningRate: lr } });
    const final = fit.history[fit.history.length - 1];
    expect(final).toBeLessThanOrEqual(optimum.logLikelihood + 1e-9 * Math.abs(optimum.logLikelihood));
    expect((optimum.logLikelihood - final) / Math.abs(optimum.logLikelihood)).toBeLessThan(1e-6);
  });

  test('the fitted latent points span the top principal directions of Y', () => {
    const model = new Gplvm(2, { alpha: 1, beta: 4 });
    const { X } = model.fit(y, { iterations: 3000 });
    const best = model.optimum(y).X;
    // Same column space: projecting X onto span(best) leaves nothing out.
    const gram = matmul(best, best, { transA: true });
    const coef = matmul(best, X, { transA: true });
    const det = gram.data[0] * gram.data[3] - gram.data[1] * gram.data[2];
    const inv = [gram.data[3] / det, -gram.data[1] / det, -gram.data[2] / det, gram.data[0] / det];
    let residual = 0;
    let norm = 0;
    for (let i = 0; i < 40; i++) for (let c = 0; c < 2; c++) {
      let p = 0;
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) p += best.data[i * 2 + a] * inv[a * 2 + b] * coef.data[b * 2 + c];
      residual += (X.data[i * 2 + c] - p) ** 2;
      norm += X.data[i * 2 + c] ** 2;
    }
    expect(Math.sqrt(residual / norm)).toBeLessThan(1e-3);
  });

  test('alpha and beta can be learned too, and only go up the likelihood', () => {
    const model = new Gplvm(2, { alpha: 1, beta: 1 });
    const fit = model.fit(y, { iterations: 500, learnHyperparameters: true });
    expect(fit.history[fit.history.length - 1]).toBeGreaterThan(fit.history[0]);
    expect(fit.beta).not.toBe(1);
  });
});

describe('bad input', () => {
  const model = new Gplvm(2);
  test('mismatched dimensions', () => {
    expect(() => model.logLikelihood(zeros([5, 3]), zeros([4, 2]))).toThrow(/X has shape \[4, 2\] but Y has 5 points of a 2-d latent space, so X must be \[5, 2\]/);
    expect(() => model.logLikelihood(zeros([5, 3]), zeros([5, 3]))).toThrow(RangeError);
  });
  test('fewer points than latent dimensions', () => {
    expect(() => model.fit(zeros([1, 3]))).toThrow(/Y has 1 points but the latent space has 2 dimensions/);
  });
  test('a K that is not positive definite says so', () => {
    const x = zeros([3, 2]);
    x.data.set([1, 0, 0, 1, 1, 1]);
    const noiseless = new Gplvm(2, { alpha: 1, beta: 1e300 });
    expect(() => noiseless.logLikelihood(randn(1, [3, 4]), x)).toThrow(/K is not positive definite/);
  });
  test('options', () => {
    expect(() => new Gplvm(2, { alpha: -1 })).toThrow(/options\.alpha/);
    expect(() => model.fit(randn(1, [5, 3]), { init: 'lle' as never })).toThrow(/options\.init/);
    // @ts-expect-error: the optimizer is typed as an update rule's name or a function.
    expect(() => model.fit(randn(1, [5, 3]), { optimizer: 'lbfgs' })).toThrow(/^Gplvm.fit: Expected one of sgd, sgd_momentum, sgdMomentum, rmsprop, adam or a function for options\.optimizer but received string "lbfgs"$/);
  });
  test('the optimizer is a name or an update-rule function, the same rule either way', () => {
    const y = randn(3, [8, 3]);
    const byName = new Gplvm(2).fit(y, { iterations: 20, optimizer: 'rmsprop', init: 'pca' });
    const byFunction = new Gplvm(2).fit(y, { iterations: 20, optimizer: rmsprop, init: 'pca' });
    expect(byFunction.X.data).toEqual(byName.X.data);
    expect(byFunction.history).toEqual(byName.history);
  });
});
