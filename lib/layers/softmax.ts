/**
 * Softmax of class scores: what a classifier reports as probabilities. The
 * loss functions compute it inside (lib/layers/losses.ts); this is the
 * forward pass alone, for prediction.
 */
import { native } from '../native';
import { optionsArg, output, type ForwardOptions } from '../outputs';
import { Tensor } from '../tensor';
import { ndimArg, nonEmptyTensorArg } from '../validate';

/**
 * Softmax of each row, exp(x_ij - max_i) / sum_j exp(x_ij - max_i), computed
 * natively with the row max taken out so large scores do not overflow. A row
 * holding NaN (or +Infinity) comes out all NaN.
 * @param x scores, shape (N, C)
 * @param options `out`: a (N, C) tensor of x's dtype to write into (x itself works)
 * @returns probabilities (N, C), each row summing to 1
 */
export function softmax(x: Tensor, options?: ForwardOptions): Tensor {
  const fn = 'softmax';
  const s = nonEmptyTensorArg(fn, 'x', x);
  ndimArg(fn, 'x', s, 2);
  const out = output(fn, optionsArg(fn, options), 'out', s.shape, s.dtype);
  native().softmax(s.data, out.data, s.shape[0], s.shape[1]);
  return out;
}
