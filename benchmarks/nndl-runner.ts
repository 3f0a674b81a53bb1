/**
 * nndl on a workload of workloads.json, in its own process like every peer,
 * with the gemm ceiling of the same run timed in the same process; prints
 * one JSON line (see workloads.ts). float32 runs on the engine NNDL_ENGINE
 * picks (oneDNN when built in), float64 on OpenBLAS.
 *
 *   node dist/benchmarks/nndl-runner.js W1|W2|W3|W4|W5 [--bytes] [--iterations K]
 *
 * --bytes trains W2 and W3 from uint8 pixels (ByteImages) instead of arrays
 * of the workload's dtype. --iterations times K steps of W5 instead of the
 * workload's.
 */
import {
  FullyConnectedNet, Sequential, Solver, StandaloneTwoLayerNet, TwoLayerNet, affineBackward, affineForward, blasInfo, empty,
  engineInfo, reluBackward, reluForward, softmaxLoss, svmLoss, type Model,
} from '../lib/index';
import { native } from '../lib/native';
import { NumpyRandomState } from '../lib/random';
import { layerProducts, secondsOf, standaloneForwardGemms, standaloneStepGemms, stepGemms } from './ceiling';
import { measureAll } from './harness';
import {
  INPUT_DIM, SPEC, emit, workloadBytes, workloadData, type KernelResult, type LayersWorkload, type RunnerResult,
  type SolverWorkload, type StandaloneWorkload, type TrainingResult,
} from './workloads';

/** Epochs of W2/W3 per process, each paired with its ceiling. */
const EPOCHS = 3;

async function standalone(w: StandaloneWorkload): Promise<TrainingResult> {
  const { train, val } = await workloadData(w.dtype, 'rows');
  const net = new StandaloneTwoLayerNet(INPUT_DIM, w.hidden[0], SPEC.data.classes, { std: w.std, dtype: w.dtype, rng: 0 });
  const t0 = process.hrtime.bigint();
  net.train(train.X, train.y, val.X, val.y, {
    learningRate: w.learningRate, learningRateDecay: w.lrDecay, reg: w.reg, numIters: w.iterations, batchSize: w.batch, rng: 1,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // The same gemm calls: every step's, and the per-epoch checks' (predict on the minibatch and on the validation set).
  const dims = [INPUT_DIM, w.hidden[0], SPEC.data.classes] as const;
  const checks = Math.ceil(w.iterations / Math.max(SPEC.data.train / w.batch, 1));
  const checkBatch = standaloneForwardGemms(dims, w.batch, w.dtype);
  const checkVal = standaloneForwardGemms(dims, SPEC.data.val, w.dtype);
  const gemmSeconds =
    secondsOf(standaloneStepGemms(dims, w.batch, w.dtype), w.iterations) + secondsOf(checkBatch, checks) + secondsOf(checkVal, checks);
  return { peer: 'nndl', seconds, iterations: w.iterations, gemmSeconds, dtype: w.dtype };
}

/**
 * Solver epochs, each step followed by the gemm calls it needed, timed
 * alone: this machine's speed drifts by half within seconds, so the ceiling
 * is measured beside every step and the ratio is of two sums taken over the
 * same moments. The time spent in those calls is taken out of the epoch.
 * From bytes, the pixels stay uint8 and each minibatch is converted as it is
 * gathered.
 */
async function solver(w: SolverWorkload, bytes: boolean): Promise<TrainingResult> {
  const { train, val } = bytes ? await workloadBytes() : await workloadData(w.dtype);
  const model: Model =
    w.model === 'two-layer'
      ? new TwoLayerNet({ hiddenDims: w.hidden[0], weightScale: w.weightScale, dtype: w.dtype, rng: 0 })
      : new FullyConnectedNet(w.hidden, { weightScale: w.weightScale, dtype: w.dtype, rng: 0 });
  const iterations = Math.floor(SPEC.data.train / w.batch);
  const gemms = stepGemms([INPUT_DIM, ...w.hidden, SPEC.data.classes], w.batch, w.dtype);
  secondsOf(gemms, 5);
  const epochs: number[] = [];
  const ceilings: number[] = [];
  // Training time only: an epoch's seconds are those since the previous check
  // (the first epoch's include its first iteration, checked on its own), less
  // the ceiling's steps run between iterations.
  let pending = 0;
  let ceiling = 0;
  let injected = 0;
  new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y }, {
    updateRule: 'sgd', optimConfig: { learningRate: w.learningRate }, batchSize: w.batch, numEpochs: EPOCHS,
    numTrainSamples: 200, numValSamples: 200, verbose: false, rng: 1,
    onIteration: () => {
      const t0 = process.hrtime.bigint();
      gemms();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      ceiling += seconds;
      injected += seconds;
    },
    onEpoch: (e) => {
      pending += e.seconds - injected;
      injected = 0;
      if (e.epoch === 0) return;
      epochs.push(pending);
      ceilings.push(ceiling);
      pending = 0;
      ceiling = 0;
    },
  }).train();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    peer: bytes ? 'nndl-u8' : 'nndl', seconds: median(epochs), iterations, iterationsPerEpoch: iterations,
    gemmSeconds: median(ceilings), epochs, ceilings, ratios: epochs.map((e, i) => e / ceilings[i]), dtype: w.dtype,
  };
}

/** Untimed steps before W5's timed ones: the first is followed by the Solver's first accuracy check. */
const LAYERS_WARMUP = 2;

/**
 * Solver steps of a layer list (W5), each followed by its ceiling timed
 * alone, as W2/W3's are; `timed` steps after LAYERS_WARMUP, both sums scaled
 * to the epoch. The ceiling is what the engine runs: on OpenBLAS the gemms of
 * the convolutions' im2col lowering; on oneDNN its convolution primitives
 * (through the layers' native calls), with the im2col gemms on oneDNN's gemm
 * timed beside them for comparison. Affine layers count their gemms on both.
 */
async function layers(w: LayersWorkload, timed: number): Promise<TrainingResult> {
  const { train, val } = await workloadData(w.dtype);
  const model = new Sequential(w.layers, { inputShape: SPEC.data.shape, weightScale: w.weightScale, dtype: w.dtype, rng: 0 });
  const iterationsPerEpoch = Math.floor(SPEC.data.train / w.batch);
  if (LAYERS_WARMUP + timed >= iterationsPerEpoch) {
    throw new Error(`nndl-runner: ${LAYERS_WARMUP} + ${timed} steps of ${w.batch} do not fit in one epoch of ${SPEC.data.train} examples, whose end runs an accuracy check`);
  }
  const onednn = w.dtype === 'float32' && engineInfo().engine === 'onednn';
  const ceiling = layerProducts(w.layers, SPEC.data.shape, w.batch, w.dtype, onednn ? 'calls' : 'im2col');
  const im2col = onednn ? layerProducts(w.layers, SPEC.data.shape, w.batch, w.dtype, 'im2col') : undefined;
  secondsOf(ceiling, 1);
  if (im2col) secondsOf(im2col, 1);
  const timer = (fn: () => void) => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  let steps = 0;
  let ceilingSeconds = 0;
  let im2colSeconds = 0;
  let counted = 0;
  let last = 0n;
  const solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y }, {
    updateRule: 'sgd', optimConfig: { learningRate: w.learningRate }, batchSize: w.batch, numEpochs: 1,
    numTrainSamples: 100, numValSamples: 100, verbose: false, rng: 1,
    // A step's time runs from the end of the previous iteration's ceiling to this callback.
    onIteration: (e) => {
      if (e.iteration > LAYERS_WARMUP) {
        steps += Number(process.hrtime.bigint() - last) / 1e9;
        counted++;
      }
      if (counted === timed) {
        solver.stop();
        return;
      }
      if (e.iteration >= LAYERS_WARMUP) {
        ceilingSeconds += timer(ceiling);
        if (im2col) im2colSeconds += timer(im2col);
      }
      last = process.hrtime.bigint();
    },
  });
  solver.train();
  if (counted !== timed) throw new Error(`nndl-runner: timed ${counted} steps of W5 instead of ${timed}`);
  const scale = iterationsPerEpoch / timed;
  return {
    peer: 'nndl', seconds: steps * scale, iterations: timed, iterationsPerEpoch, gemmSeconds: ceilingSeconds * scale,
    ratios: [steps / ceilingSeconds], dtype: w.dtype,
    ceiling: onednn
      ? "oneDNN's convolution primitives as the conv layers' native calls run them (reorders to and from NCHW and the bias pass included), and the affine layers' gemms"
      : "the gemms of the convolutions' im2col lowering (without the unfolding), and the affine layers' gemms",
    ...(im2col ? { im2colSeconds: im2colSeconds * scale } : {}),
  };
}

/** The value of --iterations, else the workload's. */
function iterationsArg(w: LayersWorkload): number {
  const at = process.argv.indexOf('--iterations');
  if (at < 0) return w.iterations;
  const k = Number(process.argv[at + 1]);
  if (!Number.isSafeInteger(k) || k < 1) throw new Error(`nndl-runner: expected a positive integer after --iterations but received ${process.argv[at + 1]}`);
  return k;
}

function kernels(): KernelResult {
  const k = SPEC.kernels;
  const rng = new NumpyRandomState(0);
  const addon = native();
  const fns: Record<string, () => void> = {};
  for (const dtype of k.dtypes) {
    const x = rng.standardNormal([k.batch, k.inputDim], dtype);
    for (const m of k.outputs) {
      const w = rng.standardNormal([k.inputDim, m], dtype);
      const b = rng.standardNormal([m], dtype);
      const dout = rng.standardNormal([k.batch, m], dtype);
      const out = empty([k.batch, m], dtype);
      const grads = { dx: empty([k.batch, k.inputDim], dtype), dw: empty([k.inputDim, m], dtype), db: empty([m], dtype) };
      const [, cache] = affineForward(x, w, b);
      const shape = `${k.inputDim}x${m} ${dtype}`;
      fns[`affine forward ${shape}`] = () => affineForward(x, w, b, { out });
      fns[`affine backward ${shape}`] = () => affineBackward(dout, cache, grads);
      fns[`gemm of affine forward ${shape}`] = () => addon.gemm(false, false, k.batch, m, k.inputDim, 1, x.data, w.data, 0, out.data);
      fns[`gemms of affine backward ${shape}`] = () => {
        addon.gemm(false, true, k.batch, k.inputDim, m, 1, dout.data, w.data, 0, grads.dx.data);
        addon.gemm(true, false, k.inputDim, m, k.batch, 1, x.data, dout.data, 0, grads.dw.data);
      };
    }
    const dx = rng.standardNormal([k.batch, k.inputDim], dtype);
    const reluOut = empty(x.shape, dtype);
    const reluDx = empty(x.shape, dtype);
    fns[`relu forward ${k.batch}x${k.inputDim} ${dtype}`] = () => reluForward(x, { out: reluOut });
    fns[`relu backward ${k.batch}x${k.inputDim} ${dtype}`] = () => reluBackward(dx, x, { dx: reluDx });
    const scores = rng.standardNormal([k.batch, k.classes], dtype);
    const y = rng.randint(0, k.classes, k.batch);
    const dscores = empty(scores.shape, dtype);
    fns[`softmax loss ${k.batch}x${k.classes} ${dtype}`] = () => softmaxLoss(scores, y, { dx: dscores });
    fns[`svm loss ${k.batch}x${k.classes} ${dtype}`] = () => svmLoss(scores, y, { dx: dscores });
  }
  return { peer: 'nndl', kernels: measureAll(fns) };
}

async function main(): Promise<void> {
  const name = process.argv[2];
  let result: RunnerResult;
  if (name === 'W4') {
    result = kernels();
  } else if (Object.hasOwn(SPEC.workloads, name)) {
    const w = SPEC.workloads[name];
    const bytes = process.argv.includes('--bytes');
    if (bytes && w.kind !== 'solver') throw new Error(`nndl-runner: --bytes trains the Solver workloads W2 and W3, not ${name}`);
    if (process.argv.includes('--iterations') && w.kind !== 'layers') {
      throw new Error(`nndl-runner: --iterations sets the timed steps of a layer-list workload (W5), not of ${name}`);
    }
    result = w.kind === 'standalone' ? await standalone(w) : w.kind === 'solver' ? await solver(w, bytes) : await layers(w, iterationsArg(w));
  } else {
    throw new Error(`nndl-runner: expected W4 or a workload of workloads.json (${Object.keys(SPEC.workloads).join(', ')}) but received ${name}`);
  }
  emit({ ...result, blas: [blasInfo()], engine: engineInfo() });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
