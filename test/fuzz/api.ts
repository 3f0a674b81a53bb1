/**
 * Fuzzing the typed API: every function lib/index.ts exports, called with
 * values drawn from a pool (tensors of random shapes and dtypes, tensors in
 * memory another thread scribbles on, tensors of two dtypes over one buffer,
 * labels, numbers, options objects with the option names the API knows) and
 * from what earlier calls returned, so that backward passes get real caches
 * and methods get real models. Classes are constructed and then their
 * methods called. A call may succeed or throw a TypeError or a RangeError;
 * parsers of bytes may also throw their documented Error naming the source,
 * and the Solver a NonFiniteLossError.
 */
import * as nndl from '../../lib/index';
import type { Rand } from './rand';
import type { ScribbledMemory } from './shared-memory';
import { reportSlow } from './slow';

/** Sizes and a dtype shared by the arguments of one call, so that they fit together. */
class Universe {
  readonly dtype: 'float32' | 'float64';
  readonly n: number;
  readonly d: number;
  readonly m: number;
  readonly c: number;

  constructor(readonly rand: Rand) {
    this.dtype = rand.chance(0.5) ? 'float32' : 'float64';
    [this.n, this.d, this.m, this.c] = Array.from({ length: 4 }, () => rand.int(1, 4));
  }

  /** A tensor of the call's dtype, values in [-2, 2). */
  t(...shape: number[]): nndl.Tensor {
    const t = nndl.zeros(shape, this.dtype);
    for (let i = 0; i < t.size; i++) t.data[i] = this.rand.float() * 4 - 2;
    return t;
  }

  /** n labels in [0, c), in any of the forms the API takes. */
  y(n = this.n, c = this.c): nndl.Labels {
    const values = Array.from({ length: n }, () => this.rand.int(0, c - 1));
    return this.rand.pick([() => values, () => Int32Array.from(values), () => Uint8Array.from(values)])();
  }

  /** A symmetric positive definite (k, k) matrix. */
  spd(k = this.n): nndl.Tensor {
    const a = this.t(k, k);
    const s = nndl.matmul(a, a, { transB: true });
    for (let i = 0; i < k; i++) s.data[i * k + i] += k;
    return s;
  }

  /** options, or nothing, half the time each. */
  maybe(options: Record<string, unknown>): Record<string, unknown> | undefined {
    return this.rand.chance(0.5) ? options : undefined;
  }
}

type Recipe = (g: Universe) => unknown[];

type Row =
  /** A function: called with what the recipe builds (then mutated). */
  | { args: Recipe }
  /** A class: constructed from the recipe, then its methods called, each from its recipe (the same sizes). */
  | { make: Recipe; methods: Record<string, Recipe> }
  /** A parser of untrusted bytes: called with (bytes, SOURCE); malformed bytes are an Error whose message starts with SOURCE. */
  | { parser: true }
  /** Not fuzzed here, and why. */
  | { skip: string };

const SOURCE = 'fuzz-bytes';

const affineCache = (g: Universe) => nndl.affineForward(g.t(g.n, g.d), g.t(g.d, g.m), g.t(g.m))[1];
const affineReluCache = (g: Universe) => nndl.affineReluForward(g.t(g.n, g.d), g.t(g.d, g.m), g.t(g.m))[1];
const grads = (g: Universe) => g.maybe({ dx: g.rand.pick([true, false, g.t(g.n, g.d)]), dw: g.t(g.d, g.m), db: g.t(g.m) });
/** Gradient destinations of a convolution, or none: dx skipped or computed. */
const grads4 = (g: Universe) => g.maybe({ dx: g.rand.chance(0.5) });
const step = (g: Universe) => ({ learningRate: 0.1, reg: g.rand.pick([0, 0.1]), dx: g.rand.chance(0.5) });
const activation = (forward: (x: nndl.Tensor) => [nndl.Tensor, unknown]): { forward: Recipe; backward: Recipe } => ({
  forward: (g) => [g.t(g.n, g.d), g.maybe({ out: g.t(g.n, g.d) })],
  backward: (g) => [g.t(g.n, g.d), forward(g.t(g.n, g.d))[1], g.maybe({ dx: g.t(g.n, g.d) })],
});
const relu = activation((x) => nndl.reluForward(x));
const leaky = activation((x) => nndl.leakyReluForward(x, 0.1));
const sigmoid = activation((x) => nndl.sigmoidForward(x));
const tanh = activation((x) => nndl.tanhForward(x));
/** Images (n, c, h, w) and filters that fit them, with a stride of 1 and padding 0 or 1. */
const convInputs = (g: Universe): [nndl.Tensor, nndl.Tensor, nndl.Tensor, nndl.ConvParam] => {
  const pad = g.rand.int(0, 1);
  const [h, w] = [g.rand.int(1, 5), g.rand.int(1, 5)];
  const [hh, ww] = [g.rand.int(1, Math.min(3, h + 2 * pad)), g.rand.int(1, Math.min(3, w + 2 * pad))];
  return [g.t(g.n, g.c, h, w), g.t(g.m, g.c, hh, ww), g.t(g.m), { stride: 1, pad }];
};
/** A window that tiles an (h, w) plane: 1x1, or 2x2 with stride 2 where both sizes are even. */
const poolParam = (g: Universe, h: number, w: number): nndl.PoolParam =>
  h % 2 === 0 && w % 2 === 0 && g.rand.chance(0.7) ? { poolHeight: 2, poolWidth: 2, stride: 2 } : { poolHeight: 1, poolWidth: 1, stride: 1 };
/** dout shaped as a forward pass's output, and its cache. */
const backwardOf = <C>(g: Universe, [out, cache]: [nndl.Tensor, C]): [nndl.Tensor, C] => [g.t(...out.shape), cache];
const convReluPool = (g: Universe) => {
  const [x, w, b, p] = convInputs(g);
  const [, , ho, wo] = nndl.convForward(x, w, b, p)[0].shape;
  return nndl.convReluPoolForward(x, w, b, p, poolParam(g, ho, wo));
};
const images = (g: Universe) => g.t(g.n, g.c, 2 * g.rand.int(1, 2), 2 * g.rand.int(1, 2));
const bnParam = (g: Universe): nndl.BatchnormParam => ({ mode: g.rand.pick(['train', 'test'] as const) });
const dropParam = (g: Universe): nndl.DropoutParam => ({ mode: g.rand.pick(['train', 'test'] as const), p: 0.3, seed: g.rand.int(0, 9) });
const update = (g: Universe) => [g.t(g.n, g.d), g.t(g.n, g.d), g.maybe({ learningRate: 0.01 }), g.maybe({ out: g.t(g.n, g.d) })];
const twoLayerNet = (g: Universe) => new nndl.TwoLayerNet({ inputDim: g.d, hiddenDims: g.m, numClasses: g.c, dtype: g.dtype, rng: 0 });
const modelMethods: Record<string, Recipe> = {
  loss: (g) => (g.rand.chance(0.3) ? [g.t(g.n, g.d)] : [g.t(g.n, g.d), g.y()]),
  sgdStep: (g) => [g.t(g.n, g.d), g.y(), 0.1],
  predict: (g) => [g.t(g.n, g.d)],
  predictProba: (g) => [g.t(g.n, g.d)],
  scores: (g) => [g.t(g.n, g.d)],
  buffers: () => [],
  config: () => [],
};

/** The methods of a convolutional model, on images (n, 2, 4, 4). */
const convMethods: Record<string, Recipe> = {
  loss: (g) => (g.rand.chance(0.3) ? [g.t(g.n, 2, 4, 4)] : [g.t(g.n, 2, 4, 4), g.y()]),
  sgdStep: (g) => [g.t(g.n, 2, 4, 4), g.y(), 0.1],
  predict: (g) => [g.t(g.n, 2, 4, 4)],
  scores: (g) => [g.t(g.n, 2, 4, 4)],
  buffers: () => [],
  config: () => [],
};

/**
 * How each export is called: a recipe for a valid call of every function
 * and class (exports without one are called with random values only), the
 * parsers of bytes, and those left out with the reason. Every exported class
 * needs a row (the run fails on one without): a class says which of its
 * methods are fuzzed.
 */
export const API: Record<string, Row> = {
  Tensor: {
    make: (g) => [new (g.dtype === 'float32' ? Float32Array : Float64Array)(g.n * g.d), [g.n, g.d]],
    methods: { reshape: (g) => [g.rand.pick([-1, g.n * g.d]), 1], clone: () => [], astype: (g) => [g.dtype], toArray: () => [] },
  },
  zeros: { args: (g) => [[g.n, g.d], g.dtype] },
  empty: { args: (g) => [[g.n, g.d], g.dtype] },
  sharedZeros: { args: (g) => [[g.n, g.d], g.dtype] },
  zerosLike: { args: (g) => [g.t(g.n, g.d)] },
  emptyLike: { args: (g) => [g.t(g.n, g.d)] },
  fromArray: { args: (g) => [Array.from({ length: g.n }, () => Array.from({ length: g.d }, () => g.rand.float())), g.dtype] },
  linspace: { args: (g) => [0, 1, g.n, g.dtype] },
  NumpyRandomState: {
    make: (g) => [g.rand.u32()],
    methods: {
      seed: (g) => [g.rand.u32()],
      fillUniform: (g) => [new Float64Array(g.n)],
      fillGaussian: (g) => [new Float64Array(g.n)],
      nextDouble: () => [],
      nextGaussian: () => [],
      rand: (g) => [g.n, g.d],
      randn: (g) => [g.n, g.d],
      normal: (g) => [0, 1, [g.n, g.d]],
      standardNormal: (g) => [[g.n, g.d], g.dtype],
      randint: (g) => [0, g.c, g.n],
      choice: (g) => [g.d, g.rand.int(1, g.d), { replace: g.rand.chance(0.5) }],
      permutation: (g) => [g.n],
    },
  },
  affineForward: { args: (g) => [g.t(g.n, g.d), g.t(g.d, g.m), g.t(g.m), g.maybe({ out: g.t(g.n, g.m) })] },
  affineBackward: { args: (g) => [g.t(g.n, g.m), affineCache(g), grads(g)] },
  affineBackwardSgd: { args: (g) => [g.t(g.n, g.m), affineCache(g), g.t(g.m), step(g)] },
  affineReluForward: { args: (g) => [g.t(g.n, g.d), g.t(g.d, g.m), g.t(g.m), g.maybe({ out: g.t(g.n, g.m) })] },
  affineReluBackward: { args: (g) => [g.t(g.n, g.m), affineReluCache(g), grads(g)] },
  affineReluBackwardSgd: { args: (g) => [g.t(g.n, g.m), affineReluCache(g), g.t(g.m), step(g)] },
  reluForward: { args: relu.forward },
  reluBackward: { args: relu.backward },
  leakyReluForward: { args: (g) => [g.t(g.n, g.d), 0.1, g.maybe({ out: g.t(g.n, g.d) })] },
  leakyReluBackward: { args: leaky.backward },
  sigmoidForward: { args: sigmoid.forward },
  sigmoidBackward: { args: sigmoid.backward },
  tanhForward: { args: tanh.forward },
  tanhBackward: { args: tanh.backward },
  softmaxLoss: { args: (g) => [g.t(g.n, g.c), g.y(), g.maybe({ dx: g.t(g.n, g.c) })] },
  svmLoss: { args: (g) => [g.t(g.n, g.c), g.y(), g.maybe({ dx: g.t(g.n, g.c) })] },
  convForward: { args: (g) => [...convInputs(g)] },
  convBackward: { args: (g) => [...backwardOf(g, nndl.convForward(...convInputs(g))), grads4(g)] },
  convReluForward: { args: (g) => [...convInputs(g)] },
  convReluBackward: { args: (g) => [...backwardOf(g, nndl.convReluForward(...convInputs(g))), grads4(g)] },
  convReluPoolForward: {
    args: (g) => {
      const [x, w, b, p] = convInputs(g);
      const [, , ho, wo] = nndl.convForward(x, w, b, p)[0].shape;
      return [x, w, b, p, poolParam(g, ho, wo)];
    },
  },
  convReluPoolBackward: { args: (g) => [...backwardOf(g, convReluPool(g)), grads4(g)] },
  maxPoolForward: { args: (g) => { const x = images(g); return [x, poolParam(g, x.shape[2], x.shape[3])]; } },
  maxPoolBackward: {
    args: (g) => {
      const x = images(g);
      return [...backwardOf(g, nndl.maxPoolForward(x, poolParam(g, x.shape[2], x.shape[3]))), g.maybe({ dx: g.t(...x.shape) })];
    },
  },
  spatialBatchnormForward: { args: (g) => [images(g), g.t(g.c), g.t(g.c), bnParam(g)] },
  spatialBatchnormBackward: {
    args: (g) => [...backwardOf(g, nndl.spatialBatchnormForward(images(g), g.t(g.c), g.t(g.c), { mode: 'train' }))],
  },
  flattenForward: { args: (g) => [images(g)] },
  flattenBackward: { args: (g) => backwardOf(g, nndl.flattenForward(images(g))) },
  evalNumericalGradient: { args: (g) => [(x: nndl.Tensor) => nndl.sumSquares(x), g.t(g.n), { verbose: false }] },
  evalNumericalGradientArray: { args: (g) => [(x: nndl.Tensor) => nndl.reluForward(x)[0], g.t(g.n), g.t(g.n)] },
  relError: { args: (g) => [g.t(g.n), g.t(g.n)] },
  seed: { args: (g) => [g.rand.u32()] },
  batchnormForward: { args: (g) => [g.t(g.n, g.d), g.t(g.d), g.t(g.d), bnParam(g), g.maybe({ out: g.t(g.n, g.d) })] },
  batchnormBackward: {
    args: (g) => [g.t(g.n, g.d), nndl.batchnormForward(g.t(g.n, g.d), g.t(g.d), g.t(g.d), { mode: 'train' })[1], grads(g)],
  },
  dropoutForward: { args: (g) => [g.t(g.n, g.d), dropParam(g), g.maybe({ out: g.t(g.n, g.d) })] },
  dropoutBackward: { args: (g) => [g.t(g.n, g.d), nndl.dropoutForward(g.t(g.n, g.d), dropParam(g))[1], g.maybe({ dx: g.t(g.n, g.d) })] },
  matmul: {
    args: (g) => {
      const [transA, transB] = [g.rand.chance(0.5), g.rand.chance(0.5)];
      return [transA ? g.t(g.d, g.n) : g.t(g.n, g.d), transB ? g.t(g.m, g.d) : g.t(g.d, g.m), { transA, transB }];
    },
  },
  columnSums: { args: (g) => [g.t(g.n, g.m), g.maybe({ out: g.t(g.m) })] },
  sumSquares: { args: (g) => [g.t(g.n, g.d)] },
  addScaled: { args: (g) => [g.t(g.n), 0.5, g.t(g.n)] },
  argmaxRows: { args: (g) => [g.t(g.n, g.c)] },
  sgd: { args: update },
  sgdMomentum: { args: update },
  rmsprop: { args: update },
  adam: { args: update },
  accuracy: { args: (g) => [nndl.argmaxRows(g.t(g.n, g.c)), g.y()] },
  StandaloneTwoLayerNet: {
    make: (g) => [g.d, g.m, g.c, { dtype: g.dtype, rng: 0 }],
    methods: {
      loss: (g) => (g.rand.chance(0.3) ? [g.t(g.n, g.d)] : [g.t(g.n, g.d), g.y(), 0.1]),
      predict: (g) => [g.t(g.n, g.d)],
      train: (g) => [g.t(g.n, g.d), g.y(), g.t(g.n, g.d), g.y(), { numIters: g.rand.int(1, 10), batchSize: g.rand.int(1, 4), verbose: false }],
      buffers: () => [],
      config: () => [],
    },
  },
  TwoLayerNet: { make: (g) => [{ inputDim: g.d, hiddenDims: g.m, numClasses: g.c, dtype: g.dtype, rng: 0 }], methods: modelMethods },
  FullyConnectedNet: {
    make: (g) => [[g.m, g.m], {
      inputDim: g.d, numClasses: g.c, dtype: g.dtype, rng: 0, useBatchnorm: g.rand.chance(0.5), dropout: g.rand.pick([0, 0.3]),
    }],
    methods: modelMethods,
  },
  Sequential: {
    make: (g) => [
      g.rand.pick([
        `conv${g.m}k3p1,bn,relu,pool2,affine${g.c}`,
        `conv${g.m}k3p1,relu,conv${g.m}k3s2,dropout0.3,affine${g.c},svm`,
        `affine${g.m},bn,relu,affine${g.c}`,
      ]),
      { inputShape: [2, 4, 4], numClasses: g.c, dtype: g.dtype, rng: 0, ...(g.rand.chance(0.5) ? { weightScale: 0.1 } : {}) },
    ],
    methods: convMethods,
  },
  ThreeLayerConvNet: {
    make: (g) => [{ inputDim: [2, 4, 4], numFilters: g.m, filterSize: 3, hiddenDim: g.m, numClasses: g.c, dtype: g.dtype }],
    methods: convMethods,
  },
  Solver: {
    make: (g) => [twoLayerNet(g), { XTrain: g.t(g.n, g.d), yTrain: g.y(), XVal: g.t(g.n, g.d), yVal: g.y() }, {
      updateRule: g.rand.pick(['sgd', 'sgd_momentum', 'rmsprop', 'adam']), numEpochs: g.rand.int(1, 3), batchSize: g.rand.int(1, 4),
      verbose: false, rng: 0,
    }],
    methods: { train: () => [], checkAccuracy: (g) => [g.t(g.n, g.d), g.y()], stop: () => [] },
  },
  encodeSafetensors: { args: (g) => [{ a: g.t(g.n), b: g.t(g.d, g.m) }, { note: 'fuzz' }] },
  readPickle: { parser: true },
  decodeSafetensors: { parser: true },
  setBlasThreads: { args: (g) => [g.rand.int(1, 2)] },
  setThreads: { args: (g) => [g.rand.int(1, 2)] },
  cholesky: { args: (g) => [g.spd()] },
  choleskySolve: { args: (g) => [nndl.cholesky(g.spd()), g.t(g.n, g.m)] },
  logDetFromCholesky: { args: (g) => [nndl.cholesky(g.spd())] },
  eigh: { args: (g) => [g.spd()] },
  LinearAutoencoder: {
    make: (g) => [g.d, g.m, { tied: g.rand.chance(0.5), dtype: g.dtype, rng: 0 }],
    methods: {
      encode: (g) => [g.t(g.n, g.d)],
      decode: (g) => [g.t(g.n, g.m)],
      reconstruct: (g) => [g.t(g.n, g.d)],
      loss: (g) => [g.t(g.n, g.d)],
      train: (g) => [g.t(g.n, g.d), { iterations: g.rand.int(1, 10), batchSize: g.rand.int(1, g.n) }],
    },
  },
  Gplvm: {
    make: (g) => [g.rand.int(1, 2), { alpha: 1, beta: 10 }],
    methods: {
      logLikelihood: (g) => [g.t(g.n, g.d), g.t(g.n, 2)],
      gradients: (g) => [g.t(g.n, g.d), g.t(g.n, 2)],
      optimum: (g) => [g.t(g.n, g.d)],
      fit: (g) => [g.t(g.n, g.d), { iterations: g.rand.int(1, 5), init: g.rand.pick(['pca', 'random']), rng: 0 }],
    },
  },
  NonFiniteLossError: { skip: 'an error class: the Solver throws it, and the run accepts it' },
  loadModel: { skip: 'reads a file: the hostile-file tests hold it' },
  readSafetensors: { skip: 'reads a file: the hostile-file tests hold it' },
  writeSafetensors: { skip: 'writes a file: the full-disk tests hold it' },
  loadCifar10: { skip: 'reads files, asynchronously: the hostile-archive tests hold it' },
  getCifar10Data: { skip: 'reads files, asynchronously: the hostile-archive tests hold it' },
  getCifar10Pixels: { skip: 'reads files, asynchronously: the hostile-archive tests hold it' },
  downloadCifar10: { skip: 'downloads: the tests against a local server hold it' },
  loadModelAsync: { skip: 'reads a file or stream, asynchronously: the model-file and hostile-file tests hold it' },
  trainInWorker: { skip: 'starts a worker thread, asynchronously: the train-worker tests hold it' },
  serveModel: { skip: 'starts an HTTP server, asynchronously: the serve tests hold it' },
};

/** Options the API takes anywhere; a random subset fills each options object. `checkpointName` is left out: it writes files. */
const OPTION_NAMES = [
  'out', 'dx', 'dw', 'db', 'grads', 'learningRate', 'reg', 'mode', 'p', 'eps', 'momentum', 'runningMean', 'runningVar',
  'seed', 'rng', 'dtype', 'inputDim', 'hiddenDims', 'numClasses', 'weightScale', 'dropout', 'useBatchnorm', 'std',
  'updateRule', 'optimConfig', 'lrDecay', 'batchSize', 'numEpochs', 'numTrainSamples', 'numValSamples', 'printEvery',
  'verbose', 'h', 'transA', 'transB', 'accumulate', 'replace', 'tied', 'alpha', 'beta', 'iterations', 'init', 'optimizer',
  'numIters', 'learningRateDecay', 'learnHyperparameters', 'onIteration', 'onEpoch', 'log', 'XTrain', 'yTrain', 'XVal',
  'yVal', 'velocity', 'cache', 'm', 'v', 't', 'decayRate', 'beta1', 'beta2', 'epsilon',
];

const isClass = (f: unknown) => typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));

type Mutation = 'value' | 'option' | 'alias' | 'shared' | 'detach' | 'drop';
const MUTATIONS: readonly Mutation[] = ['value', 'option', 'alias', 'shared', 'detach', 'drop'];

/** A tensor among a call's arguments: at the top level, or one level down in a plain object (options, caches). */
interface Slot {
  get(): nndl.Tensor;
  set(t: nndl.Tensor): void;
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

export class ApiFuzzer {
  /** What earlier calls returned (and the parts of it), fed back as arguments. */
  private readonly returned: unknown[] = [];
  private readonly functions: [string, (...a: unknown[]) => unknown][] = [];
  /** Calls that returned, per export or method: what the run reached. */
  readonly completed = new Map<string, number>();

  constructor(
    private readonly rand: Rand,
    private readonly memory: ScribbledMemory,
  ) {
    for (const [name, value] of Object.entries(nndl)) {
      if (typeof value !== 'function') continue;
      const row = API[name];
      if (row && 'skip' in row) continue;
      if (isClass(value) && !(row && 'make' in row)) {
        throw new Error(`fuzz: lib/index.ts exports the class ${name}, which has no row in test/fuzz/api.ts: add one`);
      }
      this.functions.push([name, value as (...a: unknown[]) => unknown]);
    }
  }

  /** The exports and methods the run may call. */
  targets(): string[] {
    return this.functions.flatMap(([name]) => {
      const row = API[name];
      return row && 'make' in row ? [`new ${name}`, ...Object.keys(row.methods).map((m) => `${name}.${m}`)] : [name];
    });
  }

  /** One call of a random export (or a construction and method calls); throws a description of what went wrong. */
  step(trace: boolean): 'ok' | 'refused' {
    const [name, f] = this.rand.pick(this.functions);
    const row = API[name];
    const g = new Universe(this.rand);
    if (row && 'make' in row) {
      const args = this.build(row.make, g);
      const instance = this.call(`new ${name}`, args, trace, () => new (f as unknown as new (...a: unknown[]) => object)(...args));
      if (instance === undefined) return 'refused';
      let outcome: 'ok' | 'refused' = 'ok';
      for (let k = this.rand.int(0, 3); k > 0; k--) {
        const method = this.rand.pick(Object.keys(row.methods));
        const margs = this.build(row.methods[method], g);
        const m = (instance as Record<string, (...a: unknown[]) => unknown>)[method];
        if (this.call(`${name}.${method}`, margs, trace, () => m.apply(instance, margs)) === undefined) outcome = 'refused';
      }
      return outcome;
    }
    const parser = row !== undefined && 'parser' in row;
    const args = parser ? [this.rand.chance(0.8) ? this.bytes() : this.value(0), SOURCE] : this.build(row && 'args' in row ? row.args : undefined, g);
    return this.call(name, args, trace, () => f(...args), parser) === undefined ? 'refused' : 'ok';
  }

  /** The recipe's valid arguments with up to two mutations, or (a fifth of the time, and without a recipe) random values. */
  private build(recipe: Recipe | undefined, g: Universe): unknown[] {
    if (!recipe || this.rand.chance(0.2)) return this.args();
    let args: unknown[];
    try {
      args = recipe(g);
    } catch (e) {
      throw new Error(`a recipe of test/fuzz/api.ts failed (in the library or the recipe): ${(e as Error).stack}`);
    }
    while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
    for (let k = this.rand.chance(0.3) ? 0 : this.rand.int(1, 2); k > 0; k--) this.mutate(args, this.rand.pick(MUTATIONS));
    return args;
  }

  private mutate(args: unknown[], m: Mutation): void {
    const r = this.rand;
    const slots = this.slots(args);
    switch (m) {
      case 'value':
        if (args.length > 0) args[r.int(0, args.length - 1)] = this.value(0);
        return;
      case 'option': {
        const objects = args.map((a, i) => (isPlain(a) ? i : -1)).filter((i) => i >= 0);
        const i = objects.length > 0 ? r.pick(objects) : args.push({}) - 1;
        args[i] = { ...(args[i] as object), [r.pick(OPTION_NAMES)]: this.value(1) };
        return;
      }
      case 'alias': {
        // Two tensors over one buffer, each in its own dtype: aliasing across element types when they differ.
        if (slots.length < 2) return;
        const a = r.pick(slots);
        const b = r.pick(slots.filter((s) => s !== a));
        const [ta, tb] = [a.get(), b.get()];
        const buffer = new ArrayBuffer(ta.data.byteLength + tb.data.byteLength + 16);
        const at = 8 * r.int(0, Math.floor(ta.data.byteLength / 8));
        a.set(new nndl.Tensor(copyInto(ta.data, buffer, 0), ta.shape));
        b.set(new nndl.Tensor(copyInto(tb.data, buffer, at), tb.shape));
        return;
      }
      case 'shared':
        for (const slot of slots) if (r.chance(0.5)) slot.set(new nndl.Tensor(this.memory.place(slot.get().data, r), slot.get().shape));
        return;
      case 'detach': {
        const detachable = slots.filter((s) => !(s.get().data.buffer instanceof SharedArrayBuffer) && s.get().size > 0);
        if (detachable.length > 0) {
          const buffer = r.pick(detachable).get().data.buffer as ArrayBuffer;
          structuredClone(buffer, { transfer: [buffer] });
        }
        return;
      }
      case 'drop':
        args.pop();
        return;
    }
  }

  /** The tensors of the arguments that still have their data (an earlier mutation may have detached one). */
  private slots(args: unknown[]): Slot[] {
    const live = (v: unknown): v is nndl.Tensor => v instanceof nndl.Tensor && v.data.length === v.shape.reduce((x, y) => x * y, 1);
    const slots: Slot[] = [];
    args.forEach((a, i) => {
      if (live(a)) slots.push({ get: () => args[i] as nndl.Tensor, set: (t) => (args[i] = t) });
      else if (isPlain(a)) {
        for (const [key, v] of Object.entries(a)) {
          if (!live(v)) continue;
          slots.push({
            get: () => (args[i] as Record<string, nndl.Tensor>)[key],
            set: (t) => (args[i] = { ...(args[i] as object), [key]: t }),
          });
        }
      }
    });
    return slots;
  }

  /** Runs one call; returns its result (undefined when refused) and keeps the result for later calls. */
  private call(what: string, args: unknown[], trace: boolean, run: () => unknown, parser = false): unknown {
    const describe = () => `${what}(${args.map((a) => describeArg(a)).join(', ')})`;
    if (trace) process.stderr.write(`fuzz: ${describe()}\n`);
    let result: unknown;
    const start = performance.now();
    try {
      result = run();
    } catch (e) {
      const error = e as Error;
      const typed = error?.name === 'TypeError' || error?.name === 'RangeError';
      // The documented errors: malformed bytes naming their source, a diverged Solver.
      const documented = (parser && error?.message?.startsWith(`${SOURCE}: `)) || error instanceof nndl.NonFiniteLossError;
      if (!typed && !documented) throw new Error(`${describe()} threw ${error?.stack ?? String(e)}`);
      return undefined;
    } finally {
      reportSlow(performance.now() - start, describe);
    }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      throw new Error(`${describe()} returned a promise: give ${what} a row in test/fuzz/api.ts`);
    }
    this.completed.set(what, (this.completed.get(what) ?? 0) + 1);
    this.keep(result);
    return result ?? null;
  }

  private keep(value: unknown, depth = 0): void {
    if (value === undefined || value === null || depth > 2) return;
    if (this.returned.length >= 64) this.returned.splice(this.rand.int(0, 63), 1);
    this.returned.push(value);
    if (Array.isArray(value) && value.length <= 8) for (const v of value) this.keep(v, depth + 1);
    else if (typeof value === 'object' && !(value instanceof nndl.Tensor) && !ArrayBuffer.isView(value)) {
      for (const v of Object.values(value as object).slice(0, 8)) this.keep(v, depth + 1);
    }
  }

  private args(): unknown[] {
    return Array.from({ length: this.rand.int(0, 5) }, () => this.value(0));
  }

  private value(depth: number): unknown {
    const r = this.rand;
    switch (r.int(0, 11)) {
      case 0:
      case 1:
      case 2:
        return this.tensor();
      case 3:
        return this.labels();
      case 4:
        // No valid size above 5: a variadic shape of large sizes would allocate gigabytes.
        return r.pick([0, 1, 2, 3, 4, 5, -1, -0, 0.5, 1e-3, 2 ** 53, 2 ** 32 + 1, NaN, Infinity, -Infinity, 1e300]);
      case 5:
        return r.pick([true, false, null, undefined, 'float32', 'float64', 'sgd', 'adam', 'train', 'test', 'x', '', {}, [], () => 1, 10n, Symbol('s')]);
      case 6:
        return depth < 2 ? this.options(depth) : this.tensor();
      case 7:
        return Array.from({ length: r.int(0, 3) }, () => r.pick([1, 2, 3, 4, 0, -1, 0.5]));
      case 8:
        return depth < 2 ? Array.from({ length: r.int(1, 3) }, () => this.value(depth + 1)) : this.labels();
      default:
        return this.returned.length > 0 ? r.pick(this.returned) : this.tensor();
    }
  }

  private options(depth: number): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let k = this.rand.int(0, 4); k > 0; k--) o[this.rand.pick(OPTION_NAMES)] = this.value(depth + 1);
    return o;
  }

  /** A tensor of small random shape and dtype: plain, in scribbled shared memory, or sharing its buffer with another dtype. */
  private tensor(): nndl.Tensor {
    const r = this.rand;
    const shape = Array.from({ length: r.int(1, 3) }, () => (r.chance(0.05) ? 0 : r.int(1, 4)));
    if (r.chance(0.05)) shape.length = 0;
    const size = shape.reduce((a, b) => a * b, 1);
    const type: new (...a: unknown[]) => Float32Array | Float64Array = r.chance(0.5) ? Float32Array : Float64Array;
    let data = new type(size);
    for (let i = 0; i < size; i++) data[i] = r.chance(0.02) ? NaN : r.float() * 4 - 2;
    const where = r.int(0, 9);
    if (where === 0) data = this.memory.place(data, r);
    if (where === 1 && this.returned.length > 0) {
      // Over the bytes of an earlier tensor, in either dtype: aliasing across element types.
      const fits = (v: unknown) =>
        v instanceof nndl.Tensor && v.data.byteLength > 0 && v.data.byteLength >= data.byteLength && v.data.byteOffset % 8 === 0;
      const earlier = this.returned.find(fits) as nndl.Tensor | undefined;
      if (earlier) data = new type(earlier.data.buffer, earlier.data.byteOffset, size);
    }
    return new nndl.Tensor(data, shape);
  }

  private labels(): unknown {
    const r = this.rand;
    // Out of range, but never a size that would allocate: any array here may also land where a shape goes,
    // and 0x7fffff00 elements is a valid 8 GB tensor (the addon's tests and the raw fuzz run hold that value).
    const values = Array.from({ length: r.int(0, 4) }, () => (r.chance(0.1) ? r.pick([-1, 4, 2 ** 32 + 1, 1.5, NaN]) : r.int(0, 3)));
    switch (r.int(0, 3)) {
      case 0:
        return values;
      case 1:
        return Uint8Array.from(values);
      case 2:
        return this.memory.place(Int32Array.from(values), r);
      default:
        return Int32Array.from(values);
    }
  }

  private bytes(): Uint8Array {
    const r = this.rand;
    // Encodings returned earlier (safetensors), or small pickles: {} and [1, 2] (protocol 2).
    const earlier = r.chance(0.5)
      ? (this.returned.find((v) => v instanceof Uint8Array) as Uint8Array | undefined)
      : r.pick([Uint8Array.from([0x80, 2, 0x7d, 0x71, 0, 0x2e]), Uint8Array.from([0x80, 2, 0x5d, 0x71, 0, 0x28, 0x4b, 1, 0x4b, 2, 0x65, 0x2e])]);
    if (earlier && r.chance(0.7)) {
      // With a few bytes changed, or none.
      const b = Uint8Array.from(earlier);
      for (let k = r.int(0, 3); k > 0 && b.length > 0; k--) b[r.int(0, b.length - 1)] = r.int(0, 255);
      return b;
    }
    return Uint8Array.from({ length: r.int(0, 64) }, () => r.int(0, 255));
  }
}

/** A copy of `data` at byte `offset` of `buffer`. */
function copyInto(data: Float32Array | Float64Array, buffer: ArrayBuffer, offset: number): Float32Array | Float64Array {
  const copy = new (data.constructor as Float64ArrayConstructor)(buffer, offset, data.length);
  copy.set(data);
  return copy;
}

function describeArg(v: unknown): string {
  if (v instanceof nndl.Tensor) {
    const shared = v.data.buffer instanceof SharedArrayBuffer ? ' shared' : '';
    return `${v.dtype}[${v.shape.join(', ')}]${shared}`;
  }
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length ?? v.byteLength})`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function' || typeof v === 'symbol') return typeof v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return `{${Object.keys(v).join(', ')}}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
