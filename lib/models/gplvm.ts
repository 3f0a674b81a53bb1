/**
 * The reference's Problem 2: a Gaussian-process latent variable model with a
 * linear kernel. Data Y (N, D) is modelled through latent points X (N, q) as
 * D independent Gaussian processes with covariance K = alpha X X^T + I / beta:
 *
 *   log p(Y | X) = -(N D / 2) log(2 pi) - (D / 2) log|K| - (1/2) tr(K^-1 Y Y^T)
 *
 *   dL/dX     = -alpha D K^-1 X + alpha K^-1 Y Y^T K^-1 X
 *   dL/dalpha = -(D/2) tr(K^-1 X X^T) + (1/2) |Y^T K^-1 X|^2
 *   dL/dbeta  = beta^-2 [(D/2) tr(K^-1) - (1/2) |K^-1 Y|^2]
 *
 * Everything goes through the Cholesky factor of K (LAPACK potrf/potrs): K^-1
 * is only ever applied to Y and X by solves. dL/dbeta alone needs tr(K^-1),
 * read off a solve against the identity.
 *
 * For this kernel the maximum is known: with mu_1 >= mu_2 >= ... the
 * eigenvalues of Y Y^T / D and U their eigenvectors, X* = U_q diag(sqrt((mu_j -
 * 1/beta) / alpha)) (up to a rotation), where K's eigenvalues become mu_j
 * along U_q and 1/beta elsewhere (see optimumLogLikelihood).
 */
import { choleskySolve, cholesky, eigh, logDetFromCholesky } from '../linalg';
import { matmul, sumSquares } from '../ops';
import { updateRuleArg, type OptimConfig, type UpdateRule, type UpdateRuleName } from '../optim';
import { randomStateArg, type RandomSource } from '../random';
import { Tensor, zeros } from '../tensor';
import {
  booleanArg, formatShape, invalidValue, type KeySet, ndimArg, nonEmptyTensorArg, objectArg, optionsObjectArg, positiveIntegerArg, positiveNumberArg, sameDtype,
} from '../validate';

export interface GplvmOptions {
  /** Scale of the linear kernel (default 1). */
  alpha?: number;
  /** Noise precision: K gets I / beta (default 1). */
  beta?: number;
}

/** The keys of GplvmOptions, checked against the type: an unknown key is an error. */
const GPLVM_OPTIONS = { alpha: true, beta: true } as const satisfies KeySet<GplvmOptions>;

export interface GplvmGradients {
  logLikelihood: number;
  /** dL/dX, shape of X. */
  dX: Tensor;
  dAlpha: number;
  dBeta: number;
}

export interface GplvmFitOptions {
  iterations?: number;
  /** 'pca' (default): the top principal directions of Y scaled by their eigenvalues' roots; 'random': small normal values. */
  init?: 'pca' | 'random';
  /** An update rule name or function (default 'adam'); it maximizes L by descending -L. */
  optimizer?: UpdateRuleName | UpdateRule;
  optimConfig?: OptimConfig;
  /** Also learn alpha and beta (as logarithms, so they stay positive); default false. */
  learnHyperparameters?: boolean;
  rng?: RandomSource;
}

/** The keys of GplvmFitOptions, checked against the type: an unknown key is an error. */
const GPLVM_FIT_OPTIONS = { iterations: true, init: true, optimizer: true, optimConfig: true, learnHyperparameters: true, rng: true } as const satisfies KeySet<GplvmFitOptions>;

export interface GplvmFit {
  X: Tensor;
  alpha: number;
  beta: number;
  /** Log likelihood after each iteration. */
  history: number[];
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * A linear-kernel Gaussian-process latent variable model (see the module
 * comment): `new Gplvm(q, {alpha, beta})`; logLikelihood(Y, X) and
 * gradients(Y, X) for Y (N, D) and X (N, q), optimum(Y) the closed-form
 * maximum, fit(Y) the latent points found by an update rule.
 */
export class Gplvm {
  readonly latentDim: number;
  alpha: number;
  beta: number;

  /** @param latentDim q, the size of each latent point */
  constructor(latentDim: number, options: GplvmOptions = {}) {
    const fn = 'Gplvm';
    this.latentDim = positiveIntegerArg(fn, 'latentDim', latentDim);
    const o = optionsObjectArg(fn, 'options', options, GPLVM_OPTIONS);
    this.alpha = positiveNumberArg(fn, 'options.alpha', o.alpha ?? 1);
    this.beta = positiveNumberArg(fn, 'options.beta', o.beta ?? 1);
  }

  private args(fn: string, Y: unknown, X?: unknown): { y: Tensor; x?: Tensor } {
    const y = nonEmptyTensorArg(fn, 'Y', Y);
    ndimArg(fn, 'Y', y, 2);
    if (y.shape[0] < this.latentDim) {
      throw new RangeError(`${fn}: Y has ${y.shape[0]} points but the latent space has ${this.latentDim} dimensions; N must be at least latentDim`);
    }
    if (X === undefined) return { y };
    const x = nonEmptyTensorArg(fn, 'X', X);
    sameDtype(fn, { Y: y, X: x });
    if (x.ndim !== 2 || x.shape[0] !== y.shape[0] || x.shape[1] !== this.latentDim) {
      throw new RangeError(`${fn}: X has shape ${formatShape(x.shape)} but Y has ${y.shape[0]} points of a ${this.latentDim}-d latent space, so X must be [${y.shape[0]}, ${this.latentDim}]`);
    }
    return { y, x };
  }

  /** Cholesky factor of K = alpha X X^T + I / beta. */
  private factor(x: Tensor, alpha: number, beta: number): Tensor {
    const k = matmul(x, x, { transB: true });
    const n = x.shape[0];
    for (let i = 0; i < k.size; i++) k.data[i] *= alpha;
    for (let i = 0; i < n; i++) k.data[i * n + i] += 1 / beta;
    return cholesky(k, 'K');
  }

  /** log p(Y | X) with this model's alpha and beta. */
  logLikelihood(Y: Tensor, X: Tensor): number {
    const { y, x } = this.args('Gplvm.logLikelihood', Y, X);
    return this.evaluate(y, x as Tensor, this.alpha, this.beta, 'value').logLikelihood;
  }

  /** The log likelihood and its gradients with respect to X, alpha and beta. */
  gradients(Y: Tensor, X: Tensor): GplvmGradients {
    const { y, x } = this.args('Gplvm.gradients', Y, X);
    return this.evaluate(y, x as Tensor, this.alpha, this.beta, 'all') as GplvmGradients;
  }

  /**
   * The log likelihood and, as asked, the gradients: 'x' gives dX and dAlpha
   * (cheap from the same solves), 'all' adds dBeta, whose tr(K^-1) costs a
   * solve against the identity, so fitting X alone skips it.
   */
  private evaluate(y: Tensor, x: Tensor, alpha: number, beta: number, want: 'value' | 'x' | 'all'): Partial<GplvmGradients> & { logLikelihood: number } {
    const [n, d] = y.shape;
    const l = this.factor(x, alpha, beta);
    const kinvY = choleskySolve(l, y);
    // tr(K^-1 Y Y^T) = sum of (K^-1 Y) elementwise times Y.
    let trace = 0;
    for (let i = 0; i < y.size; i++) trace += kinvY.data[i] * y.data[i];
    const logLikelihood = -0.5 * n * d * LOG_2PI - 0.5 * d * logDetFromCholesky(l) - 0.5 * trace;
    if (want === 'value') return { logLikelihood };

    const kinvX = choleskySolve(l, x);
    const ytKinvX = matmul(kinvY, x, { transA: true }); // Y^T K^-1 X, (D, q)
    const dX = matmul(kinvY, ytKinvX); // K^-1 Y Y^T K^-1 X
    for (let i = 0; i < dX.size; i++) dX.data[i] = alpha * (dX.data[i] - d * kinvX.data[i]);
    let trKinvXXt = 0;
    for (let i = 0; i < x.size; i++) trKinvXXt += kinvX.data[i] * x.data[i];
    const dAlpha = -0.5 * d * trKinvXXt + 0.5 * sumSquares(ytKinvX);
    if (want === 'x') return { logLikelihood, dX, dAlpha };
    // tr(K^-1): the diagonal of a solve against the identity.
    const identity = zeros([n, n], y.dtype);
    for (let i = 0; i < n; i++) identity.data[i * n + i] = 1;
    const kinvI = choleskySolve(l, identity, { out: identity });
    let trKinv = 0;
    for (let i = 0; i < n; i++) trKinv += kinvI.data[i * n + i];
    const dBeta = (0.5 * d * trKinv - 0.5 * sumSquares(kinvY)) / (beta * beta);
    return { logLikelihood, dX, dAlpha, dBeta };
  }

  /**
   * The maximum of log p(Y | X) over X for this alpha and beta, in closed
   * form, and a maximizing X.
   * @throws RangeError when one of the top latentDim eigenvalues of Y Y^T / D is not above 1 / beta
   */
  optimum(Y: Tensor): { logLikelihood: number; X: Tensor } {
    const fn = 'Gplvm.optimum';
    const { y } = this.args(fn, Y);
    const [n, d] = y.shape;
    const s = matmul(y, y, { transB: true });
    for (let i = 0; i < s.size; i++) s.data[i] /= d;
    const { values, vectors } = eigh(s);
    const q = this.latentDim;
    const noise = 1 / this.beta;
    let logDet = 0;
    let rest = 0;
    const X = zeros([n, q], y.dtype);
    for (let r = 0; r < n; r++) {
      const mu = values.data[n - 1 - r];
      if (r < q) {
        if (!(mu > noise)) {
          throw new RangeError(`${fn}: eigenvalue ${r + 1} of Y Y^T / D is ${mu}, not above 1 / beta = ${noise}; lower the noise or the latent dimension`);
        }
        logDet += Math.log(mu);
        const scale = Math.sqrt((mu - noise) / this.alpha);
        for (let i = 0; i < n; i++) X.data[i * q + r] = vectors.data[i * n + (n - 1 - r)] * scale;
      } else {
        logDet += Math.log(noise);
        rest += mu;
      }
    }
    // K's eigenvalues: mu_j along the top q directions, 1 / beta elsewhere.
    const trace = d * (q + this.beta * rest);
    return { logLikelihood: -0.5 * n * d * LOG_2PI - 0.5 * d * logDet - 0.5 * trace, X };
  }

  /** Latent points initialized from PCA: the top q eigenvectors of Y Y^T scaled by the roots of their eigenvalues / D. */
  private pcaInit(y: Tensor): Tensor {
    const [n, d] = y.shape;
    const s = matmul(y, y, { transB: true });
    const { values, vectors } = eigh(s);
    const q = this.latentDim;
    const X = zeros([n, q], y.dtype);
    for (let r = 0; r < q; r++) {
      const scale = Math.sqrt(Math.max(values.data[n - 1 - r], 0) / d);
      for (let i = 0; i < n; i++) X.data[i * q + r] = vectors.data[i * n + (n - 1 - r)] * scale;
    }
    return X;
  }

  /**
   * Maximizes the log likelihood over X (and alpha, beta when asked) with one
   * of the library's update rules; alpha and beta keep the fitted values.
   */
  fit(Y: Tensor, options: GplvmFitOptions = {}): GplvmFit {
    const fn = 'Gplvm.fit';
    const { y } = this.args(fn, Y);
    const o = optionsObjectArg(fn, 'options', options, GPLVM_FIT_OPTIONS);
    const iterations = positiveIntegerArg(fn, 'options.iterations', o.iterations ?? 500);
    const init = o.init ?? 'pca';
    if (init !== 'pca' && init !== 'random') throw invalidValue(fn, 'options.init', "'pca' or 'random'", init);
    const rule = updateRuleArg(fn, 'options.optimizer', o.optimizer ?? 'adam');
    const base = o.optimConfig === undefined ? { learningRate: 1e-2 } : objectArg(fn, 'options.optimConfig', o.optimConfig);
    const learnHyper = booleanArg(fn, 'options.learnHyperparameters', o.learnHyperparameters ?? false);
    const x = init === 'pca' ? this.pcaInit(y) : randomStateArg(fn, 'options.rng', o.rng).normal(0, 0.1, [y.shape[0], this.latentDim]).astype(y.dtype);
    const logHyper = new Tensor(new Float64Array([Math.log(this.alpha), Math.log(this.beta)]), [2]);
    const configs = { X: { ...base } as OptimConfig, hyper: { ...base } as OptimConfig };
    const history: number[] = [];
    for (let it = 0; it < iterations; it++) {
      const alpha = Math.exp(logHyper.data[0]);
      const beta = Math.exp(logHyper.data[1]);
      const g = this.evaluate(y, x, alpha, beta, learnHyper ? 'all' : 'x') as GplvmGradients;
      history.push(g.logLikelihood);
      // Descend -L.
      for (let i = 0; i < g.dX.size; i++) g.dX.data[i] = -g.dX.data[i];
      rule(x, g.dX, configs.X, { out: x });
      if (learnHyper) {
        const dLog = new Tensor(new Float64Array([-g.dAlpha * alpha, -g.dBeta * beta]), [2]);
        rule(logHyper, dLog, configs.hyper, { out: logHyper });
      }
    }
    this.alpha = Math.exp(logHyper.data[0]);
    this.beta = Math.exp(logHyper.data[1]);
    history.push(this.evaluate(y, x, this.alpha, this.beta, 'value').logLikelihood);
    return { X: x, alpha: this.alpha, beta: this.beta, history };
  }
}
