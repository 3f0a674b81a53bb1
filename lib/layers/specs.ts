/**
 * The table of layers: every layer a network can be made of, described once.
 * An entry gives the layer's options (checked, with defaults), how its output
 * shape follows from its input shape, its parameters and how they start,
 * its forward and backward passes (and the backward pass fused with an SGD
 * step, or direct addon calls, where the layer has them), its token in the
 * layer-list string, and sample inputs for gradient checks. `Sequential`,
 * the layer-list parser, `nndl gradcheck` and the tests all read this table:
 * adding a layer is its kernel, its binding, its TypeScript wrapper and one
 * entry here.
 */
import { affineBackward, affineBackwardSgd, affineForward, type AffineCache } from './affine';
import {
  leakyReluBackward, leakyReluForward, reluBackward, reluForward, sigmoidBackward, sigmoidForward, tanhBackward, tanhForward,
  type LeakyReluCache,
} from './activations';
import { batchnormBackward, batchnormForward, type BatchnormCache, type BatchnormParam } from './batchnorm';
import { convBackward, convForward, type ConvCache, type ConvParam } from './conv';
import { dropoutBackward, dropoutForward, type DropoutCache, type DropoutParam } from './dropout';
import { flattenBackward, flattenForward } from './flatten';
import { softmaxLoss, svmLoss } from './losses';
import { maxPoolBackward, maxPoolForward, pooledDims, type MaxPoolCache, type PoolParam } from './pool';
import { spatialBatchnormBackward, spatialBatchnormForward, type SpatialBatchnormCache } from './spatial-batchnorm';
import {
  affineReluBackward, affineReluBackwardSgd, affineReluForward, convReluBackward, convReluForward, convReluPoolBackward,
  convReluPoolForward, type AffineReluCache, type ConvReluCache, type ConvReluPoolCache,
} from '../layer-utils';
import type { NativeBinding } from '../native';
import type { NumpyRandomState } from '../random';
import { Tensor, zeros, type DType, type FloatArray, type Shape } from '../tensor';
import { formatShape, invalidValue, nonNegativeIntegerArg, numberArg, positiveIntegerArg, type Labels } from '../validate';

/** What a parameter is to its layer; names are the role and the layer's number (W1, b1, gamma1, ...). */
export type Role = 'W' | 'b' | 'gamma' | 'beta';

/** One parameter of a layer. */
export interface ParamDef {
  role: Role;
  shape: number[];
  /** 'weight': drawn from N(0, std^2), std from weightScale or the init rule; else constant. */
  init: 'weight' | 'zeros' | 'ones';
  /** Inputs feeding one output, for init rules that scale with it. */
  fanIn?: number;
}

/** Which count numbers a layer's parameters and buffers: layers with weights, or batchnorm layers. */
export type Counter = 'weight' | 'norm';

/** The parameters of one layer by role. */
export type LayerParams = Partial<Record<Role, Tensor>>;

/** What the model gives a layer instance when it is created. */
export interface LayerEnv {
  dtype: DType;
  /** The model's generator (dropout masks). */
  rng: NumpyRandomState;
  /** A fixed seed for dropout masks, reused on every pass (gradient checks). */
  seed?: number;
}

/** One forward pass: the mode, and a tensor of the output's shape the layer may write into. */
export interface ForwardRun {
  mode: 'train' | 'test';
  out?: Tensor;
}

/** Where one backward pass writes: dx (only read when needDx), and each parameter's gradient. */
export interface BackwardRun {
  dx: Tensor;
  needDx: boolean;
  grads: LayerParams;
}

/** A backward pass fused with a plain SGD step on the layer's parameters. */
export interface SgdRun {
  dx: Tensor;
  needDx: boolean;
  learningRate: number;
  /** L2 strength folded into the weights' step. */
  reg: number;
}

/**
 * A layer's forward pass and SGD backward pass as direct addon calls on
 * arrays already checked (the model checks its parameters once per step):
 * x (n, d) and out (n, m), its parameters W (d, m) and b (m,).
 */
export interface DirectLayer {
  forward(addon: NativeBinding, x: FloatArray, W: FloatArray, b: FloatArray, out: FloatArray, n: number, d: number, m: number): void;
  backwardSgd(
    addon: NativeBinding, dout: FloatArray, x: FloatArray, W: FloatArray, b: FloatArray, out: FloatArray, dx: FloatArray | null,
    n: number, d: number, m: number, learningRate: number, reg: number,
  ): void;
}

/** A token of the layer-list string: how it reads and how a spec is written back. */
export interface Token<S> {
  /** The grammar, for messages and documentation: `conv<filters>k<size>[s<stride>][p<pad>]`. */
  syntax: string;
  pattern: RegExp;
  /** The spec's options from the pattern's match. */
  read(match: RegExpExecArray): Record<string, unknown>;
  write(spec: S): string;
}

/** Inputs for a gradient check of a table entry: options, input shape (with N) and a scale of the inputs. */
export interface GradcheckSample {
  label: string;
  options: Record<string, unknown>;
  input: number[];
  /** Multiplies the random inputs (default 1). */
  scale?: number;
}

/** Normalized options of a layer: its type and every option with its default filled in. */
export interface LayerSpec {
  type: string;
  [option: string]: unknown;
}

/** One entry of the table. S is its spec, St the state an instance keeps, C its cache. */
export interface LayerKind<S extends LayerSpec = LayerSpec, St = unknown, C = unknown> {
  type: S['type'];
  /** One line for documentation and gradcheck. */
  summary: string;
  /** The options checked, defaults filled in; fn and name are for messages (`Sequential`, `layers[2]`). */
  spec(fn: string, name: string, options: Record<string, unknown>): S;
  /** The output shape of one example from its input shape; a RangeError naming the numbers when they do not fit. */
  outputShape(fn: string, name: string, spec: S, input: Shape): Shape;
  /** The layer's parameters, in the order they are created (and drawn). */
  params?(spec: S, input: Shape): ParamDef[];
  counter?: Counter;
  /** The state an instance keeps across calls (running statistics, dropout settings). */
  state?(spec: S, input: Shape, env: LayerEnv): St;
  /** Shapes of the tensors of the state a checkpoint keeps, by name (numbered like the parameters in a model). */
  bufferShapes?(spec: S, input: Shape): Record<string, number[]>;
  /** Those tensors of an instance's state. */
  buffers?(state: St): Record<string, Tensor>;
  forward(x: Tensor, p: LayerParams, state: St, run: ForwardRun): [Tensor, C];
  /** dx when run.needDx (else null); parameter gradients into run.grads. */
  backward(dout: Tensor, cache: C, p: LayerParams, run: BackwardRun): Tensor | null;
  backwardSgd?(dout: Tensor, cache: C, p: LayerParams, run: SgdRun): Tensor | null;
  direct?: DirectLayer;
  token?: Token<S>;
  /** Layer types this entry stands for when they follow each other in a network (affine then relu). */
  fuses?: readonly string[];
  /** The fused entry's spec from the specs it replaces. */
  fuse?(specs: readonly LayerSpec[]): S;
  samples: readonly GradcheckSample[];
}

/** A loss ending a network: scores (N, C) and labels to the mean loss and its gradient. */
export interface LossKind {
  type: 'softmax' | 'svm';
  summary: string;
  loss(scores: Tensor, y: Labels, options: { dx?: Tensor }): [number, Tensor];
  direct(addon: NativeBinding, scores: FloatArray, y: Int32Array, dx: FloatArray, n: number, c: number): number;
  token: { syntax: string; pattern: RegExp };
  /** [label, N, C, scale of the scores]. */
  samples: readonly [string, number, number, number][];
}

const product = (shape: Shape) => shape.reduce((a, b) => a * b, 1);

function define<S extends LayerSpec, St, C>(kind: LayerKind<S, St, C>): LayerKind<S, St, C> {
  return kind;
}

/** A layer with no options. */
function noOptions<T extends string>(type: T): (fn: string, name: string, o: Record<string, unknown>) => { type: T } {
  return (fn, name, o) => {
    for (const key of Object.keys(o)) if (key !== 'type') throw invalidValue(fn, `${name}.${key}`, `no options for a ${type} layer`, o[key]);
    return { type };
  };
}

function probabilityArg(fn: string, name: string, value: unknown): number {
  const p = numberArg(fn, name, value);
  if (p < 0 || p >= 1) throw invalidValue(fn, name, 'a drop probability in [0, 1)', value);
  return p;
}

const sameShape = (_fn: string, _name: string, _spec: unknown, input: Shape): Shape => input;

/** Elementwise activations: same shape, a cache from the forward pass, dx from dout and the cache. */
function activation<T extends string, C>(
  type: T, summary: string,
  forward: (x: Tensor, options: { out?: Tensor }) => [Tensor, C],
  backward: (dout: Tensor, cache: C, options: { dx: Tensor }) => Tensor,
): LayerKind<{ type: T }, undefined, C> {
  return define<{ type: T }, undefined, C>({
    type, summary,
    spec: noOptions(type),
    outputShape: sameShape,
    forward: (x, _p, _s, run) => forward(x, { out: run.out }),
    backward: (dout, cache, _p, run) => (run.needDx ? backward(dout, cache, { dx: run.dx }) : null),
    token: { syntax: type, pattern: new RegExp(`^${type}$`), read: () => ({}), write: () => type },
    samples: [[10, 10], [3, 4, 5], [7]].map((input) => ({ label: `x ${formatShape(input)}`, options: {}, input })),
  });
}

export interface AffineSpec extends LayerSpec {
  type: 'affine';
  /** Outputs M. */
  units: number;
}

const affineParams = (spec: { units: number }, input: Shape): ParamDef[] => {
  const d = product(input);
  return [
    { role: 'W', shape: [d, spec.units], init: 'weight', fanIn: d },
    { role: 'b', shape: [spec.units], init: 'zeros' },
  ];
};

const affineSamples: GradcheckSample[] = [
  { label: '2-d input', options: { units: 4 }, input: [5, 7] },
  { label: '3-d input', options: { units: 5 }, input: [10, 2, 3] },
  { label: '4-d input', options: { units: 6 }, input: [3, 2, 2, 3] },
  { label: 'one example', options: { units: 3 }, input: [1, 8] },
];

const affine = define<AffineSpec, undefined, AffineCache>({
  type: 'affine',
  summary: 'fully connected: x (N, d1..dk) flattened to (N, D), times W (D, M), plus b (M,)',
  spec: (fn, name, o) => ({ type: 'affine', units: positiveIntegerArg(fn, `${name}.units`, o.units) }),
  outputShape: (_fn, _name, spec) => [spec.units],
  params: affineParams,
  counter: 'weight',
  forward: (x, p, _s, run) => affineForward(x, p.W as Tensor, p.b as Tensor, { out: run.out }),
  backward: (dout, cache, _p, run) => affineBackward(dout, cache, { dx: run.needDx && run.dx, dw: run.grads.W, db: run.grads.b })[0],
  backwardSgd: (dout, cache, p, run) =>
    affineBackwardSgd(dout, cache, p.b as Tensor, { learningRate: run.learningRate, reg: run.reg, dx: run.needDx && run.dx }),
  direct: {
    forward: (addon, x, W, b, out, n, d, m) => addon.affineForward(x, W, b, out, n, d, m),
    backwardSgd: (addon, dout, x, W, b, _out, dx, n, d, m, lr, reg) => addon.affineBackwardSgd(dout, x, W, b, dx, n, d, m, lr, reg),
  },
  token: { syntax: 'affine<units>', pattern: /^affine(\d+)$/, read: (m) => ({ units: Number(m[1]) }), write: (s) => `affine${s.units}` },
  samples: affineSamples,
});

export interface AffineReluSpec extends LayerSpec {
  type: 'affineRelu';
  units: number;
}

const affineRelu = define<AffineReluSpec, undefined, AffineReluCache>({
  type: 'affineRelu',
  summary: 'affine then ReLU in one native call (what affine followed by relu runs as)',
  spec: (fn, name, o) => ({ type: 'affineRelu', units: positiveIntegerArg(fn, `${name}.units`, o.units) }),
  outputShape: (_fn, _name, spec) => [spec.units],
  params: affineParams,
  counter: 'weight',
  forward: (x, p, _s, run) => affineReluForward(x, p.W as Tensor, p.b as Tensor, { out: run.out }),
  backward: (dout, cache, _p, run) =>
    affineReluBackward(dout, cache, { dx: run.needDx && run.dx, dw: run.grads.W, db: run.grads.b })[0],
  backwardSgd: (dout, cache, p, run) =>
    affineReluBackwardSgd(dout, cache, p.b as Tensor, { learningRate: run.learningRate, reg: run.reg, dx: run.needDx && run.dx }),
  direct: {
    forward: (addon, x, W, b, out, n, d, m) => addon.affineReluForward(x, W, b, out, n, d, m),
    backwardSgd: (addon, dout, x, W, b, out, dx, n, d, m, lr, reg) =>
      addon.affineReluBackwardSgd(dout, x, W, b, out, dx, n, d, m, lr, reg),
  },
  fuses: ['affine', 'relu'],
  fuse: ([a]) => ({ type: 'affineRelu', units: (a as AffineSpec).units }),
  samples: affineSamples,
});

export interface LeakyReluSpec extends LayerSpec {
  type: 'leakyrelu';
  /** Slope for negative inputs (default 0.01). */
  alpha: number;
}

const leakyRelu = define<LeakyReluSpec, LeakyReluSpec, LeakyReluCache>({
  type: 'leakyrelu',
  summary: 'x where x > 0, else alpha x (default alpha 0.01)',
  spec: (fn, name, o) => ({ type: 'leakyrelu', alpha: numberArg(fn, `${name}.alpha`, o.alpha ?? 0.01) }),
  outputShape: sameShape,
  forward: (x, _p, spec, run) => leakyReluForward(x, spec.alpha, { out: run.out }),
  state: (spec) => spec,
  backward: (dout, cache, _p, run) => (run.needDx ? leakyReluBackward(dout, cache, { dx: run.dx }) : null),
  token: {
    syntax: 'leakyrelu[<alpha>]', pattern: /^leakyrelu(\d*\.?\d+(?:e-?\d+)?)?$/,
    read: (m) => (m[1] === undefined ? {} : { alpha: Number(m[1]) }), write: (s) => `leakyrelu${s.alpha}`,
  },
  samples: [[10, 10], [3, 4, 5], [7]].map((input) => ({ label: `alpha 0.1, x ${formatShape(input)}`, options: { alpha: 0.1 }, input })),
});

export interface BatchnormSpec extends LayerSpec {
  type: 'batchnorm';
  /** Weight of the old running averages (default 0.9). */
  momentum: number;
  /** Added to the variance (default 1e-5). */
  eps: number;
}

/** A batchnorm layer's mode and running statistics, and whether it normalizes channels of images. */
export interface BatchnormState {
  param: BatchnormParam;
  spatial: boolean;
}

const batchnorm = define<BatchnormSpec, BatchnormState, BatchnormCache | SpatialBatchnormCache | null>({
  type: 'batchnorm',
  summary: 'batch normalization of each feature (flat examples) or each channel over N, H, W (images), gamma and beta per feature or channel; running averages for test mode',
  spec: (fn, name, o) => ({
    type: 'batchnorm',
    momentum: numberArg(fn, `${name}.momentum`, o.momentum ?? 0.9),
    eps: numberArg(fn, `${name}.eps`, o.eps ?? 1e-5),
  }),
  outputShape: (fn, name, _spec, input) => {
    if (input.length !== 1 && input.length !== 3) {
      throw new RangeError(
        `${fn}: ${name} normalizes features of flat examples or channels of images (C, H, W), but receives examples of shape ${formatShape(input)}`,
      );
    }
    return input;
  },
  params: (_spec, input) => [
    { role: 'gamma', shape: [input[0]], init: 'ones' },
    { role: 'beta', shape: [input[0]], init: 'zeros' },
  ],
  counter: 'norm',
  bufferShapes: (_spec, input) => ({ runningMean: [input[0]], runningVar: [input[0]] }),
  state: (spec, input, env) => ({
    param: {
      mode: 'train', momentum: spec.momentum, eps: spec.eps, runningMean: zeros([input[0]], env.dtype), runningVar: zeros([input[0]], env.dtype),
    },
    spatial: input.length === 3,
  }),
  buffers: (state) => ({ runningMean: state.param.runningMean as Tensor, runningVar: state.param.runningVar as Tensor }),
  forward: (x, p, state, run) => {
    state.param.mode = run.mode;
    const forward = state.spatial ? spatialBatchnormForward : batchnormForward;
    return forward(x, p.gamma as Tensor, p.beta as Tensor, state.param, { out: run.out });
  },
  backward: (dout, cache, _p, run) => {
    if (cache === null) throw new Error('batchnorm: a backward pass needs a train-mode forward pass');
    const grads = { dx: run.dx, dw: run.grads.gamma, db: run.grads.beta };
    return 'xhat' in cache ? batchnormBackward(dout, cache, grads)[0] : spatialBatchnormBackward(dout, cache, grads)[0];
  },
  token: { syntax: 'bn', pattern: /^(?:bn|batchnorm)$/, read: () => ({}), write: () => 'bn' },
  samples: [
    { label: 'x [8, 4]', options: {}, input: [8, 4] },
    { label: 'images x [4, 3, 3, 2]', options: {}, input: [4, 3, 3, 2] },
  ],
});

export interface DropoutSpec extends LayerSpec {
  type: 'dropout';
  /** Probability of dropping a unit, in [0, 1). */
  p: number;
}

const dropout = define<DropoutSpec, DropoutParam, DropoutCache>({
  type: 'dropout',
  summary: 'inverted dropout: each unit dropped with probability p in training, kept ones scaled by 1 / (1 - p)',
  spec: (fn, name, o) => ({ type: 'dropout', p: probabilityArg(fn, `${name}.p`, o.p) }),
  outputShape: sameShape,
  state: (spec, _input, env) => ({ mode: 'train', p: spec.p, ...(env.seed === undefined ? { rng: env.rng } : { seed: env.seed }) }),
  forward: (x, _p, state, run) => {
    state.mode = run.mode;
    return dropoutForward(x, state, { out: run.out });
  },
  backward: (dout, cache, _p, run) => (run.needDx ? dropoutBackward(dout, cache, { dx: run.dx }) : null),
  token: { syntax: 'dropout<p>', pattern: /^dropout(\d*\.?\d+)$/, read: (m) => ({ p: Number(m[1]) }), write: (s) => `dropout${s.p}` },
  samples: [{ label: 'p 0.3 (fixed seed), x [8, 4]', options: { p: 0.3 }, input: [8, 4] }],
});

const flatten = define<{ type: 'flatten' }, undefined, Shape>({
  type: 'flatten',
  summary: 'examples (d1, ..., dk) viewed as (d1 * ... * dk,), without copying',
  spec: noOptions('flatten'),
  outputShape: (_fn, _name, _spec, input) => [product(input)],
  forward: (x) => flattenForward(x),
  backward: (dout, shape, _p, run) => (run.needDx ? flattenBackward(dout, shape) : null),
  token: { syntax: 'flatten', pattern: /^flatten$/, read: () => ({}), write: () => 'flatten' },
  samples: [{ label: 'x [2, 3, 4, 5]', options: {}, input: [2, 3, 4, 5] }],
});

export interface ConvSpec extends LayerSpec {
  type: 'conv';
  /** Filters F. */
  filters: number;
  /** Side of the square filters. */
  size: number;
  /** Pixels between positions (default 1). */
  stride: number;
  /** Zeros added on every side (default 0). */
  pad: number;
}

const convSpec = (fn: string, name: string, o: Record<string, unknown>) => ({
  filters: positiveIntegerArg(fn, `${name}.filters`, o.filters),
  size: positiveIntegerArg(fn, `${name}.size`, o.size),
  stride: positiveIntegerArg(fn, `${name}.stride`, o.stride ?? 1),
  pad: nonNegativeIntegerArg(fn, `${name}.pad`, o.pad ?? 0),
});

/** (F, H', W') of a convolution of images (C, H, W), or a RangeError naming the layer and the numbers. */
function convOutput(fn: string, name: string, spec: { filters: number; size: number; stride: number; pad: number }, input: Shape): number[] {
  if (input.length !== 3) {
    throw new RangeError(`${fn}: ${name} convolves images (C, H, W) but receives examples of shape ${formatShape(input)}`);
  }
  const side = (what: string, sym: string, size: number) => {
    const out = 1 + (size + 2 * spec.pad - spec.size) / spec.stride;
    if (!Number.isInteger(out) || out < 1) {
      throw new RangeError(
        `${fn}: ${name} does not fit its input ${formatShape(input)}: the output ${what} 1 + (${sym} + 2 pad - size) / stride = ` +
          `1 + (${size} + ${2 * spec.pad} - ${spec.size}) / ${spec.stride} = ${out} is not a positive integer`,
      );
    }
    return out;
  };
  return [spec.filters, side('height', 'H', input[1]), side('width', 'W', input[2])];
}

const convParams = (spec: { filters: number; size: number }, input: Shape): ParamDef[] => {
  const fanIn = input[0] * spec.size * spec.size;
  return [
    { role: 'W', shape: [spec.filters, input[0], spec.size, spec.size], init: 'weight', fanIn },
    { role: 'b', shape: [spec.filters], init: 'zeros' },
  ];
};

const convParam = (spec: { stride: number; pad: number }): ConvParam => ({ stride: spec.stride, pad: spec.pad });

const convSamples: GradcheckSample[] = [
  { label: 'x [2, 3, 5, 5], 4 filters 3x3, pad 1', options: { filters: 4, size: 3, pad: 1 }, input: [2, 3, 5, 5] },
  { label: 'x [2, 2, 7, 7], 3 filters 3x3, stride 2, pad 1', options: { filters: 3, size: 3, stride: 2, pad: 1 }, input: [2, 2, 7, 7] },
  { label: 'one example x [1, 2, 5, 4], 2 filters 3x3', options: { filters: 2, size: 3 }, input: [1, 2, 5, 4] },
];

const conv = define<ConvSpec, ConvParam, ConvCache>({
  type: 'conv',
  summary: 'convolution: F filters (F, C, k, k) at every stride pixels of the input padded by pad zeros, plus b (F,)',
  spec: (fn, name, o) => ({ type: 'conv', ...convSpec(fn, name, o) }),
  outputShape: convOutput,
  params: convParams,
  counter: 'weight',
  state: convParam,
  forward: (x, p, param, run) => convForward(x, p.W as Tensor, p.b as Tensor, param, { out: run.out }),
  backward: (dout, cache, _p, run) => convBackward(dout, cache, { dx: run.needDx && run.dx, dw: run.grads.W, db: run.grads.b })[0],
  token: {
    syntax: 'conv<filters>k<size>[s<stride>][p<pad>]', pattern: /^conv(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?$/,
    read: (m) => ({
      filters: Number(m[1]), size: Number(m[2]), ...(m[3] === undefined ? {} : { stride: Number(m[3]) }), ...(m[4] === undefined ? {} : { pad: Number(m[4]) }),
    }),
    write: (s) => `conv${s.filters}k${s.size}${s.stride === 1 ? '' : `s${s.stride}`}${s.pad === 0 ? '' : `p${s.pad}`}`,
  },
  samples: convSamples,
});

export interface PoolSpec extends LayerSpec {
  type: 'pool';
  /** Side of the square windows. */
  size: number;
  /** Pixels between windows (default: the size). */
  stride: number;
}

const poolParam = (spec: { size: number; stride: number }): PoolParam => ({ poolHeight: spec.size, poolWidth: spec.size, stride: spec.stride });

/** (C, H', W') of max pooling images (C, H, W), or a RangeError naming the layer and the numbers. */
function poolOutput(fn: string, name: string, spec: { size: number; stride: number }, input: Shape): number[] {
  if (input.length !== 3) {
    throw new RangeError(`${fn}: ${name} pools images (C, H, W) but receives examples of shape ${formatShape(input)}`);
  }
  try {
    return [input[0], ...pooledDims('pool', input[1], input[2], poolParam(spec))];
  } catch (e) {
    throw new RangeError(`${fn}: ${name} does not fit its input ${formatShape(input)}: ${(e as Error).message.replace(/^pool: /, '')}`);
  }
}

const pool = define<PoolSpec, PoolParam, MaxPoolCache>({
  type: 'pool',
  summary: 'max pooling: the largest value of each size x size window of each channel, windows every stride pixels',
  spec: (fn, name, o) => {
    const size = positiveIntegerArg(fn, `${name}.size`, o.size);
    return { type: 'pool', size, stride: positiveIntegerArg(fn, `${name}.stride`, o.stride ?? size) };
  },
  outputShape: poolOutput,
  state: poolParam,
  forward: (x, _p, param, run) => maxPoolForward(x, param, { out: run.out }),
  backward: (dout, cache, _p, run) => (run.needDx ? maxPoolBackward(dout, cache, { dx: run.dx }) : null),
  token: {
    syntax: 'pool<size>[s<stride>]', pattern: /^pool(\d+)(?:s(\d+))?$/,
    read: (m) => ({ size: Number(m[1]), ...(m[2] === undefined ? {} : { stride: Number(m[2]) }) }),
    write: (s) => `pool${s.size}${s.stride === s.size ? '' : `s${s.stride}`}`,
  },
  samples: [
    { label: 'x [2, 3, 4, 4], 2x2', options: { size: 2 }, input: [2, 3, 4, 4] },
    { label: 'x [1, 2, 5, 5], 3x3 stride 2', options: { size: 3, stride: 2 }, input: [1, 2, 5, 5] },
  ],
});

export interface ConvReluSpec extends LayerSpec {
  type: 'convRelu';
  filters: number;
  size: number;
  stride: number;
  pad: number;
}

const convRelu = define<ConvReluSpec, ConvParam, ConvReluCache>({
  type: 'convRelu',
  summary: 'convolution then ReLU in one native call (what conv followed by relu runs as)',
  spec: (fn, name, o) => ({ type: 'convRelu', ...convSpec(fn, name, o) }),
  outputShape: convOutput,
  params: convParams,
  counter: 'weight',
  state: convParam,
  forward: (x, p, param, run) => convReluForward(x, p.W as Tensor, p.b as Tensor, param, { out: run.out }),
  backward: (dout, cache, _p, run) => convReluBackward(dout, cache, { dx: run.needDx && run.dx, dw: run.grads.W, db: run.grads.b })[0],
  fuses: ['conv', 'relu'],
  fuse: ([c]) => ({ ...(c as ConvSpec), type: 'convRelu' }),
  samples: convSamples,
});

export interface ConvReluPoolSpec extends LayerSpec {
  type: 'convReluPool';
  filters: number;
  size: number;
  stride: number;
  pad: number;
  poolSize: number;
  poolStride: number;
}

interface ConvReluPoolState {
  conv: ConvParam;
  pool: PoolParam;
}

const convReluPool = define<ConvReluPoolSpec, ConvReluPoolState, ConvReluPoolCache>({
  type: 'convReluPool',
  summary: 'convolution, ReLU and max pooling in one native pass (what conv, relu, pool run as)',
  spec: (fn, name, o) => {
    const poolSize = positiveIntegerArg(fn, `${name}.poolSize`, o.poolSize);
    return { type: 'convReluPool', ...convSpec(fn, name, o), poolSize, poolStride: positiveIntegerArg(fn, `${name}.poolStride`, o.poolStride ?? poolSize) };
  },
  outputShape: (fn, name, spec, input) => poolOutput(fn, name, { size: spec.poolSize, stride: spec.poolStride }, convOutput(fn, name, spec, input)),
  params: convParams,
  counter: 'weight',
  state: (spec) => ({ conv: convParam(spec), pool: poolParam({ size: spec.poolSize, stride: spec.poolStride }) }),
  forward: (x, p, state, run) => convReluPoolForward(x, p.W as Tensor, p.b as Tensor, state.conv, state.pool, { out: run.out }),
  backward: (dout, cache, _p, run) => convReluPoolBackward(dout, cache, { dx: run.needDx && run.dx, dw: run.grads.W, db: run.grads.b })[0],
  fuses: ['conv', 'relu', 'pool'],
  fuse: ([c, , q]) => ({ ...(c as ConvSpec), type: 'convReluPool', poolSize: (q as PoolSpec).size, poolStride: (q as PoolSpec).stride }),
  samples: [
    { label: 'x [2, 3, 6, 6], 4 filters 3x3, pad 1, 2x2 pool', options: { filters: 4, size: 3, pad: 1, poolSize: 2 }, input: [2, 3, 6, 6] },
    { label: 'x [1, 2, 7, 7], 3 filters 3x3, stride 2, pad 1, 2x2 pool', options: { filters: 3, size: 3, stride: 2, pad: 1, poolSize: 2 }, input: [1, 2, 7, 7] },
  ],
});

/** Every layer, by type. */
export const LAYERS: Readonly<Record<string, LayerKind<LayerSpec, unknown, unknown>>> = Object.freeze(
  Object.fromEntries(
    [
      affine, affineRelu, conv, convRelu, convReluPool, pool,
      activation('relu', 'max(0, x)', reluForward, reluBackward),
      leakyRelu,
      activation('sigmoid', '1 / (1 + exp(-x))', sigmoidForward, sigmoidBackward),
      activation('tanh', 'tanh(x)', tanhForward, tanhBackward),
      batchnorm, dropout, flatten,
    ].map((k) => [k.type, k as unknown as LayerKind<LayerSpec, unknown, unknown>]),
  ),
);

/** The losses a network ends in, by type. */
export const LOSSES: Readonly<Record<'softmax' | 'svm', LossKind>> = Object.freeze({
  softmax: {
    type: 'softmax',
    summary: 'softmax cross-entropy (stable log-sum-exp), mean over the batch',
    loss: softmaxLoss,
    direct: (addon, s, y, dx, n, c) => addon.softmaxLoss(s, y, dx, n, c),
    token: { syntax: 'softmax', pattern: /^softmax$/ },
    samples: [['N 50, C 10, scores scaled by 0.001', 50, 10, 0.001], ['N 4, C 3', 4, 3, 1], ['N 1, C 7', 1, 7, 1]],
  },
  svm: {
    type: 'svm',
    summary: 'multiclass SVM (hinge) loss with margin 1, mean over the batch',
    loss: svmLoss,
    direct: (addon, s, y, dx, n, c) => addon.svmLoss(s, y, dx, n, c),
    token: { syntax: 'svm', pattern: /^svm$/ },
    samples: [['N 50, C 10', 50, 10, 1], ['N 4, C 3', 4, 3, 1], ['N 1, C 7', 1, 7, 1]],
  },
});
