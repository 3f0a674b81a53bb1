/**
 * The reference's Problem 1: a linear autoencoder. With tied weights W
 * (k, D) the code is h = W x and the reconstruction W^T W x; untied, a
 * decoder V (D, k) gives V W x. Trained on centered data, W's rows span the
 * top-k principal directions and the error is the sum of the discarded
 * eigenvalues (what the tests check).
 *
 * The loss is the mean over the batch: L = (1 / 2N) sum_n |W^T W x_n - x_n|^2,
 * so for tied weights dL/dW = (1/N) sum_n [W e_n x_n^T + (W x_n) e_n^T] with
 * e_n = W^T W x_n - x_n, computed for the whole batch with gemm calls.
 */
import { addScaled, matmul, sumSquares } from '../ops';
import { updateRuleArg, type OptimConfig, type UpdateRule, type UpdateRuleName } from '../optim';
import { randomStateArg, type RandomSource } from '../random';
import { native } from '../native';
import { Tensor, empty, type DType } from '../tensor';
import {
  booleanArg, dtypeArg, formatShape, type KeySet, ndimArg, nonEmptyTensorArg, objectArg, optionsObjectArg, positiveIntegerArg, positiveNumberArg,
} from '../validate';
import type { Params } from './model';

export interface LinearAutoencoderOptions {
  /** Decoder W^T (default true); false learns a separate decoder V (D, k). */
  tied?: boolean;
  /** Standard deviation of the initial weights (default 0.1). */
  weightScale?: number;
  dtype?: DType;
  rng?: RandomSource;
}

/** The keys of LinearAutoencoderOptions, checked against the type: an unknown key is an error. */
const LINEAR_AUTOENCODER_OPTIONS = { tied: true, weightScale: true, dtype: true, rng: true } as const satisfies KeySet<LinearAutoencoderOptions>;

export interface AutoencoderTrainOptions {
  iterations?: number;
  /** Rows per step, sampled with replacement (default: the whole set, every step). */
  batchSize?: number;
  updateRule?: UpdateRuleName | UpdateRule;
  optimConfig?: OptimConfig;
  rng?: RandomSource;
}

/** The keys of AutoencoderTrainOptions, checked against the type: an unknown key is an error. */
const AUTOENCODER_TRAIN_OPTIONS = { iterations: true, batchSize: true, updateRule: true, optimConfig: true, rng: true } as const satisfies KeySet<AutoencoderTrainOptions>;

/**
 * `new LinearAutoencoder(D, k, options)`: encoder W (k, D), decoder W^T
 * (tied, the default) or V (D, k); encode(X) maps X (N, D) to codes (N, k),
 * decode(H) codes back to (N, D), loss(X) gives [loss, grads] and train(X)
 * fits it with an update rule.
 */
export class LinearAutoencoder {
  readonly params: Params;
  readonly inputDim: number;
  readonly codeDim: number;
  readonly tied: boolean;
  readonly dtype: DType;

  /**
   * @param inputDim D
   * @param codeDim k, at most D
   */
  constructor(inputDim: number, codeDim: number, options: LinearAutoencoderOptions = {}) {
    const fn = 'LinearAutoencoder';
    this.inputDim = positiveIntegerArg(fn, 'inputDim', inputDim);
    this.codeDim = positiveIntegerArg(fn, 'codeDim', codeDim);
    if (this.codeDim > this.inputDim) {
      throw new RangeError(`${fn}: codeDim is ${this.codeDim} but must be at most inputDim (${this.inputDim})`);
    }
    const o = optionsObjectArg(fn, 'options', options, LINEAR_AUTOENCODER_OPTIONS);
    this.tied = booleanArg(fn, 'options.tied', o.tied ?? true);
    const scale = positiveNumberArg(fn, 'options.weightScale', o.weightScale ?? 0.1);
    this.dtype = dtypeArg(fn, 'options.dtype', o.dtype ?? 'float64');
    const rng = randomStateArg(fn, 'options.rng', o.rng);
    this.params = { W: rng.normal(0, scale, [this.codeDim, this.inputDim]).astype(this.dtype) };
    if (!this.tied) this.params.V = rng.normal(0, scale, [this.inputDim, this.codeDim]).astype(this.dtype);
  }

  private inputArg(fn: string, X: unknown): Tensor {
    const x = nonEmptyTensorArg(fn, 'X', X);
    ndimArg(fn, 'X', x, 2);
    if (x.shape[1] !== this.inputDim) {
      throw new RangeError(`${fn}: X has shape ${formatShape(x.shape)} but the autoencoder takes ${this.inputDim} inputs`);
    }
    return x.dtype === this.dtype ? x : x.astype(this.dtype);
  }

  /** Codes H = X W^T, (N, k), of inputs X (N, D). */
  encode(X: Tensor): Tensor {
    return matmul(this.inputArg('LinearAutoencoder.encode', X), this.params.W, { transB: true });
  }

  /** Reconstructions (N, D) of codes H (N, k): H W when tied, else H V^T. */
  decode(H: Tensor): Tensor {
    const fn = 'LinearAutoencoder.decode';
    const h = nonEmptyTensorArg(fn, 'H', H);
    ndimArg(fn, 'H', h, 2);
    if (h.shape[1] !== this.codeDim) throw new RangeError(`${fn}: H has shape ${formatShape(h.shape)} but codes have ${this.codeDim} values`);
    return this.tied ? matmul(h, this.params.W) : matmul(h, this.params.V, { transB: true });
  }

  /** decode(encode(X)). */
  reconstruct(X: Tensor): Tensor {
    return this.decode(this.encode(X));
  }

  /**
   * Mean reconstruction loss of a batch and its gradients.
   * @param X inputs (N, D)
   * @returns [L = (1/2N) sum |x_hat - x|^2, {W: dL/dW (k, D), V: dL/dV (D, k) when untied}]
   */
  loss(X: Tensor): [number, Params] {
    const x = this.inputArg('LinearAutoencoder.loss', X);
    const n = x.shape[0];
    const { W, V } = this.params;
    const h = matmul(x, W, { transB: true });
    const e = this.tied ? matmul(h, W) : matmul(h, V, { transB: true });
    addScaled(e, -1, x);
    const loss = sumSquares(e) / (2 * n);
    for (let i = 0; i < e.size; i++) e.data[i] /= n;
    if (this.tied) {
      // dW = H^T E + (E W^T)^T X, both (k, D).
      const dW = matmul(h, e, { transA: true });
      matmul(matmul(e, W, { transB: true }), x, { transA: true, out: dW, accumulate: true });
      return [loss, { W: dW }];
    }
    // dV = E^T H (D, k); dW = (E V)^T X (k, D).
    const dV = matmul(e, h, { transA: true });
    const dW = matmul(matmul(e, V), x, { transA: true });
    return [loss, { W: dW, V: dV }];
  }

  /**
   * Trains with one of the library's update rules (default Adam) and
   * returns the loss of every step.
   */
  train(X: Tensor, options: AutoencoderTrainOptions = {}): number[] {
    const fn = 'LinearAutoencoder.train';
    const x = this.inputArg(fn, X);
    const o = optionsObjectArg(fn, 'options', options, AUTOENCODER_TRAIN_OPTIONS);
    const iterations = positiveIntegerArg(fn, 'options.iterations', o.iterations ?? 1000);
    const n = x.shape[0];
    const batchSize = o.batchSize === undefined ? n : positiveIntegerArg(fn, 'options.batchSize', o.batchSize);
    const rule = updateRuleArg(fn, 'options.updateRule', o.updateRule ?? 'adam');
    const base = o.optimConfig === undefined ? {} : objectArg(fn, 'options.optimConfig', o.optimConfig);
    const configs: Record<string, OptimConfig> = Object.fromEntries(Object.keys(this.params).map((k) => [k, { ...base }]));
    const rng = randomStateArg(fn, 'options.rng', o.rng);
    const history: number[] = [];
    const sampled = batchSize < n;
    const batch = sampled ? empty([batchSize, this.inputDim], this.dtype) : x;
    for (let it = 0; it < iterations; it++) {
      if (sampled) native().gatherRows(x.data, rng.choice(n, batchSize), batch.data, this.inputDim);
      const [loss, grads] = this.loss(batch);
      history.push(loss);
      for (const [name, w] of Object.entries(this.params)) {
        const [next] = rule(w, grads[name], configs[name], { out: w });
        if (next !== w) w.data.set(next.data);
      }
    }
    return history;
  }
}
