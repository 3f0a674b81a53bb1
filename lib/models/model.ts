/**
 * What every model offers the Solver, checkpoints and users: parameters by
 * name, `loss(X)` for scores and `loss(X, y)` for the loss and gradients.
 */
import { native } from '../native';
import { output } from '../outputs';
import type { DType, Tensor } from '../tensor';
import { formatShape, nonEmptyTensorArg, objectArg, type Labels } from '../validate';
import type { Preprocessing } from './preprocessing';

export type Params = Record<string, Tensor>;

export interface ModelLossOptions {
  /**
   * Tensors to write the gradients into, one per parameter with its shape and
   * dtype, instead of new ones: a training loop allocates them once.
   */
  grads?: Params;
}

/** What a checkpoint needs of a model. */
export interface Checkpointable {
  /** Learnable parameters by name (W1, b1, ...). */
  readonly params: Params;
  /** Name of the architecture, as recorded in checkpoints. */
  readonly architecture: string;
  /** Tensors a checkpoint keeps besides the parameters (batchnorm running statistics). */
  buffers(): Params;
  /** Architecture and hyper-parameters, enough to build the model again (JSON-compatible). */
  config(): Record<string, unknown>;
  /** How raw images become the model's inputs, saved with it when set. */
  preprocessing?: Preprocessing | null;
}

/** A model the Solver trains: parameters updated in place, loss with optional gradient buffers. */
export interface Model extends Checkpointable {
  /** Precision of the parameters and of every computation. */
  readonly dtype: DType;
  /** Class scores (N, C) for a batch: a test-time forward pass. */
  loss(X: Tensor): Tensor;
  /** Loss and gradients of a training-time forward and backward pass. */
  loss(X: Tensor, y: Labels, options?: ModelLossOptions): [number, Params];
  /** Writes the model as a safetensors checkpoint, atomically. */
  save(file: string): void;
  /**
   * One plain SGD step with the update fused into the backward pass, for
   * models that offer it (the Solver then uses it for 'sgd'); returns the
   * loss before the step and leaves the parameters alone when it is not finite.
   */
  sgdStep?(X: Tensor, y: Labels, learningRate: number): number;
}

/** The gradient tensors of one loss call: the caller's (checked) or new ones. */
export function gradOutputs(fn: string, options: unknown, params: Params): Params {
  const opts = options === undefined ? {} : objectArg(fn, 'options', options);
  const given = opts.grads === undefined ? {} : objectArg(fn, 'options.grads', opts.grads);
  const grads: Params = {};
  for (const [name, p] of Object.entries(params)) grads[name] = output(fn, given, name, p.shape, p.dtype);
  return grads;
}

/**
 * Adds the L2 penalty 0.5 * reg * sum(W^2) of the named weights to the loss
 * and reg * W to their gradients; returns the new loss.
 */
export function addL2(loss: number, reg: number, params: Params, grads: Params, weights: readonly string[]): number {
  if (reg === 0) return loss;
  for (const name of weights) native().axpy(reg, params[name].data, grads[name].data);
  return loss + l2Penalty(reg, params, weights);
}

/** The L2 penalty 0.5 * reg * sum(W^2) of the named weights. */
export function l2Penalty(reg: number, params: Params, weights: readonly string[]): number {
  if (reg === 0) return 0;
  let sum = 0;
  for (const name of weights) sum += native().sumSquares(params[name].data);
  return 0.5 * reg * sum;
}

/**
 * A batch of inputs (N, d1, ..., dk) whose examples flatten to inputDim
 * values, cast to the model's dtype when it differs (the reference's
 * X.astype(self.dtype)).
 */
export function inputArg(fn: string, value: unknown, inputDim: number, dtype: DType): Tensor {
  const x = nonEmptyTensorArg(fn, 'X', value);
  const perExample = x.ndim < 1 ? 0 : x.size / x.shape[0];
  if (perExample !== inputDim) {
    throw new RangeError(
      `${fn}: X has shape ${formatShape(x.shape)}, ${perExample} values per example, but the network takes ${inputDim}`,
    );
  }
  return x.dtype === dtype ? x : x.astype(dtype);
}
