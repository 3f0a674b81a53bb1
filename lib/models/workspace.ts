/**
 * Intermediate tensors a model reuses from one call to the next: a training
 * loop calls the model with batches of one shape, and allocating every
 * activation and gradient afresh each time would cost a noticeable share of
 * a step (fresh memory is page-faulted in). Only the model's own
 * intermediates live here, never what a call returns to its caller.
 */
import { empty, type DType, type Tensor } from '../tensor';

export class Workspace {
  /** Per name, a tensor for each shape and dtype asked for (training and checks use different batch sizes). */
  private readonly tensors = new Map<string, Tensor[]>();

  /** The tensor kept under `name` for this shape and dtype, allocated on first use. */
  get(name: string, shape: readonly number[], dtype: DType): Tensor {
    let kept = this.tensors.get(name);
    if (kept === undefined) {
      kept = [];
      this.tensors.set(name, kept);
    }
    // Compared in place: building a string key on every call cost more than the lookup.
    for (const t of kept) if (t.dtype === dtype && sameShape(t.shape, shape)) return t;
    const t = empty(shape, dtype);
    kept.push(t);
    return t;
  }

  /** Whether t's memory is one of the workspace's tensors. */
  owns(t: Tensor): boolean {
    for (const kept of this.tensors.values()) for (const k of kept) if (k.data.buffer === t.data.buffer) return true;
    return false;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
