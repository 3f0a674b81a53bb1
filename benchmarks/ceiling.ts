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

/**
 * The gemms of one StandaloneTwoLayerNet step (the two-layer notebook's
 * network, W1 (H, D) and W2 (C, H)) on batch rows, as its train() makes
 * them: forward X W1^T and a1 W2^T, then dW2 = dz2^T a1, da1 = dz2 W2 and
 * dW1 = dz1^T X. Returns a function running them.
 */
export function standaloneStepGemms(dims: readonly [number, number, number], batch: number, dtype: DType): () => void {
  const [D, H, C] = dims;
  const alloc = (n: number) => {
    const a = empty([n], dtype).data;
    a.fill(0.01);
    return a;
  };
  const x = alloc(batch * D);
  const W1 = alloc(H * D);
  const dW1 = alloc(H * D);
  const a1 = alloc(batch * H);
  const W2 = alloc(C * H);
  const dW2 = alloc(C * H);
  const scores = alloc(batch * C);
  const addon = native();
  return () => {
    addon.gemm(false, true, batch, H, D, 1, x, W1, 1, a1);
    addon.gemm(false, true, batch, C, H, 1, a1, W2, 1, scores);
    addon.gemm(true, false, C, H, batch, 1, scores, a1, 0, dW2);
    addon.gemm(false, false, batch, H, C, 1, scores, W2, 0, a1);
    addon.gemm(true, false, H, D, batch, 1, a1, x, 0, dW1);
  };
}

/** The forward gemms of StandaloneTwoLayerNet's predict over rows examples. */
export function standaloneForwardGemms(dims: readonly [number, number, number], rows: number, dtype: DType): () => void {
  const [D, H, C] = dims;
  const x = empty([rows * D], dtype).data.fill(0.01);
  const W1 = empty([H * D], dtype).data.fill(0.01);
  const a1 = empty([rows * H], dtype).data;
  const W2 = empty([C * H], dtype).data.fill(0.01);
  const scores = empty([rows * C], dtype).data;
  const addon = native();
  return () => {
    addon.gemm(false, true, rows, H, D, 1, x, W1, 0, a1);
    addon.gemm(false, true, rows, C, H, 1, a1, W2, 0, scores);
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
