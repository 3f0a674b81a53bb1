/**
 * nndl on a workload of workloads.json, in its own process like every peer,
 * with the gemm ceiling of the same run timed in the same process; prints
 * one JSON line (see workloads.ts).
 *
 *   node dist/benchmarks/nndl-runner.js W1|W2|W3|W4 [--bytes]
 *   node dist/benchmarks/nndl-runner.js W5 [--iterations K]
 *
 * --bytes trains W2 and W3 from uint8 pixels (ByteImages) instead of arrays
 * of the workload's dtype. --iterations times W5 over K iterations instead of
 * the workload's.
 */
import {
  FullyConnectedNet, Sequential, Solver, StandaloneTwoLayerNet, TwoLayerNet, affineBackward, affineForward, blasInfo, empty,
  reluBackward, reluForward, softmaxLoss, svmLoss, type Model,
} from '../lib/index';
import { native } from '../lib/native';
import { NumpyRandomState } from '../lib/random';
import { forwardGemms, layerGemms, secondsOf, stepGemms } from './ceiling';
import { measureAll } from './harness';
import {
  INPUT_DIM, SPEC, cifarBytes, emit, workloadData, type LayersWorkload, type RunnerResult, type SolverWorkload, type StandaloneWorkload,
} from './workloads';

/** Epochs of W2/W3 per process, each paired with its ceiling. */
const EPOCHS = 3;

function standalone(w: StandaloneWorkload): RunnerResult {
  const { train, val } = workloadData(w.dtype);
  const rows = (t: typeof train.X) => t.reshape(t.shape[0], INPUT_DIM);
  const net = new StandaloneTwoLayerNet(INPUT_DIM, w.hidden[0], SPEC.data.classes, { std: w.std, dtype: w.dtype, rng: 0 });
  const t0 = process.hrtime.bigint();
  net.train(rows(train.X), train.y, rows(val.X), val.y, {
    learningRate: w.learningRate, learningRateDecay: w.lrDecay, reg: w.reg, numIters: w.iterations, batchSize: w.batch, rng: 1,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // The same gemms: every step, and the per-epoch checks (a forward pass over the batch and the validation set).
  const dims = [INPUT_DIM, ...w.hidden, SPEC.data.classes];
  const checks = Math.ceil(w.iterations / Math.max(SPEC.data.train / w.batch, 1));
  const check = forwardGemms(dims, w.batch + SPEC.data.val, w.dtype);
  const gemmSeconds = secondsOf(stepGemms(dims, w.batch, w.dtype), w.iterations) + secondsOf(check, checks);
  return { peer: 'nndl', seconds, iterations: w.iterations, gemmSeconds };
}

/**
 * Solver epochs, each step followed by the gemm calls it needed, timed
 * alone: this machine's speed drifts by half within seconds, so the ceiling
 * is measured beside every step and the ratio is of two sums taken over the
 * same moments. The time spent in those calls is taken out of the epoch.
 * From bytes, the pixels stay uint8 and each minibatch is converted as it is
 * gathered.
 */
function solver(w: SolverWorkload, bytes: boolean): RunnerResult {
  const { train, val } = bytes
    ? { train: cifarBytes(SPEC.data.train), val: cifarBytes(SPEC.data.val) }
    : workloadData(w.dtype);
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
    gemmSeconds: median(ceilings), epochs, ceilings, ratios: epochs.map((e, i) => e / ceilings[i]),
  };
}

/**
 * Solver steps of a layer list (W5), each followed by its gemms timed alone,
 * over `timed` iterations after two (the first is followed by an accuracy
 * check); both sums scaled to the epoch.
 */
function layers(w: LayersWorkload, timed: number): RunnerResult {
  const { train, val } = workloadData(w.dtype);
  const model = new Sequential(w.layers, { inputShape: SPEC.data.shape, dtype: w.dtype, rng: 0 });
  const iterationsPerEpoch = Math.floor(SPEC.data.train / w.batch);
  const gemms = layerGemms(w.layers, SPEC.data.shape, w.batch, w.dtype);
  secondsOf(gemms, 1);
  const warmup = 2;
  let steps = 0;
  let ceiling = 0;
  let last = 0n;
  const solver = new Solver(model, { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y }, {
    updateRule: 'sgd', optimConfig: { learningRate: w.learningRate }, batchSize: w.batch, numEpochs: 1,
    numTrainSamples: 100, numValSamples: 100, verbose: false, rng: 1,
    onIteration: (e) => {
      const now = process.hrtime.bigint();
      if (e.iteration > warmup) steps += Number(now - last) / 1e9;
      if (e.iteration === warmup + timed) {
        solver.stop();
        return;
      }
      if (e.iteration >= warmup) {
        const t0 = process.hrtime.bigint();
        gemms();
        ceiling += Number(process.hrtime.bigint() - t0) / 1e9;
      }
      last = process.hrtime.bigint();
    },
  });
  solver.train();
  const scale = iterationsPerEpoch / timed;
  return {
    peer: 'nndl', seconds: steps * scale, iterations: timed, iterationsPerEpoch, gemmSeconds: ceiling * scale,
    ratios: [steps / ceiling], layers: w.layers,
  };
}

function kernels(): RunnerResult {
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

function main(): void {
  const name = process.argv[2];
  let result: RunnerResult;
  if (name === 'W4') {
    result = kernels();
  } else if (name === 'W1' || name === 'W2' || name === 'W3') {
    const w = SPEC.workloads[name];
    result = w.kind === 'standalone' ? standalone(w) : solver(w, process.argv[3] === '--bytes');
  } else if (name === 'W5') {
    const w = SPEC.workloads.W5;
    const k = process.argv[3] === '--iterations' ? Number(process.argv[4]) : w.iterations;
    if (!Number.isSafeInteger(k) || k < 1) throw new Error(`nndl-runner: expected a positive number of iterations but received ${process.argv[4]}`);
    result = layers(w, k);
  } else {
    throw new Error(`nndl-runner: expected W1, W2, W3, W4 or W5 but received ${name}`);
  }
  emit({ ...result, blas: [blasInfo()] });
}

main();
