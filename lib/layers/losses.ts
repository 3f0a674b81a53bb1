/**
 * Classification losses on scores x (N, C) and labels y (N,) with values in
 * [0, C). Each returns [loss, dx]: the mean loss over the batch and its
 * gradient with respect to x, shape (N, C).
 */
import { native } from '../native';
import { optionsArg, output } from '../outputs';
import { Tensor } from '../tensor';
import { labelsArg, ndimArg, nonEmptyTensorArg, type Labels } from '../validate';

/** Options of the losses. */
export interface LossOptions {
  /** Tensor to write dx into (shape and dtype of x), instead of a new one. */
  dx?: Tensor;
}

function loss(
  fn: string, xv: unknown, yv: unknown, options: unknown,
  kernel: (x: Tensor, y: Int32Array, dx: Tensor, n: number, c: number) => number,
): [number, Tensor] {
  const x = nonEmptyTensorArg(fn, 'x', xv);
  ndimArg(fn, 'x', x, 2);
  const [n, c] = x.shape;
  const y = labelsArg(fn, 'y', yv, n, c);
  const dx = output(fn, optionsArg(fn, options), 'dx', x.shape, x.dtype);
  return [kernel(x, y, dx, n, c), dx];
}

/**
 * Softmax cross-entropy loss, through a stable log-sum-exp (the row max is
 * subtracted before exponentiating, so large scores do not overflow).
 * @param x scores, shape (N, C); x[i, j] is the score of class j for example i
 * @param y labels, length N, each in [0, C)
 * @param options `dx`: a (N, C) tensor to write the gradient into
 * @returns [loss, dx (N, C)]
 */
export function softmaxLoss(x: Tensor, y: Labels, options?: LossOptions): [number, Tensor] {
  return loss('softmaxLoss', x, y, options, (s, l, dx, n, c) => native().softmaxLoss(s.data, l, dx.data, n, c));
}

/**
 * Multiclass SVM (hinge) loss with margin 1.
 * @param x scores, shape (N, C)
 * @param y labels, length N, each in [0, C)
 * @param options `dx`: a (N, C) tensor to write the gradient into
 * @returns [loss, dx (N, C)]
 */
export function svmLoss(x: Tensor, y: Labels, options?: LossOptions): [number, Tensor] {
  return loss('svmLoss', x, y, options, (s, l, dx, n, c) => native().svmLoss(s.data, l, dx.data, n, c));
}
