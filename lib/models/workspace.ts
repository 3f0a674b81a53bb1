/**
 * Intermediate tensors a model reuses from one call to the next: a training
 * loop calls the model with batches of one shape, and allocating every
 * activation and gradient afresh each time would cost a noticeable share of
 * a step (fresh memory is page-faulted in). Only the model's own
 * intermediates live here, never what a call returns to its caller.
 */
import { empty, type DType, type Tensor } from '../tensor';

export class Workspace {
  private readonly tensors = new Map<string, Tensor>();

  /** The tensor kept under `name` for this shape and dtype, allocated on first use. */
  get(name: string, shape: readonly number[], dtype: DType): Tensor {
    const key = `${name}:${dtype}:${shape.join('x')}`;
    let t = this.tensors.get(key);
    if (t === undefined) {
      t = empty(shape, dtype);
      this.tensors.set(key, t);
    }
    return t;
  }
}
