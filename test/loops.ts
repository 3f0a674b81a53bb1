/**
 * Plain nested-loop versions of the convolution-family layers, written from
 * their definitions with no lowering, fusing or fast path: the references the
 * native kernels are tested against (float64).
 */
import { Tensor, zeros } from '../lib/tensor';

/** Value of a 4-d tensor at (a, b, c, d). */
function at(t: Tensor, a: number, b: number, c: number, d: number): number {
  const [, s1, s2, s3] = t.shape;
  return t.data[((a * s1 + b) * s2 + c) * s3 + d];
}

function index(shape: readonly number[], a: number, b: number, c: number, d: number): number {
  return ((a * shape[1] + b) * shape[2] + c) * shape[3] + d;
}

/** out[n, f, oh, ow] = b[f] + sum over c, i, j of w[f, c, i, j] x[n, c, oh s + i - pad, ow s + j - pad] (0 outside x). */
export function loopConv(x: Tensor, w: Tensor, b: Tensor, stride: number, pad: number): Tensor {
  const [n, c, h, width] = x.shape;
  const [f, , hh, ww] = w.shape;
  const ho = 1 + (h + 2 * pad - hh) / stride;
  const wo = 1 + (width + 2 * pad - ww) / stride;
  const out = zeros([n, f, ho, wo]);
  for (let a = 0; a < n; a++) {
    for (let k = 0; k < f; k++) {
      for (let oh = 0; oh < ho; oh++) {
        for (let ow = 0; ow < wo; ow++) {
          let sum = b.data[k];
          for (let ch = 0; ch < c; ch++) {
            for (let i = 0; i < hh; i++) {
              for (let j = 0; j < ww; j++) {
                const ih = oh * stride + i - pad;
                const iw = ow * stride + j - pad;
                if (ih >= 0 && ih < h && iw >= 0 && iw < width) sum += w.data[index(w.shape, k, ch, i, j)] * at(x, a, ch, ih, iw);
              }
            }
          }
          out.data[index(out.shape, a, k, oh, ow)] = sum;
        }
      }
    }
  }
  return out;
}

/** The gradients of loopConv: each output's dout times the input (for dw) or the weight (for dx) it multiplied. */
export function loopConvBackward(dout: Tensor, x: Tensor, w: Tensor, stride: number, pad: number): [Tensor, Tensor, Tensor] {
  const [n, c, h, width] = x.shape;
  const [f, , hh, ww] = w.shape;
  const [, , ho, wo] = dout.shape;
  const dx = zeros(x.shape);
  const dw = zeros(w.shape);
  const db = zeros([f]);
  for (let a = 0; a < n; a++) {
    for (let k = 0; k < f; k++) {
      for (let oh = 0; oh < ho; oh++) {
        for (let ow = 0; ow < wo; ow++) {
          const g = at(dout, a, k, oh, ow);
          db.data[k] += g;
          for (let ch = 0; ch < c; ch++) {
            for (let i = 0; i < hh; i++) {
              for (let j = 0; j < ww; j++) {
                const ih = oh * stride + i - pad;
                const iw = ow * stride + j - pad;
                if (ih < 0 || ih >= h || iw < 0 || iw >= width) continue;
                dw.data[index(w.shape, k, ch, i, j)] += g * at(x, a, ch, ih, iw);
                dx.data[index(x.shape, a, ch, ih, iw)] += g * w.data[index(w.shape, k, ch, i, j)];
              }
            }
          }
        }
      }
    }
  }
  return [dx, dw, db];
}

/** max(0, x), NaN kept. */
export function loopRelu(x: Tensor): Tensor {
  const out = zeros(x.shape);
  for (let i = 0; i < x.size; i++) out.data[i] = Number.isNaN(x.data[i]) ? NaN : Math.max(0, x.data[i]);
  return out;
}

/**
 * Max over each window, and the first position of the maximum in it (row by
 * row); a window holding NaN gives NaN at its first NaN, as numpy's max and argmax.
 */
export function loopMaxPool(x: Tensor, ph: number, pw: number, stride: number): { out: Tensor; at: number[][] } {
  const [n, c, h, width] = x.shape;
  const ho = 1 + (h - ph) / stride;
  const wo = 1 + (width - pw) / stride;
  const out = zeros([n, c, ho, wo]);
  const positions: number[][] = [];
  for (let a = 0; a < n; a++) {
    for (let ch = 0; ch < c; ch++) {
      for (let oh = 0; oh < ho; oh++) {
        for (let ow = 0; ow < wo; ow++) {
          let best = -Infinity;
          let pos: number[] = [];
          let seen = false;
          for (let i = 0; i < ph && !Number.isNaN(best); i++) {
            for (let j = 0; j < pw; j++) {
              const v = at(x, a, ch, oh * stride + i, ow * stride + j);
              if (!seen || v > best || Number.isNaN(v)) {
                best = v;
                pos = [a, ch, oh * stride + i, ow * stride + j];
                seen = true;
                if (Number.isNaN(v)) break;
              }
            }
          }
          out.data[index(out.shape, a, ch, oh, ow)] = best;
          positions.push(pos);
        }
      }
    }
  }
  return { out, at: positions };
}

/** Each dout added to the input its window took (the positions of loopMaxPool, in output order). */
export function loopMaxPoolBackward(dout: Tensor, xShape: readonly number[], positions: number[][]): Tensor {
  const dx = zeros(xShape);
  positions.forEach(([a, ch, i, j], q) => {
    dx.data[index(xShape, a, ch, i, j)] += dout.data[q];
  });
  return dx;
}

/**
 * Batchnorm of each channel over N, H and W (train mode), from the formulas:
 * out = gamma (x - mean) / sqrt(var + eps) + beta, var the biased variance,
 * and its gradients through mean and variance.
 */
export function loopSpatialBatchnorm(
  x: Tensor, gamma: Tensor, beta: Tensor, dout: Tensor, eps: number,
): { out: Tensor; mean: number[]; variance: number[]; dx: Tensor; dgamma: Tensor; dbeta: Tensor } {
  const [n, c, h, w] = x.shape;
  const m = n * h * w;
  const out = zeros(x.shape);
  const dx = zeros(x.shape);
  const dgamma = zeros([c]);
  const dbeta = zeros([c]);
  const mean: number[] = [];
  const variance: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const idx: number[] = [];
    for (let a = 0; a < n; a++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) idx.push(index(x.shape, a, ch, i, j));
    const mu = idx.reduce((s, k) => s + x.data[k], 0) / m;
    const v = idx.reduce((s, k) => s + (x.data[k] - mu) ** 2, 0) / m;
    const std = Math.sqrt(v + eps);
    mean.push(mu);
    variance.push(v);
    // dL/dxhat, then through the variance and the mean.
    let dvar = 0;
    let dmu = 0;
    for (const k of idx) {
      const xhat = (x.data[k] - mu) / std;
      out.data[k] = gamma.data[ch] * xhat + beta.data[ch];
      dgamma.data[ch] += dout.data[k] * xhat;
      dbeta.data[ch] += dout.data[k];
      const dxhat = dout.data[k] * gamma.data[ch];
      dvar += dxhat * (x.data[k] - mu) * -0.5 * std ** -3;
      dmu += -dxhat / std;
    }
    for (const k of idx) {
      dx.data[k] = (dout.data[k] * gamma.data[ch]) / std + (dvar * 2 * (x.data[k] - mu)) / m + dmu / m;
    }
  }
  return { out, mean, variance, dx, dgamma, dbeta };
}
