/**
 * The ceiling a training loop is measured against: the gemm calls it needs,
 * timed alone in the same process with the same BLAS.
 */
import { parseLayers } from '../lib/layers/layer-string';
import { LAYERS } from '../lib/layers/specs';
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

/** Images per gemm of a convolution's lowering: columns of 32 images at a time keep the buffers small. */
const CONV_CHUNK = 32;

/**
 * The gemms of one training step of a layer list (convolutions lowered to
 * im2col columns, affine layers as in stepGemms), on batch examples of
 * shape: per convolution and chunk of CONV_CHUNK images, forward
 * out (F, P) = W (F, C k k) cols (C k k, P), backward dW (F, C k k) +=
 * dout cols^T and, but for the first layer, dcols = W^T dout, P the chunk's
 * output pixels. Returns a function running them.
 */
export function layerGemms(layers: string, shape: readonly number[], batch: number, dtype: DType): () => void {
  const alloc = (n: number) => {
    const a = empty([n], dtype).data;
    a.fill(0.01);
    return a;
  };
  const calls: (() => void)[] = [];
  const addon = native();
  let input = shape;
  let first = true;
  for (const spec of parseLayers('layerGemms', layers)) {
    const kind = LAYERS[spec.type];
    if (kind === undefined) break;
    const output = kind.outputShape('layerGemms', spec.type, spec, input);
    if (spec.type === 'conv') {
      const k = input[0] * (spec.size as number) ** 2;
      const f = output[0];
      for (let done = 0; done < batch; done += CONV_CHUNK) {
        const p = Math.min(CONV_CHUNK, batch - done) * output[1] * output[2];
        const [W, cols, out, dW, dcols] = [alloc(f * k), alloc(k * p), alloc(f * p), alloc(f * k), alloc(k * p)];
        const needDx = !first;
        calls.push(() => addon.gemm(false, false, f, p, k, 1, W, cols, 0, out));
        calls.push(() => {
          addon.gemm(false, true, f, k, p, 1, out, cols, 1, dW);
          if (needDx) addon.gemm(true, false, k, p, f, 1, W, out, 0, dcols);
        });
      }
      first = false;
    } else if (spec.type === 'affine') {
      const d = input.reduce((a, b) => a * b, 1);
      const m = output[0];
      const [x, W, y, dW, dx] = [alloc(batch * d), alloc(d * m), alloc(batch * m), alloc(d * m), alloc(batch * d)];
      const needDx = !first;
      calls.push(() => addon.gemm(false, false, batch, m, d, 1, x, W, 0, y));
      calls.push(() => {
        addon.gemm(true, false, d, m, batch, 1, x, y, 0, dW);
        if (needDx) addon.gemm(false, true, batch, d, m, 1, y, W, 0, dx);
      });
      first = false;
    }
    input = output;
  }
  return () => {
    for (const call of calls) call();
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
