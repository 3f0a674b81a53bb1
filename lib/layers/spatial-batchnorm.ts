/**
 * Spatial batch normalization, the course's `spatial_batchnorm_forward`/
 * `spatial_batchnorm_backward`: batchnorm of (N, C, H, W) activations per
 * channel, over N, H and W, with the modes and running averages of
 * batchnormForward. The kernels read NCHW as it is, with no transposes.
 */
import { native } from '../native';
import { optionsArg, output, type ForwardOptions, type ParamBackwardOptions } from '../outputs';
import { Tensor, empty } from '../tensor';
import {
  formatShape, invalidValue, ndimArg, nonEmptyTensorArg, numberArg, objectArg, optionsObjectArg, sameDtype, sameShape,
} from '../validate';
import { BATCHNORM_PARAM_KEYS, runningStat, type BatchnormParam } from './batchnorm';

/** What spatialBatchnormBackward needs from a train-mode forward pass. */
export interface SpatialBatchnormCache {
  /** Input, (N, C, H, W); backward recomputes the normalized values from it. */
  readonly x: Tensor;
  /** Scale, (C,). */
  readonly gamma: Tensor;
  /** Batch mean, (C,). */
  readonly mean: Tensor;
  /** 1 / sqrt(var + eps) of the batch, (C,). */
  readonly invStd: Tensor;
}

/**
 * Forward pass of spatial batch normalization.
 * @param x input, shape (N, C, H, W)
 * @param gamma scale, shape (C,)
 * @param beta shift, shape (C,)
 * @param bnParam mode ('train' or 'test'), eps, momentum, running statistics (C,), as batchnormForward
 * @param options `out`: a (N, C, H, W) tensor to write into; in test mode it may be x
 *   itself, in train mode it may not (the cache keeps x)
 * @returns [out (N, C, H, W), cache] (the cache is null in test mode)
 */
export function spatialBatchnormForward(
  x: Tensor, gamma: Tensor, beta: Tensor, bnParam: BatchnormParam, options?: ForwardOptions,
): [Tensor, SpatialBatchnormCache | null] {
  const fn = 'spatialBatchnormForward';
  const input = nonEmptyTensorArg(fn, 'x', x);
  ndimArg(fn, 'x', input, 4);
  const g = nonEmptyTensorArg(fn, 'gamma', gamma);
  const b = nonEmptyTensorArg(fn, 'beta', beta);
  sameDtype(fn, { x: input, gamma: g, beta: b });
  const [n, c, h, w] = input.shape;
  if (g.ndim !== 1 || g.shape[0] !== c) {
    throw new RangeError(`${fn}: gamma has shape ${formatShape(g.shape)} but x has shape ${formatShape(input.shape)}, so gamma must be [${c}]`);
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
    native().spatialBatchnormForwardTest(input.data, g.data, b.data, runningMean.data, runningVar.data, out.data, n, c, h * w, eps);
    return [out, null];
  }
  const mean = empty([c], input.dtype);
  const invStd = empty([c], input.dtype);
  native().spatialBatchnormForwardTrain(
    input.data, g.data, b.data, runningMean.data, runningVar.data, out.data, mean.data, invStd.data, n, c, h * w, eps, momentum,
  );
  return [out, { x: input, gamma: g, mean, invStd }];
}

/**
 * Backward pass of spatial batch normalization (train mode).
 * @param dout upstream derivative, shape (N, C, H, W)
 * @param cache from spatialBatchnormForward in train mode
 * @param options `dx`, `dw` (dgamma), `db` (dbeta): tensors to write into
 * @returns [dx (N, C, H, W), dgamma (C,), dbeta (C,)]
 */
export function spatialBatchnormBackward(
  dout: Tensor, cache: SpatialBatchnormCache, options?: Omit<ParamBackwardOptions, 'dx'> & { dx?: Tensor },
): [Tensor, Tensor, Tensor] {
  const fn = 'spatialBatchnormBackward';
  const cv = objectArg(fn, 'cache', cache);
  const x = nonEmptyTensorArg(fn, 'cache.x', cv.x);
  const gamma = nonEmptyTensorArg(fn, 'cache.gamma', cv.gamma);
  const mean = nonEmptyTensorArg(fn, 'cache.mean', cv.mean);
  const invStd = nonEmptyTensorArg(fn, 'cache.invStd', cv.invStd);
  const g = nonEmptyTensorArg(fn, 'dout', dout);
  sameDtype(fn, { 'cache.x': x, 'cache.gamma': gamma, 'cache.mean': mean, 'cache.invStd': invStd, dout: g });
  ndimArg(fn, 'cache.x', x, 4);
  sameShape(fn, 'dout', g, 'cache.x', x);
  const [n, c, h, w] = x.shape;
  if (gamma.ndim !== 1 || gamma.shape[0] !== c) {
    throw new RangeError(`${fn}: cache.gamma has shape ${formatShape(gamma.shape)} but cache.x has ${c} channels`);
  }
  sameShape(fn, 'cache.mean', mean, 'cache.gamma', gamma);
  sameShape(fn, 'cache.invStd', invStd, 'cache.gamma', gamma);
  const opts = optionsArg(fn, options);
  const dx = output(fn, opts, 'dx', x.shape, g.dtype);
  const dgamma = output(fn, opts, 'dw', [c], g.dtype);
  const dbeta = output(fn, opts, 'db', [c], g.dtype);
  native().spatialBatchnormBackward(g.data, x.data, gamma.data, mean.data, invStd.data, dx.data, dgamma.data, dbeta.data, n, c, h * w);
  return [dx, dgamma, dbeta];
}
