import { evalNumericalGradient, relError } from '../lib/gradient-check';
import { eigh } from '../lib/linalg';
import { LinearAutoencoder } from '../lib/models/linear-autoencoder';
import type { UpdateRuleName } from '../lib/optim';
import { matmul } from '../lib/ops';
import { NumpyRandomState } from '../lib/random';
import { Tensor, zeros } from '../lib/tensor';
import { randn } from './helpers';

/** Centered data (N, D) with a clear spectrum: variances s^2 along random orthonormal directions. */
function spectrumData(seed: number, n: number, s: number[]): Tensor {
  const rng = new NumpyRandomState(seed);
  const d = s.length;
  const z = rng.randn(n, d);
  const g = rng.randn(d, d);
  const q = eigh(matmul(g, g, { transB: true })).vectors;
  const x = zeros([n, d]);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    let v = 0;
    for (let c = 0; c < d; c++) v += z.data[i * d + c] * s[c] * q.data[j * d + c];
    x.data[i * d + j] = v;
  }
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += x.data[i * d + j] / n;
    for (let i = 0; i < n; i++) x.data[i * d + j] -= m;
  }
  return x;
}

/** Sine of the largest principal angle between the row space of w (k, D) and the columns u (D, k). */
function largestAngleSine(w: Tensor, u: Tensor): number {
  const [k, d] = w.shape;
  // Orthonormal rows: (W W^T)^(-1/2) W.
  const { values, vectors } = eigh(matmul(w, w, { transB: true }));
  const basis = zeros([k, d]);
  for (let r = 0; r < k; r++) {
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let c = 0; c < k; c++) v += (vectors.data[c * k + r] / Math.sqrt(values.data[r])) * w.data[c * d + j];
      basis.data[r * d + j] = v;
    }
  }
  // Residual of the basis outside span(u): R = B^T - U (U^T B^T); sin(theta_max) = its largest singular value.
  const bt = zeros([d, k]);
  for (let r = 0; r < k; r++) for (let j = 0; j < d; j++) bt.data[j * k + r] = basis.data[r * d + j];
  const proj = matmul(u, matmul(u, bt, { transA: true }));
  for (let i = 0; i < bt.size; i++) bt.data[i] -= proj.data[i];
  const top = eigh(matmul(bt, bt, { transA: true })).values.data;
  return Math.sqrt(Math.max(0, top[k - 1]));
}

describe('gradients, float64, relative error < 1e-7', () => {
  test.each([
    ['tied', true],
    ['untied', false],
  ])('%s', (_, tied) => {
    const x = randn(3, [20, 8]);
    const ae = new LinearAutoencoder(8, 3, { tied: tied as boolean, rng: 4 });
    const [, grads] = ae.loss(x);
    for (const name of Object.keys(ae.params)) {
      const num = evalNumericalGradient(() => ae.loss(x)[0], ae.params[name], { verbose: false });
      expect(relError(num, grads[name])).toBeLessThan(1e-7);
    }
  });

  test('the gradient is the Problem 1 formula summed over the batch, divided by N', () => {
    const x = randn(5, [6, 4]);
    const ae = new LinearAutoencoder(4, 2, { rng: 6 });
    const w = ae.params.W;
    const expected = zeros([2, 4]);
    for (let nIdx = 0; nIdx < 6; nIdx++) {
      const xn = new Tensor(x.data.slice(nIdx * 4, nIdx * 4 + 4), [4, 1]);
      const h = matmul(w, xn);
      const e = matmul(w, h, { transA: true });
      for (let i = 0; i < 4; i++) e.data[i] -= xn.data[i];
      const term = matmul(matmul(w, e), xn, { transB: true });
      matmul(h, e, { transB: true, out: term, accumulate: true });
      for (let i = 0; i < term.size; i++) expected.data[i] += term.data[i] / 6;
    }
    expect(relError(ae.loss(x)[1].W, expected)).toBeLessThan(1e-12);
  });
});

describe('the theory: trained on centered data it finds the principal subspace', () => {
  const s = [5, 4, 3, 1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2];
  const x = spectrumData(11, 400, s);
  const cov = matmul(x, x, { transA: true });
  for (let i = 0; i < cov.size; i++) cov.data[i] /= 400;
  const { values, vectors } = eigh(cov);
  const k = 3;
  const top = zeros([10, k]);
  for (let j = 0; j < 10; j++) for (let c = 0; c < k; c++) top.data[j * k + c] = vectors.data[j * 10 + (9 - c)];
  const discarded = Array.from(values.data).slice(0, 10 - k).reduce((a, b) => a + b, 0);

  test.each([
    ['Adam', 'adam', 1e-2],
    ['SGD with momentum', 'sgd_momentum', 5e-3],
  ])('%s: principal angle under 1e-3 rad, error = discarded eigenvalues within 1e-4', (_, rule, lr) => {
    for (const dtype of ['float64', 'float32'] as const) {
      const ae = new LinearAutoencoder(10, k, { rng: 1, dtype });
      ae.train(dtype === 'float64' ? x : x.astype('float32'), { iterations: 3000, updateRule: rule as UpdateRuleName, optimConfig: { learningRate: lr as number } });
      const w = ae.params.W.astype('float64');
      expect(Math.asin(Math.min(1, largestAngleSine(w, top)))).toBeLessThan(1e-3);
      const [loss] = ae.loss(dtype === 'float64' ? x : x.astype('float32'));
      expect(Math.abs(2 * loss - discarded) / discarded).toBeLessThan(1e-4);
    }
  });

  test('minibatches train too, and encode/decode compose to reconstruct', () => {
    const ae = new LinearAutoencoder(10, k, { rng: 2 });
    const history = ae.train(x, { iterations: 2000, batchSize: 50, optimConfig: { learningRate: 5e-3 }, rng: 3 });
    expect(history[history.length - 1]).toBeLessThan(history[0]);
    expect(ae.encode(x).shape).toEqual([400, k]);
    expect(relError(ae.reconstruct(x), ae.decode(ae.encode(x)))).toBe(0);
  });
});

test('bad input', () => {
  expect(() => new LinearAutoencoder(4, 5)).toThrow(/^LinearAutoencoder: codeDim is 5 but must be at most inputDim \(4\)$/);
  expect(() => new LinearAutoencoder(0, 1)).toThrow(/inputDim/);
  const ae = new LinearAutoencoder(4, 2, { rng: 0 });
  expect(() => ae.loss(zeros([3, 5]))).toThrow(/X has shape \[3, 5\] but the autoencoder takes 4 inputs/);
  expect(() => ae.decode(zeros([3, 3]))).toThrow(/H has shape \[3, 3\] but codes have 2 values/);
  // @ts-expect-error: the type names the update rules too.
  expect(() => ae.train(zeros([3, 4]), { updateRule: 'newton' })).toThrow(/options\.updateRule/);
});
