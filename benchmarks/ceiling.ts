/**
 * The ceiling a training loop is measured against: the gemm calls it needs
 * (for convolutions on oneDNN, its primitives' calls), timed alone in the
 * same process with the same engine.
 */
import { parseLayers } from '../lib/layers/layer-string';
import { LAYERS, type AffineSpec, type ConvSpec } from '../lib/layers/specs';
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

/** How layerProducts times convolutions: the gemms of their im2col lowering, or the layer's own native calls. */
export type ConvCeiling = 'im2col' | 'calls';

// native/conv.h's chunking of the im2col lowering: enough images per gemm for
// 2048 columns, within 2^21 values of column matrix.
const CONV_MIN_COLUMNS = 2048;
const CONV_MAX_COLUMN_VALUES = 2 ** 21;
const INT_MAX = 2 ** 31 - 1;

/** Images per gemm of a convolution lowered to im2col (k rows, p pixels per image), as native/conv.h's conv_chunk picks them. */
export function convChunk(n: number, k: number, p: number): number {
  let nb = Math.ceil(CONV_MIN_COLUMNS / p);
  nb = Math.min(nb, Math.floor(CONV_MAX_COLUMN_VALUES / (k * p)));
  nb = Math.min(nb, Math.floor(INT_MAX / p));
  return Math.max(1, Math.min(nb, n));
}

/**
 * The products of one training step of a layer list (the network
 * `new Sequential(layers)` builds) on batch examples of shape (C, H, W):
 * - affine layers, as stepGemms: forward y = x W, backward dW = x^T dy and,
 *   but for the first layer, dx = dy W^T;
 * - convolutions with 'im2col': the gemms of native/conv.h's lowering, what
 *   the OpenBLAS engine runs, without the unfolding: per chunk of convChunk
 *   images, forward y (F, P) = W (F, C k k) cols (C k k, P), backward
 *   dW (+)= dy cols^T and, but for the first layer, dcols = W^T dy;
 * - convolutions with 'calls': the layer's native convForward and
 *   convBackward, what the oneDNN engine runs in place of those gemms (its
 *   primitives, with their reorders to and from NCHW), plus the layer's bias
 *   pass over the output, which no separate call can leave out.
 * Returns a function running them: forward in order, then backward from the
 * last layer.
 */
export function layerProducts(layers: string, shape: readonly number[], batch: number, dtype: DType, convs: ConvCeiling): () => void {
  const alloc = (n: number) => {
    const a = empty([n], dtype).data;
    a.fill(0.01);
    return a;
  };
  const addon = native();
  const forward: (() => void)[] = [];
  const backward: (() => void)[][] = [];
  let input = shape;
  parseLayers('layerProducts', layers).forEach((spec, index) => {
    const kind = LAYERS[spec.type];
    // The loss, which has no products.
    if (kind === undefined) return;
    const output = kind.outputShape('layerProducts', spec.type, spec, input);
    const needDx = index > 0;
    const back: (() => void)[] = [];
    if (spec.type === 'conv') {
      const { filters: f, size, stride, pad } = spec as ConvSpec;
      const [c, h, w] = input;
      const k = c * size * size;
      const p = output[1] * output[2];
      if (convs === 'calls') {
        const [x, W, b, y, dy, dW, db] = [batch * c * h * w, f * k, f, batch * f * p, batch * f * p, f * k, f].map(alloc);
        const dx = needDx ? alloc(batch * c * h * w) : null;
        forward.push(() => addon.convForward(x, W, b, y, batch, c, h, w, f, size, size, stride, pad));
        back.push(() => addon.convBackward(dy, x, W, dx, dW, db, batch, c, h, w, f, size, size, stride, pad));
      } else {
        const chunk = convChunk(batch, k, p);
        const [W, cols, y, dW] = [f * k, k * chunk * p, f * chunk * p, f * k].map(alloc);
        for (let n0 = 0; n0 < batch; n0 += chunk) {
          const q = Math.min(chunk, batch - n0) * p;
          const beta = n0 === 0 ? 0 : 1;
          forward.push(() => addon.gemm(false, false, f, q, k, 1, W, cols, 0, y));
          back.push(() => addon.gemm(false, true, f, k, q, 1, y, cols, beta, dW));
          if (needDx) back.push(() => addon.gemm(true, false, k, q, f, 1, W, y, 0, cols));
        }
      }
    } else if (spec.type === 'affine') {
      const d = input.reduce((a, b) => a * b, 1);
      const m = (spec as AffineSpec).units;
      const [x, W, y, dW, dx] = [batch * d, d * m, batch * m, d * m, batch * d].map(alloc);
      forward.push(() => addon.gemm(false, false, batch, m, d, 1, x, W, 0, y));
      back.push(() => addon.gemm(true, false, d, m, batch, 1, x, y, 0, dW));
      if (needDx) back.push(() => addon.gemm(false, true, batch, d, m, 1, y, W, 0, dx));
    }
    backward.unshift(back);
    input = output;
  });
  const calls = [...forward, ...backward.flat()];
  return () => {
    for (const call of calls) call();
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
