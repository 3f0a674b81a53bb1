/**
 * Batch normalization over a minibatch (N, D): in train mode each feature is
 * normalized by the batch's mean and (biased) variance, and running averages
 * of both are kept in `bnParam` for test mode.
 */
import { native } from '../native';
import { optionsArg, output, type ForwardOptions, type ParamBackwardOptions } from '../outputs';
import { Tensor, empty, zeros } from '../tensor';
import {
  formatShape, invalidValue, type KeySet, ndimArg, nonEmptyTensorArg, numberArg, objectArg, optionsObjectArg, sameDtype, sameShape,
} from '../validate';

/** Mode, constants and running statistics of one batchnorm layer, updated in place in train mode. */
export interface BatchnormParam {
  mode: 'train' | 'test';
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of the old running averages (default 0.9). */
  momentum?: number;
  /** Running mean, (D,): zeros until the first train step. */
  runningMean?: Tensor;
  /** Running variance, (D,): zeros until the first train step. */
  runningVar?: Tensor;
}

/** The keys of BatchnormParam, checked against the type: an unknown key is an error. */
export const BATCHNORM_PARAM_KEYS = { mode: true, eps: true, momentum: true, runningMean: true, runningVar: true } as const satisfies KeySet<BatchnormParam>;

/** What batchnormBackward needs from a train-mode forward pass. */
export interface BatchnormCache {
  /** Normalized input, (N, D). */
  readonly xhat: Tensor;
  /** Scale, (D,). */
  readonly gamma: Tensor;
  /** 1 / sqrt(var + eps) of the batch, (D,). */
  readonly invStd: Tensor;
}

export function runningStat(fn: string, param: BatchnormParam, key: 'runningMean' | 'runningVar', like: Tensor): Tensor {
  const existing = param[key];
  if (existing === undefined) {
    const t = zeros(like.shape, like.dtype);
    param[key] = t;
    return t;
  }
  const t = nonEmptyTensorArg(fn, `bnParam.${key}`, existing);
  sameDtype(fn, { gamma: like, [`bnParam.${key}`]: t });
  sameShape(fn, `bnParam.${key}`, t, 'gamma', like);
  return t;
}

/**
 * Forward pass of batch normalization.
 * @param x input, shape (N, D)
 * @param gamma scale, shape (D,)
 * @param beta shift, shape (D,)
 * @param bnParam mode ('train' or 'test'), eps, momentum, running statistics
 * @param options `out`: a (N, D) tensor to write into
 * @returns [out (N, D), cache] (the cache is null in test mode)
 */
export function batchnormForward(
  x: Tensor, gamma: Tensor, beta: Tensor, bnParam: BatchnormParam, options?: ForwardOptions,
): [Tensor, BatchnormCache | null] {
  const fn = 'batchnormForward';
  const input = nonEmptyTensorArg(fn, 'x', x);
  ndimArg(fn, 'x', input, 2);
  const g = nonEmptyTensorArg(fn, 'gamma', gamma);
  const b = nonEmptyTensorArg(fn, 'beta', beta);
  sameDtype(fn, { x: input, gamma: g, beta: b });
  const [n, d] = input.shape;
  if (g.ndim !== 1 || g.shape[0] !== d) {
    throw new RangeError(`${fn}: gamma has shape ${formatShape(g.shape)} but x has shape ${formatShape(input.shape)}, so gamma must be [${d}]`);
  }
  sameShape(fn, 'beta', b, 'gamma', g);
  const param = optionsObjectArg(fn, 'bnParam', bnParam, BATCHNORM_PARAM_KEYS) as unknown as BatchnormParam;
  if (param.mode !== 'train' && param.mode !== 'test') throw invalidValue(fn, 'bnParam.mode', "'train' or 'test'", param.mode);
  const eps = numberArg(fn, 'bnParam.eps', param.eps ?? 1e-5);
  const momentum = numberArg(fn, 'bnParam.momentum', param.momentum ?? 0.9);
  const runningMean = runningStat(fn, param, 'runningMean', g);
  const runningVar = runningStat(fn, param, 'runningVar', g);
  const out = output(fn, optionsArg(fn, options), 'out', input.shape, input.dtype);
  if (param.mode === 'test') {
    native().batchnormForwardTest(input.data, g.data, b.data, runningMean.data, runningVar.data, out.data, n, d, eps);
    return [out, null];
  }
  const xhat = empty(input.shape, input.dtype);
  const invStd = empty([d], input.dtype);
  native().batchnormForwardTrain(
    input.data, g.data, b.data, runningMean.data, runningVar.data, out.data, xhat.data, invStd.data, n, d, eps, momentum,
  );
  return [out, { xhat, gamma: g, invStd }];
}

/**
 * Backward pass of batch normalization (train mode).
 * @param dout upstream derivative, shape (N, D)
 * @param cache from batchnormForward in train mode
 * @param options `dx`, `dw` (dgamma), `db` (dbeta): tensors to write into
 * @returns [dx (N, D), dgamma (D,), dbeta (D,)]
 */
export function batchnormBackward(
  dout: Tensor, cache: BatchnormCache, options?: Omit<ParamBackwardOptions, 'dx'> & { dx?: Tensor },
): [Tensor, Tensor, Tensor] {
  const fn = 'batchnormBackward';
  const c = objectArg(fn, 'cache', cache);
  const xhat = nonEmptyTensorArg(fn, 'cache.xhat', c.xhat);
  const gamma = nonEmptyTensorArg(fn, 'cache.gamma', c.gamma);
  const invStd = nonEmptyTensorArg(fn, 'cache.invStd', c.invStd);
  const g = nonEmptyTensorArg(fn, 'dout', dout);
  sameDtype(fn, { 'cache.xhat': xhat, 'cache.gamma': gamma, 'cache.invStd': invStd, dout: g });
  ndimArg(fn, 'cache.xhat', xhat, 2);
  sameShape(fn, 'dout', g, 'cache.xhat', xhat);
  const [n, d] = xhat.shape;
  if (gamma.ndim !== 1 || gamma.shape[0] !== d) {
    throw new RangeError(`${fn}: cache.gamma has shape ${formatShape(gamma.shape)} but cache.xhat has ${d} features`);
  }
  sameShape(fn, 'cache.invStd', invStd, 'cache.gamma', gamma);
  const opts = optionsArg(fn, options);
  const dx = output(fn, opts, 'dx', [n, d], g.dtype);
  const dgamma = output(fn, opts, 'dw', [d], g.dtype);
  const dbeta = output(fn, opts, 'db', [d], g.dtype);
  native().batchnormBackward(g.data, xhat.data, gamma.data, invStd.data, dx.data, dgamma.data, dbeta.data, n, d);
  return [dx, dgamma, dbeta];
}
