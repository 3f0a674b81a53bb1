/**
 * Loads the addon on first use (a source build, the prebuilt binary shipped
 * in the package, or the file named by NNDL_ADDON), and types its functions. The functions take typed
 * arrays plus dimensions and write their outputs into arrays the caller
 * allocated; they re-check every length so calling them directly is safe, but
 * the friendly messages come from the TypeScript layer.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { EngineInfo } from './engine';
import type { FloatArray } from './tensor';

export interface NativeBinding {
  affineForward(x: FloatArray, w: FloatArray, b: FloatArray, out: FloatArray, n: number, d: number, m: number): void;
  affineBackward(
    dout: FloatArray, x: FloatArray, w: FloatArray,
    dx: FloatArray | null, dw: FloatArray, db: FloatArray,
    n: number, d: number, m: number,
  ): void;
  affineReluForward(x: FloatArray, w: FloatArray, b: FloatArray, out: FloatArray, n: number, d: number, m: number): void;
  affineReluBackward(
    dout: FloatArray, x: FloatArray, w: FloatArray, out: FloatArray,
    dx: FloatArray | null, dw: FloatArray, db: FloatArray,
    n: number, d: number, m: number,
  ): void;
  affineBackwardSgd(
    dout: FloatArray, x: FloatArray, w: FloatArray, b: FloatArray, dx: FloatArray | null,
    n: number, d: number, m: number, learningRate: number, reg: number,
  ): void;
  affineReluBackwardSgd(
    dout: FloatArray, x: FloatArray, w: FloatArray, b: FloatArray, out: FloatArray, dx: FloatArray | null,
    n: number, d: number, m: number, learningRate: number, reg: number,
  ): void;
  reluForward(x: FloatArray, out: FloatArray): void;
  reluBackward(dout: FloatArray, x: FloatArray, dx: FloatArray): void;
  leakyReluForward(x: FloatArray, out: FloatArray, alpha: number): void;
  leakyReluBackward(dout: FloatArray, x: FloatArray, dx: FloatArray, alpha: number): void;
  sigmoidForward(x: FloatArray, out: FloatArray): void;
  sigmoidBackward(dout: FloatArray, out: FloatArray, dx: FloatArray): void;
  tanhForward(x: FloatArray, out: FloatArray): void;
  tanhBackward(dout: FloatArray, out: FloatArray, dx: FloatArray): void;
  softmaxLoss(x: FloatArray, y: Int32Array, dx: FloatArray, n: number, c: number): number;
  svmLoss(x: FloatArray, y: Int32Array, dx: FloatArray, n: number, c: number): number;
  softmax(x: FloatArray, out: FloatArray, n: number, c: number): void;
  randomSeed(state: Uint32Array, seed: number): void;
  randomUniform(state: Uint32Array, out: Float64Array): void;
  randomGauss(state: Uint32Array, gauss: Float64Array, out: Float64Array): void;
  randomBounded(state: Uint32Array, out: Int32Array, low: number, range: number): void;
  randomSwaps(state: Uint32Array, out: Int32Array): void;
  sgd(w: FloatArray, dw: FloatArray, out: FloatArray, learningRate: number): void;
  sgdMomentum(w: FloatArray, dw: FloatArray, velocity: FloatArray, out: FloatArray, learningRate: number, momentum: number): void;
  rmsprop(
    w: FloatArray, dw: FloatArray, cache: FloatArray, out: FloatArray,
    learningRate: number, decayRate: number, epsilon: number,
  ): void;
  adam(
    w: FloatArray, dw: FloatArray, m: FloatArray, v: FloatArray, out: FloatArray,
    learningRate: number, beta1: number, beta2: number, epsilon: number, t: number,
  ): void;
  batchnormForwardTrain(
    x: FloatArray, gamma: FloatArray, beta: FloatArray, runningMean: FloatArray, runningVar: FloatArray,
    out: FloatArray, xhat: FloatArray, invStd: FloatArray, n: number, d: number, eps: number, momentum: number,
  ): void;
  batchnormForwardTest(
    x: FloatArray, gamma: FloatArray, beta: FloatArray, runningMean: FloatArray, runningVar: FloatArray,
    out: FloatArray, n: number, d: number, eps: number,
  ): void;
  batchnormBackward(
    dout: FloatArray, xhat: FloatArray, gamma: FloatArray, invStd: FloatArray,
    dx: FloatArray, dgamma: FloatArray, dbeta: FloatArray, n: number, d: number,
  ): void;
  dropoutForward(state: Uint32Array, x: FloatArray, mask: FloatArray, out: FloatArray, p: number): void;
  dropoutBackward(dout: FloatArray, mask: FloatArray, dx: FloatArray): void;
  sumSquares(x: FloatArray): number;
  axpy(alpha: number, x: FloatArray, y: FloatArray): void;
  columnSums(a: FloatArray, out: FloatArray, n: number, m: number): void;
  subtractRowVector(a: FloatArray, v: Float64Array, n: number, m: number): void;
  gatherRows(src: FloatArray, idx: Int32Array, dst: FloatArray, rowLen: number): void;
  gatherByteRows(src: Uint8Array, idx: Int32Array, mean: Float64Array | null, dst: FloatArray, rowLen: number): void;
  gatherRowsAugmented(
    src: FloatArray, idx: Int32Array, dst: FloatArray, channels: number, height: number, width: number, pad: number,
    shifts: Int32Array, flips: Uint8Array,
  ): void;
  gatherByteRowsAugmented(
    src: Uint8Array, idx: Int32Array, mean: Float64Array | null, dst: FloatArray, channels: number, height: number, width: number,
    pad: number, shifts: Int32Array, flips: Uint8Array,
  ): void;
  pixelMean(src: Uint8Array, first: number, count: number, channels: number, plane: number, hwc: boolean, mean: Float64Array): void;
  pixelsToFloat(
    src: Uint8Array, first: number, count: number, channels: number, plane: number, hwc: boolean,
    mean: Float64Array | null, dst: FloatArray,
  ): void;
  blasInfo(): { library: string; config: string | null; corename: string | null; threads: number | null };
  engineInfo(): EngineInfo;
  setThreads(n: number): void;
  adviseHugePages(array: FloatArray | Uint8Array): boolean;
  cholesky(a: FloatArray, n: number): number;
  choleskySolve(l: FloatArray, b: FloatArray, n: number, m: number): void;
  symmetricEigen(a: FloatArray, w: FloatArray, n: number): void;
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: FloatArray, b: FloatArray, beta: number, c: FloatArray,
  ): void;
  convForward(
    x: FloatArray, w: FloatArray, b: FloatArray, out: FloatArray,
    n: number, c: number, h: number, width: number, f: number, hh: number, ww: number, stride: number, pad: number,
  ): void;
  convBackward(
    dout: FloatArray, x: FloatArray, w: FloatArray, dx: FloatArray | null, dw: FloatArray, db: FloatArray,
    n: number, c: number, h: number, width: number, f: number, hh: number, ww: number, stride: number, pad: number,
  ): void;
  convReluForward(
    x: FloatArray, w: FloatArray, b: FloatArray, out: FloatArray,
    n: number, c: number, h: number, width: number, f: number, hh: number, ww: number, stride: number, pad: number,
  ): void;
  convReluBackward(
    dout: FloatArray, x: FloatArray, w: FloatArray, out: FloatArray, dx: FloatArray | null, dw: FloatArray, db: FloatArray,
    n: number, c: number, h: number, width: number, f: number, hh: number, ww: number, stride: number, pad: number,
  ): void;
  convReluPoolForward(
    x: FloatArray, w: FloatArray, b: FloatArray, out: FloatArray, argmax: Int32Array,
    n: number, c: number, h: number, width: number, f: number, hh: number, ww: number, stride: number, pad: number,
    poolHeight: number, poolWidth: number, poolStride: number,
  ): void;
  convReluPoolBackward(
    dout: FloatArray, x: FloatArray, w: FloatArray, out: FloatArray, argmax: Int32Array,
    dx: FloatArray | null, dw: FloatArray, db: FloatArray,
    n: number, c: number, h: number, width: number, f: number, hh: number, ww: number, stride: number, pad: number,
    poolHeight: number, poolWidth: number, poolStride: number,
  ): void;
  maxPoolForward(
    x: FloatArray, out: FloatArray, argmax: Int32Array,
    n: number, c: number, h: number, w: number, poolHeight: number, poolWidth: number, poolStride: number,
  ): void;
  maxPoolBackward(
    dout: FloatArray, argmax: Int32Array, dx: FloatArray,
    n: number, c: number, h: number, w: number, poolHeight: number, poolWidth: number, poolStride: number,
  ): void;
  spatialBatchnormForwardTrain(
    x: FloatArray, gamma: FloatArray, beta: FloatArray, runningMean: FloatArray, runningVar: FloatArray,
    out: FloatArray, mean: FloatArray, invStd: FloatArray, n: number, c: number, hw: number, eps: number, momentum: number,
  ): void;
  spatialBatchnormForwardTest(
    x: FloatArray, gamma: FloatArray, beta: FloatArray, runningMean: FloatArray, runningVar: FloatArray,
    out: FloatArray, n: number, c: number, hw: number, eps: number,
  ): void;
  spatialBatchnormBackward(
    dout: FloatArray, x: FloatArray, gamma: FloatArray, mean: FloatArray, invStd: FloatArray,
    dx: FloatArray, dgamma: FloatArray, dbeta: FloatArray, n: number, c: number, hw: number,
  ): void;
}

/** The package root: the nearest directory above this file holding package.json. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(__dirname, '..');
    dir = parent;
  }
  return dir;
}

/**
 * The addon to load: NNDL_ADDON when set, else what node-gyp-build finds in
 * the package, a source build (build/Release) before the prebuilt binary of
 * this platform (prebuilds/<platform>-<arch>/). Throws when there is neither.
 */
export function addonPath(): string {
  if (process.env.NNDL_ADDON) return process.env.NNDL_ADDON;
  const root = packageRoot();
  try {
    return (require('node-gyp-build') as { path(dir: string): string }).path(root);
  } catch {
    throw new Error(
      `nndl: no native addon for ${process.platform}-${process.arch} (no build/Release/nndl.node and no prebuilt binary ` +
        `in ${path.join(root, 'prebuilds')}). Build it with \`npm rebuild nndl\`, which needs cmake, a C++17 compiler and ` +
        'OpenBLAS (Debian/Ubuntu: apt-get install cmake g++ libopenblas-dev; Homebrew: brew install cmake openblas).',
    );
  }
}

/**
 * Shared libraries the addon links, and the packages that provide them: when
 * one is missing (a prebuilt binary on a machine without it), the load error
 * names the package to install instead of the dynamic loader's message.
 */
const RUNTIME_LIBRARIES = [
  { file: 'libopenblas', debian: 'libopenblas0', homebrew: 'openblas', what: 'the OpenBLAS runtime library' },
  { file: 'libdnnl', debian: 'libdnnl2', homebrew: 'onednn', what: 'the oneDNN runtime library' },
  { file: 'libgomp', debian: 'libgomp1', homebrew: 'gcc', what: 'the GNU OpenMP runtime library' },
] as const;

/** One line saying why the addon at `file` did not load and what to do. */
function loadFailure(file: string, err: Error): Error {
  const message = err.message ?? String(err);
  const missing = RUNTIME_LIBRARIES.find((lib) => message.includes(`${lib.file}.`) && /cannot open shared object|Library not loaded|image not found/.test(message));
  if (missing) {
    return new Error(
      `nndl: the native addon needs ${missing.what}: install ${missing.debian} (Debian/Ubuntu: apt-get install ${missing.debian}) ` +
        `or ${missing.homebrew} (Homebrew: brew install ${missing.homebrew})`,
      { cause: err },
    );
  }
  return new Error(
    `nndl: the native addon at ${file} failed to load: ${message.split('\n')[0]}. Rebuild it with \`npm rebuild nndl\` ` +
      '(needs cmake, a C++17 compiler and OpenBLAS).',
    { cause: err },
  );
}

/**
 * How long oneDNN's OpenMP threads spin between parallel regions before they
 * sleep, unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT. GNU OpenMP
 * reads it once, when the addon loads it, and by default spins 300,000
 * times (milliseconds): on a machine with more runnable threads than cores,
 * each region then waits for a team thread the spinning one keeps off its
 * core, and a W3 step took 70 ms instead of 2 to 6 on the loaded 2-core VM
 * (OpenBLAS: 5 to 6; 3,000 spins: 2.5 to 7; 10,000: 4 to 10; 30,000: 13 to
 * 17, measured in turns). The same spinning slowed OpenBLAS calls that follow
 * oneDNN ones in a process that uses both. 3,000 spins still bridge the
 * gaps between the products of one step.
 */
export const OPENMP_SPIN = '3000';

let loaded: NativeBinding | undefined;

export function native(): NativeBinding {
  if (loaded) return loaded;
  const file = addonPath();
  if (!fs.existsSync(file)) throw new Error(`nndl: the native addon ${file} does not exist (NNDL_ADDON names it)`);
  if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) process.env.GOMP_SPINCOUNT = OPENMP_SPIN;
  try {
    loaded = require(file) as NativeBinding;
  } catch (err) {
    // The addon's own refusals (an OPENBLAS_CORETYPE this processor cannot run) say what to do already.
    if ((err as Error).message?.startsWith('nndl:')) throw err;
    throw loadFailure(file, err as Error);
  }
  return loaded;
}
