/**
 * The ceiling a training loop is measured against: the gemm calls it needs,
 * timed alone in the same process with the same BLAS.
 */
import { native } from '../lib/native';
import { empty, type DType } from '../lib/tensor';

/**
 * The gemms of one training step of an MLP with layer sizes dims
 * (input, hidden..., classes) on batch rows: per affine layer, forward
 * y = x W, and backward dW = x^T dy plus, but for the first layer (whose
 * input needs no gradient), dx = dy W^T. Returns a function running them.
 */
export function stepGemms(dims: readonly number[], batch: number, dtype: DType): () => void {
  const alloc = (n: number) => {
    const a = empty([n], dtype).data;
    a.fill(0.01);
    return a;
  };
  const layers = dims.slice(1).map((out, i) => {
    const inp = dims[i];
    return { inp, out, x: alloc(batch * inp), W: alloc(inp * out), y: alloc(batch * out), dW: alloc(inp * out), dx: alloc(batch * inp) };
  });
  const addon = native();
  return () => {
    for (const l of layers) addon.gemm(false, false, batch, l.out, l.inp, 1, l.x, l.W, 0, l.y);
    layers.forEach((l, i) => {
      addon.gemm(true, false, l.inp, l.out, batch, 1, l.x, l.y, 0, l.dW);
      if (i > 0) addon.gemm(false, true, batch, l.inp, l.out, 1, l.y, l.W, 0, l.dx);
    });
  };
}

/** The forward gemms of a test-time pass over rows examples. */
export function forwardGemms(dims: readonly number[], rows: number, dtype: DType): () => void {
  const bufs = dims.slice(1).map((out, i) => ({ inp: dims[i], out, x: empty([rows * dims[i]], dtype).data, W: empty([dims[i] * out], dtype).data, y: empty([rows * out], dtype).data }));
  for (const b of bufs) for (const a of [b.x, b.W]) a.fill(0.01);
  const addon = native();
  return () => {
    for (const b of bufs) addon.gemm(false, false, rows, b.out, b.inp, 1, b.x, b.W, 0, b.y);
  };
}

/** Floating-point operations of the gemms of one training step (see stepGemms). */
export function stepFlops(dims: readonly number[], batch: number): number {
  let flops = 0;
  for (let i = 1; i < dims.length; i++) flops += 2 * batch * dims[i - 1] * dims[i] * (i > 1 ? 3 : 2);
  return flops;
}

/** Seconds of running fn count times, after a few warm-up calls. */
export function secondsOf(fn: () => void, count: number): number {
  for (let i = 0; i < Math.min(count, 5); i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
