/**
 * How the cost of W3 (FullyConnectedNet, float32, SGD) grows: time of one
 * Solver step against the bare gemms of the same shapes, over hidden sizes,
 * batch sizes and depths, and real epochs over growing training sets.
 * Prints one JSON line (run by bench.ts).
 *
 *   node dist/benchmarks/scaling.js
 */
import { FullyConnectedNet, Solver, Tensor } from '../lib/index';
import { secondsOf, stepFlops, stepGemms } from './ceiling';
import { INPUT_DIM, SMOKE, SPEC, cifarShaped, type Split } from './workloads';

const W3 = SPEC.workloads.W3;
const TIMED_STEPS = SMOKE ? 3 : 20;
const REPEATS = SMOKE ? 1 : 3;

export interface ScalingPoint {
  series: 'hidden' | 'batch' | 'depth';
  hidden: number[];
  batch: number;
  stepSeconds: number;
  gemmSeconds: number;
  stepGflops: number;
  gemmGflops: number;
  epochSeconds: number;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** Seconds per Solver step over TIMED_STEPS steps after warm-up; the first check is outside the timed span. */
function solverStep(data: Split, hidden: number[], batch: number): number {
  const model = new FullyConnectedNet(hidden, { weightScale: W3.weightScale, dtype: 'float32', rng: 0 });
  const warm = 3;
  let t0 = 0n;
  let seconds = 0;
  const s: Solver = new Solver(model, { XTrain: data.X, yTrain: data.y, XVal: data.X, yVal: data.y }, {
    optimConfig: { learningRate: W3.learningRate }, batchSize: batch, numEpochs: 1, numTrainSamples: 100,
    numValSamples: 100, verbose: false, rng: 1,
    onIteration: (e) => {
      if (e.iteration === warm) t0 = process.hrtime.bigint();
      if (e.iteration === warm + TIMED_STEPS) {
        seconds = Number(process.hrtime.bigint() - t0) / 1e9 / TIMED_STEPS;
        s.stop();
      }
    },
  });
  s.train();
  return seconds;
}

function point(data: Split, series: ScalingPoint['series'], hidden: number[], batch: number): ScalingPoint {
  const dims = [INPUT_DIM, ...hidden, SPEC.data.classes];
  const gemms = stepGemms(dims, batch, 'float32');
  const steps: number[] = [];
  const gemm: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    steps.push(solverStep(data, hidden, batch));
    gemm.push(secondsOf(gemms, TIMED_STEPS) / TIMED_STEPS);
  }
  const stepSeconds = median(steps);
  const gemmSeconds = median(gemm);
  const flops = stepFlops(dims, batch);
  return {
    series, hidden, batch, stepSeconds, gemmSeconds,
    stepGflops: flops / stepSeconds / 1e9, gemmGflops: flops / gemmSeconds / 1e9,
    epochSeconds: stepSeconds * Math.floor(SPEC.data.train / batch),
  };
}

/** Real Solver epochs (training time, checks excluded) over the first n examples. */
function epochOver(data: Split, n: number): { n: number; epochSeconds: number } {
  const Xn = new Tensor(data.X.data.subarray(0, n * INPUT_DIM), [n, INPUT_DIM]);
  const runs: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    let seconds = 0;
    const model = new FullyConnectedNet(W3.hidden, { weightScale: W3.weightScale, dtype: 'float32', rng: 0 });
    new Solver(model, { XTrain: Xn, yTrain: data.y.subarray(0, n), XVal: Xn, yVal: data.y.subarray(0, n) }, {
      optimConfig: { learningRate: W3.learningRate }, batchSize: W3.batch, numEpochs: 1, numTrainSamples: 100,
      numValSamples: 100, verbose: false, rng: 1, onEpoch: (e) => { seconds += e.seconds; },
    }).train();
    runs.push(seconds);
  }
  return { n, epochSeconds: median(runs) };
}

function main(): void {
  const data = cifarShaped(SPEC.data.train, 'float32');
  const points: ScalingPoint[] = [];
  for (const h of SMOKE ? [50] : [50, 100, 200, 500, 1000]) points.push(point(data, 'hidden', [h, h], W3.batch));
  for (const b of SMOKE ? [32] : [32, 64, 128, 256, 512, 1024]) points.push(point(data, 'batch', W3.hidden, b));
  for (let depth = 1; depth <= (SMOKE ? 1 : 5); depth++) points.push(point(data, 'depth', Array(depth).fill(100), W3.batch));
  const epochs = [8, 4, 2, 1].map((k) => epochOver(data, SPEC.data.train / k));
  console.log(JSON.stringify({ scaling: points, epochs }));
}

main();
