/**
 * Loads the compiled addon (build/Release/nndl.node, or the file named by
 * NNDL_ADDON) on first use, and types its functions. The functions take typed
 * arrays plus dimensions and write their outputs into arrays the caller
 * allocated; they re-check every length so calling them directly is safe, but
 * the friendly messages come from the TypeScript layer.
 */
import fs from 'node:fs';
import path from 'node:path';

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
  setBlasThreads(n: number): void;
  adviseHugePages(array: FloatArray | Uint8Array): boolean;
  cholesky(a: FloatArray, n: number): number;
  choleskySolve(l: FloatArray, b: FloatArray, n: number, m: number): void;
  symmetricEigen(a: FloatArray, w: FloatArray, n: number): void;
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: FloatArray, b: FloatArray, beta: number, c: FloatArray,
  ): void;
}

const BUILD_HINT =
  'Build it with `npm run build:native` (needs cmake, a C++17 compiler and OpenBLAS: ' +
  '`apt-get install cmake g++ libopenblas-dev` on Debian/Ubuntu, `brew install cmake openblas` on macOS), ' +
  'or run `bash scripts/setup.sh`, which installs what is missing and builds everything.';

/** The package root: the nearest directory above this file holding package.json. */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(__dirname, '..');
    dir = parent;
  }
  return dir;
}

export function addonPath(): string {
  return process.env.NNDL_ADDON || path.join(packageRoot(), 'build', 'Release', 'nndl.node');
}

let loaded: NativeBinding | undefined;

export function native(): NativeBinding {
  if (loaded) return loaded;
  const file = addonPath();
  if (!fs.existsSync(file)) {
    throw new Error(`nndl: the native addon is not built (no ${file}). ${BUILD_HINT}`);
  }
  try {
    loaded = require(file) as NativeBinding;
  } catch (err) {
    // The addon's own refusals (an OPENBLAS_CORETYPE this processor cannot run) say what to do already.
    if ((err as Error).message?.startsWith('nndl:')) throw err;
    throw new Error(`nndl: the native addon at ${file} failed to load: ${(err as Error).message}. ${BUILD_HINT}`, {
      cause: err,
    });
  }
  return loaded;
}
