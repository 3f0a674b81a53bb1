/**
 * Training speed: seconds per epoch over 49,000 CIFAR-shaped examples with
 * the Solver, against the time of the gemm calls one epoch needs (timed alone
 * in the same process with the same BLAS). Target: the epoch within 1.3x of
 * its gemms, so sampling, losses and updates do not dominate. With plain SGD
 * the Solver fuses each update into the backward pass (model.sgdStep).
 *
 *   npm run bench:train
 */
import { FullyConnectedNet, Solver, TwoLayerNet, type ByteImages, type Model } from '../lib/index';
import { native } from '../lib/native';
import { NumpyRandomState } from '../lib/random';
import { empty, type DType, type Tensor } from '../lib/tensor';
import { fmt, machine, table, writeResults } from './harness';
import { SMOKE, SPEC } from './workloads';

const N_TRAIN = SPEC.data.train;
const D = 3 * 32 * 32;
const C = 10;
const ROUNDS = SMOKE ? 1 : 5;

interface Workload {
  name: string;
  hidden: number[];
  batch: number;
  dtype: DType;
  /** Train from the byte images (converted per minibatch) instead of float32 data. */
  bytes?: boolean;
  make: () => Model;
}

const WORKLOADS: Workload[] = [
  {
    name: 'TwoLayerNet H=200, batch 100, float64 (the Solver notebook run)',
    hidden: [200], batch: 100, dtype: 'float64',
    make: () => new TwoLayerNet({ hiddenDims: 200, weightScale: 1e-3, rng: 0 }),
  },
  {
    name: 'FullyConnectedNet [100, 100], batch 200, float32',
    hidden: [100, 100], batch: 200, dtype: 'float32',
    make: () => new FullyConnectedNet([100, 100], { weightScale: 1e-2, rng: 0 }),
  },
  {
    name: 'the same, from uint8 pixels (getCifar10Pixels)',
    hidden: [100, 100], batch: 200, dtype: 'float32', bytes: true,
    make: () => new FullyConnectedNet([100, 100], { weightScale: 1e-2, rng: 0 }),
  },
];

/** CIFAR-shaped inputs: random bytes with their mean, the same as mean-subtracted float32, and labels. */
function data(): { X: Tensor; pixels: ByteImages; y: Int32Array } {
  const rng = new NumpyRandomState(0);
  const bytes = Uint8Array.from(rng.randint(0, 256, N_TRAIN * D));
  const mean = new Float64Array(D).fill(127.5);
  const X = empty([N_TRAIN, 3, 32, 32], 'float32');
  for (let i = 0; i < X.size; i++) X.data[i] = bytes[i] - 127.5;
  return { X, pixels: { data: bytes, shape: [N_TRAIN, 3, 32, 32], mean }, y: rng.randint(0, C, N_TRAIN) };
}

/**
 * Seconds of the gemm calls of one epoch: per iteration, for each affine
 * layer (D_in, D_out), forward x W, and backward dW = x^T dout plus, but for
 * the first layer, dx = dout W^T.
 */
function gemmSecondsPerEpoch(w: Workload, iterations: number): number {
  const dims = [D, ...w.hidden, C];
  const alloc = (n: number) => empty([n], w.dtype).data;
  const layers = dims.slice(1).map((out, i) => {
    const inp = dims[i];
    return { inp, out, x: alloc(w.batch * inp), W: alloc(inp * out), y: alloc(w.batch * out), dW: alloc(inp * out), dx: alloc(w.batch * inp) };
  });
  for (const l of layers) for (const a of [l.x, l.W, l.y]) a.fill(0.01);
  const addon = native();
  const run = () => {
    for (const l of layers) addon.gemm(false, false, w.batch, l.out, l.inp, 1, l.x, l.W, 0, l.y);
    layers.forEach((l, i) => {
      addon.gemm(true, false, l.inp, l.out, w.batch, 1, l.x, l.y, 0, l.dW);
      if (i > 0) addon.gemm(false, true, w.batch, l.inp, l.out, 1, l.y, l.W, 0, l.dx);
    });
  };
  for (let i = 0; i < 10; i++) run();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const { X, pixels, y } = data();
  const rows: Record<string, unknown>[] = [];
  for (const w of WORKLOADS) {
    const iterations = Math.floor(N_TRAIN / w.batch);
    const model = w.make();
    const rng = new NumpyRandomState(1);
    const epochSeconds: number[] = [];
    const gemmSeconds: number[] = [];
    let checksSeconds = 0;
    // Rounds of one Solver epoch then the same epoch's gemms alone, so that
    // noise from other load on the machine falls on both alike.
    for (let round = 0; round < ROUNDS; round++) {
      let seconds = 0;
      const inputs = w.bytes ? pixels : X;
      const solver = new Solver(model, { XTrain: inputs, yTrain: y, XVal: inputs, yVal: y }, {
        updateRule: 'sgd', optimConfig: { learningRate: 1e-4 }, batchSize: w.batch, numEpochs: 1,
        numValSamples: 1000, verbose: false, rng,
        // Seconds since the previous check: the first iteration, then the other 244.
        onEpoch: (e) => {
          seconds += e.seconds;
        },
      });
      const t0 = process.hrtime.bigint();
      solver.train();
      checksSeconds += Number(process.hrtime.bigint() - t0) / 1e9 - seconds;
      epochSeconds.push(seconds);
      gemmSeconds.push(gemmSecondsPerEpoch(w, iterations));
    }
    const epoch = median(epochSeconds);
    const gemm = median(gemmSeconds);
    // Each round's epoch over the gemms timed right after it: steadier than
    // the ratio of medians when the machine's speed drifts between rounds.
    const ratios = epochSeconds.map((e, i) => e / gemmSeconds[i]);
    rows.push({
      workload: w.name, iterationsPerEpoch: iterations,
      epochSeconds: { median: epoch, min: Math.min(...epochSeconds), max: Math.max(...epochSeconds), runs: epochSeconds },
      iterationsPerSecond: iterations / epoch,
      accuracyChecksSecondsPerEpoch: checksSeconds / ROUNDS,
      gemmSecondsPerEpoch: { median: gemm, min: Math.min(...gemmSeconds), max: Math.max(...gemmSeconds), runs: gemmSeconds },
      ratioToGemm: median(ratios),
      ratios,
    });
  }
  console.log(`Solver epochs over ${N_TRAIN} CIFAR-shaped examples, SGD; medians of ${ROUNDS} epochs (accuracy checks excluded); epoch / gemms is the median of the rounds' ratios\n`);
  console.log(
    table(
      ['workload', 's / epoch [min, max]', 'iterations / s', 'gemms alone, s / epoch', 'epoch / gemms'],
      rows.map((r) => {
        const e = r.epochSeconds as { median: number; min: number; max: number };
        const g = r.gemmSecondsPerEpoch as { median: number };
        return [
          r.workload as string, `${fmt(e.median, 2)} [${fmt(e.min, 2)}, ${fmt(e.max, 2)}]`,
          fmt(r.iterationsPerSecond as number, 0), fmt(g.median, 2), `${fmt(r.ratioToGemm as number, 2)}x`,
        ];
      }),
    ),
  );
  const worst = Math.max(...rows.map((r) => r.ratioToGemm as number));
  console.log(`\ntarget: epoch within 1.3x of its gemms: ${worst <= 1.3 ? 'met' : 'MISSED'} (worst ${fmt(worst, 2)}x)`);
  console.log(`wrote ${writeResults('train', { machine: machine(), workloads: rows, target: { ratioAtMost: 1.3, worst, met: worst <= 1.3 } })}`);
}

main();
