/**
 * Convolutional layer, the course's `conv_forward`/`conv_backward`: filters
 * slid over every position of the zero-padded input, computed natively as one
 * matrix product per chunk of images (im2col).
 */
import { native } from '../native';
import {
  dxOutput, optionsArg, output, type ForwardOptions, type ParamBackwardOptions,
} from '../outputs';
import { Tensor } from '../tensor';
import {
  formatShape, type KeySet, ndimArg, nonEmptyTensorArg, nonNegativeIntegerArg, objectArg, optionsObjectArg, positiveIntegerArg, sameDtype,
} from '../validate';

/** How the filters move: every `stride` pixels over the input padded by `pad` zeros on each side. */
export interface ConvParam {
  stride: number;
  pad: number;
}

/** The keys of ConvParam, checked against the type: an unknown key is an error. */
const CONV_PARAM_KEYS = { stride: true, pad: true } as const satisfies KeySet<ConvParam>;

/** Exactly what convBackward needs: the input, the filters and how they moved. */
export interface ConvCache {
  /** Input, shape (N, C, H, W). */
  readonly x: Tensor;
  /** Filters, shape (F, C, HH, WW). */
  readonly w: Tensor;
  readonly convParam: Readonly<ConvParam>;
}

/** Sizes of a convolution, in the order the addon takes them (then Ho, Wo). */
export interface ConvDims {
  n: number;
  c: number;
  h: number;
  w: number;
  f: number;
  hh: number;
  ww: number;
  stride: number;
  pad: number;
  ho: number;
  wo: number;
}

/** The nine dimensions as the addon's convolution functions take them. */
export function nativeConvDims(d: ConvDims): [number, number, number, number, number, number, number, number, number] {
  return [d.n, d.c, d.h, d.w, d.f, d.hh, d.ww, d.stride, d.pad];
}

function convParamArg(fn: string, value: unknown): Readonly<ConvParam> {
  const param = optionsObjectArg(fn, 'convParam', value, CONV_PARAM_KEYS);
  return Object.freeze({
    stride: positiveIntegerArg(fn, 'convParam.stride', param.stride),
    pad: nonNegativeIntegerArg(fn, 'convParam.pad', param.pad),
  });
}

/** 1 + (size + 2 pad - filter) / stride, or a RangeError naming the numbers when it is not a positive integer. */
function outputSize(fn: string, what: string, sym: string, size: number, filter: number, fsym: string, p: ConvParam): number {
  const padded = size + 2 * p.pad;
  if (filter > padded) {
    throw new RangeError(
      `${fn}: the filter ${what} ${fsym} = ${filter} is larger than the padded input ${what} ` +
      `${sym} + 2 pad = ${size} + 2 * ${p.pad} = ${padded}`,
    );
  }
  const out = 1 + (padded - filter) / p.stride;
  if (!Number.isInteger(out)) {
    throw new RangeError(
      `${fn}: the output ${what} 1 + (${sym} + 2 pad - ${fsym}) / stride = ` +
      `1 + (${size} + 2 * ${p.pad} - ${filter}) / ${p.stride} = ${out} is not an integer`,
    );
  }
  return out;
}

/** Checks x (N, C, H, W) against w (F, C, HH, WW) and convParam, and returns every size. */
function convDims(fn: string, x: Tensor, w: Tensor, convParam: unknown): { dims: ConvDims; param: Readonly<ConvParam> } {
  ndimArg(fn, 'x', x, 4);
  ndimArg(fn, 'w', w, 4);
  const [n, c, h, width] = x.shape;
  const [f, wc, hh, ww] = w.shape;
  if (wc !== c) {
    throw new RangeError(`${fn}: w has shape ${formatShape(w.shape)} but x has shape ${formatShape(x.shape)}: w needs ${c} channels`);
  }
  const param = convParamArg(fn, convParam);
  const ho = outputSize(fn, 'height', 'H', h, hh, 'HH', param);
  const wo = outputSize(fn, 'width', 'W', width, ww, 'WW', param);
  return { dims: { n, c, h, w: width, f, hh, ww, stride: param.stride, pad: param.pad, ho, wo }, param };
}

/** Checks the inputs of a convolution-family forward pass. */
export function convArgs(
  fn: string, xv: unknown, wv: unknown, bv: unknown, convParam: unknown,
): { x: Tensor; w: Tensor; b: Tensor; dims: ConvDims; param: Readonly<ConvParam> } {
  const x = nonEmptyTensorArg(fn, 'x', xv);
  const w = nonEmptyTensorArg(fn, 'w', wv);
  const b = nonEmptyTensorArg(fn, 'b', bv);
  sameDtype(fn, { x, w, b });
  const { dims, param } = convDims(fn, x, w, convParam);
  if (b.ndim !== 1 || b.shape[0] !== dims.f) {
    throw new RangeError(`${fn}: b has shape ${formatShape(b.shape)} but w has shape ${formatShape(w.shape)}, so b must be [${dims.f}]`);
  }
  return { x, w, b, dims, param };
}

/** Checks the cache of a convolution-family forward pass: x, w and convParam. */
export function convCacheArgs(fn: string, cachev: unknown): { x: Tensor; w: Tensor; dims: ConvDims } {
  const cache = objectArg(fn, 'cache', cachev);
  const x = nonEmptyTensorArg(fn, 'cache.x', cache.x);
  const w = nonEmptyTensorArg(fn, 'cache.w', cache.w);
  sameDtype(fn, { 'cache.x': x, 'cache.w': w });
  return { x, w, dims: convDims(fn, x, w, cache.convParam).dims };
}

/** Checks dout against the dtype of the cached x and the shape the forward pass produced. */
export function doutArg(fn: string, doutv: unknown, x: Tensor, expected: number[]): Tensor {
  const dout = nonEmptyTensorArg(fn, 'dout', doutv);
  sameDtype(fn, { 'cache.x': x, dout });
  if (dout.ndim !== expected.length || dout.shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(
      `${fn}: dout has shape ${formatShape(dout.shape)} but the forward output has shape ${formatShape(expected)}`,
    );
  }
  return dout;
}

/** Checks dout and the cache of a convolution-family forward pass whose output is the convolution's. */
export function convBackwardArgs(fn: string, doutv: unknown, cachev: unknown): { dout: Tensor; x: Tensor; w: Tensor; dims: ConvDims } {
  const { x, w, dims } = convCacheArgs(fn, cachev);
  return { dout: doutArg(fn, doutv, x, [dims.n, dims.f, dims.ho, dims.wo]), x, w, dims };
}

/** The gradients' destinations: fresh tensors unless the options name them; dx null when skipped. */
export function convGrads(fn: string, options: unknown, x: Tensor, w: Tensor): { dx: Tensor | null; dw: Tensor; db: Tensor } {
  const opts = optionsArg(fn, options);
  return {
    dx: dxOutput(fn, opts, x.shape, x.dtype),
    dw: output(fn, opts, 'dw', w.shape, x.dtype),
    db: output(fn, opts, 'db', [w.shape[0]], x.dtype),
  };
}

/**
 * Forward pass of a convolutional layer: out[n, f] = sum over c of x[n, c]
 * (zero-padded by pad) cross-correlated with w[f, c] every stride pixels, plus b[f].
 *
 * @param x input, shape (N, C, H, W)
 * @param w filters, shape (F, C, HH, WW)
 * @param b biases, shape (F,)
 * @param convParam `stride` (a positive integer) and `pad` (zeros added on each side)
 * @param options `out`: a (N, F, H', W') tensor to write into instead of a new one
 * @returns [out (N, F, H', W'), cache], H' = 1 + (H + 2 pad - HH) / stride and
 *   W' = 1 + (W + 2 pad - WW) / stride, which must be integers
 */
export function convForward(x: Tensor, w: Tensor, b: Tensor, convParam: ConvParam, options?: ForwardOptions): [Tensor, ConvCache] {
  const fn = 'convForward';
  const args = convArgs(fn, x, w, b, convParam);
  const d = args.dims;
  const out = output(fn, optionsArg(fn, options), 'out', [d.n, d.f, d.ho, d.wo], args.x.dtype);
  native().convForward(args.x.data, args.w.data, args.b.data, out.data, ...nativeConvDims(d));
  return [out, { x: args.x, w: args.w, convParam: args.param }];
}

/**
 * Backward pass of a convolutional layer.
 *
 * @param dout upstream derivative, shape (N, F, H', W')
 * @param cache from convForward: x (N, C, H, W), w (F, C, HH, WW), convParam
 * @param options `dx: false` skips the input gradient (returned as null);
 *   `dx`, `dw`, `db` tensors receive the gradients instead of new ones
 * @returns [dx (N, C, H, W), dw (F, C, HH, WW), db (F,)]
 */
export function convBackward(dout: Tensor, cache: ConvCache, options?: ParamBackwardOptions & { dx?: true | Tensor }): [Tensor, Tensor, Tensor];
export function convBackward(dout: Tensor, cache: ConvCache, options: ParamBackwardOptions & { dx: false }): [null, Tensor, Tensor];
export function convBackward(dout: Tensor, cache: ConvCache, options?: ParamBackwardOptions): [Tensor | null, Tensor, Tensor];
export function convBackward(dout: Tensor, cache: ConvCache, options?: ParamBackwardOptions): [Tensor | null, Tensor, Tensor] {
  const fn = 'convBackward';
  const args = convBackwardArgs(fn, dout, cache);
  const { dx, dw, db } = convGrads(fn, options, args.x, args.w);
  native().convBackward(
    args.dout.data, args.x.data, args.w.data, dx ? dx.data : null, dw.data, db.data, ...nativeConvDims(args.dims),
  );
  return [dx, dw, db];
}
