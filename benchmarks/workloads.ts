/**
 * The workloads every runner (nndl and its peers) times and the targets they
 * are held to, read from workloads.json so the Python peers use the very same
 * definitions; the data they train on; and the results runners print.
 *
 * The data: the real CIFAR-10 when NNDL_BENCH_DATA names its archive (bench.ts
 * sets it when the archive is present), else CIFAR-shaped generated pixels.
 * NNDL_BENCH_SMOKE=1 shrinks every workload to a few seconds (the smoke run of
 * bench.ts), so the whole benchmark can be checked end to end.
 */
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { EngineInfo } from '../lib/engine';
import type { BlasInfo } from '../lib/blas';
import { getCifar10Data, getCifar10Pixels } from '../lib/data/cifar10';
import type { ByteImages } from '../lib/solver';
import { empty, type DType, type Tensor } from '../lib/tensor';

export interface StandaloneWorkload {
  title: string;
  kind: 'standalone';
  hidden: number[];
  batch: number;
  iterations: number;
  dtype: DType;
  learningRate: number;
  lrDecay: number;
  reg: number;
  std: number;
}

export interface SolverWorkload {
  title: string;
  kind: 'solver';
  model: 'two-layer' | 'fc';
  hidden: number[];
  batch: number;
  dtype: DType;
  learningRate: number;
  weightScale: number;
}

/**
 * A network given as a layer list (W5, the default conv net), trained by the
 * Solver with SGD; its epoch is timed over `iterations` steps and scaled.
 */
export interface LayersWorkload {
  title: string;
  kind: 'layers';
  layers: string;
  batch: number;
  dtype: DType;
  learningRate: number;
  weightScale: number;
  /** Steps timed (after two untimed ones), scaled to the epoch. */
  iterations: number;
}

export type Workload = StandaloneWorkload | SolverWorkload | LayersWorkload;

/** What a target holds nndl to; `cause` is the known reason when it is missed, printed with the miss. */
export type TargetSpec = { issue: number; cause?: string } & (
  | { kind: 'peer'; workload: string; peer: string; max: number }
  | { kind: 'bestPeer'; workload: string; max: number }
  | { kind: 'gemms'; workload: string; max: number }
  | { kind: 'kernelShare'; dtype: DType; min: number }
  | { kind: 'memory'; max: number }
);

export interface Spec {
  data: { train: number; val: number; shape: [number, number, number]; classes: number };
  /**
   * The sizes of a smoke run: training and validation examples, W1's
   * iterations, and the steps a partly timed workload (W5) times.
   */
  smoke: { train: number; val: number; iterations: number; timedIterations: number };
  workloads: { W1: StandaloneWorkload; W2: SolverWorkload; W3: SolverWorkload; W5: LayersWorkload } & Record<string, Workload>;
  kernels: { batch: number; inputDim: number; outputs: number[]; classes: number; dtypes: DType[] };
  targets: TargetSpec[];
}

export const SPEC_FILE = path.resolve(__dirname, '..', '..', 'benchmarks', 'workloads.json');
export const SMOKE = process.env.NNDL_BENCH_SMOKE === '1';

function readSpec(): Spec {
  const spec = JSON.parse(fs.readFileSync(SPEC_FILE, 'utf8')) as Spec;
  if (!SMOKE) return spec;
  spec.data = { ...spec.data, train: spec.smoke.train, val: spec.smoke.val };
  for (const w of Object.values(spec.workloads)) {
    if (w.kind === 'standalone') w.iterations = spec.smoke.iterations;
    if (w.kind === 'layers') w.iterations = spec.smoke.timedIterations;
  }
  return spec;
}

export const SPEC: Spec = readSpec();
export const INPUT_DIM = SPEC.data.shape.reduce((a, b) => a * b, 1);

/** The CIFAR-10 archive the workloads train on, or undefined for generated data. */
export const DATA_SOURCE = process.env.NNDL_BENCH_DATA || undefined;

export interface Split {
  X: Tensor;
  y: Int32Array;
}

/** Random pixels minus 127.5, (n, 3, 32, 32), with random labels. */
export function cifarShaped(n: number, dtype: DType): Split {
  const bytes = randomFillSync(new Uint8Array(n * INPUT_DIM));
  const X = empty([n, ...SPEC.data.shape], dtype);
  for (let i = 0; i < bytes.length; i++) X.data[i] = bytes[i] - 127.5;
  const labels = randomFillSync(new Uint8Array(n));
  return { X, y: Int32Array.from(labels, (v) => v % SPEC.data.classes) };
}

/**
 * One workload's train and validation splits of the workload's sizes: the
 * real CIFAR-10 (training mean subtracted, the reference's split) when
 * DATA_SOURCE is set, else generated. 'rows' is (N, 3072) in (height,
 * width, channel) order, as the two-layer notebook flattens its images.
 */
export async function workloadData(dtype: DType, layout: 'nchw' | 'rows' = 'nchw'): Promise<{ train: Split; val: Split }> {
  if (DATA_SOURCE === undefined) {
    const rows = (s: Split) => (layout === 'rows' ? { X: s.X.reshape(s.X.shape[0], INPUT_DIM), y: s.y } : s);
    return { train: rows(cifarShaped(SPEC.data.train, dtype)), val: rows(cifarShaped(SPEC.data.val, dtype)) };
  }
  const d = await getCifar10Data({
    source: DATA_SOURCE, numTraining: SPEC.data.train, numValidation: SPEC.data.val, numTest: 1, dtype, layout,
  });
  return { train: { X: d.XTrain, y: d.yTrain }, val: { X: d.XVal, y: d.yVal } };
}

/** The same splits kept as uint8 pixels with their mean, for the Solver to convert per minibatch. */
export async function workloadBytes(): Promise<{ train: { X: ByteImages; y: Int32Array }; val: { X: ByteImages; y: Int32Array } }> {
  if (DATA_SOURCE === undefined) {
    const split = (n: number) => ({
      X: { data: randomFillSync(new Uint8Array(n * INPUT_DIM)), shape: [n, ...SPEC.data.shape], mean: new Float64Array(INPUT_DIM).fill(127.5) },
      y: Int32Array.from(randomFillSync(new Uint8Array(n)), (v) => v % SPEC.data.classes),
    });
    return { train: split(SPEC.data.train), val: split(SPEC.data.val) };
  }
  const d = await getCifar10Pixels({ source: DATA_SOURCE, numTraining: SPEC.data.train, numValidation: SPEC.data.val, numTest: 1 });
  return { train: { X: d.XTrain, y: d.yTrain }, val: { X: d.XVal, y: d.yVal } };
}

/** µs per call of a kernel, over interleaved samples. */
export interface KernelTiming {
  median: number;
  min: number;
  max: number;
  samples: number;
}

/** Fields every runner's result has. */
interface ResultBase {
  peer: string;
  maxRssMiB?: number;
  /** Library versions and configuration, as the runner reports them. */
  version?: string;
  blas?: BlasInfo[] | Record<string, unknown>[];
  /** nndl: the engine of its float32 products. */
  engine?: EngineInfo;
  threads?: number;
  dtype?: string;
  /** Where the data came from: an archive, or 'generated'. */
  data?: string;
}

/** W1-W3: the seconds of the run and, for nndl, of its gemm calls. */
export interface TrainingResult extends ResultBase {
  /** W1's whole train(), or one epoch of the others (scaled when the runner timed part of one, as W5 always is). */
  seconds: number;
  iterations: number;
  iterationsPerEpoch?: number;
  /** nndl: seconds of the gemm calls the same run needs, timed alone in the same process. */
  gemmSeconds?: number;
  /** nndl, when gemmSeconds times more than gemm calls (W5's convolutions): what it times. */
  ceiling?: string;
  /**
   * nndl, W5 with oneDNN's convolutions: the gemms of the im2col lowering
   * (what OpenBLAS runs) on the same engine's gemm, paired with the steps as
   * gemmSeconds is.
   */
  im2colSeconds?: number;
  /** nndl: each epoch (W2/W3) or timed part of one (W5), its ceiling, and their ratio. */
  epochs?: number[];
  ceilings?: number[];
  ratios?: number[];
}

/** W4: µs per call by kernel name. */
export interface KernelResult extends ResultBase {
  kernels: Record<string, KernelTiming>;
}

export type RunnerResult = TrainingResult | KernelResult;

/** A run's result, or why it failed. */
export type Outcome = RunnerResult | { error: string };

export function failed(o: Outcome | undefined): o is { error: string } {
  return o === undefined || typeof (o as { error?: unknown }).error === 'string';
}

export function isTraining(o: Outcome | undefined): o is TrainingResult {
  return !failed(o) && typeof (o as TrainingResult).seconds === 'number';
}

/**
 * A runner's printed line as a result: a training result needs finite
 * seconds and iterations, a kernel result its table; anything else is a
 * failure naming what is missing.
 */
export function parseResult(line: string): Outcome {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return { error: `printed no result: ${line.slice(0, 200)}` };
  }
  if (typeof r !== 'object' || r === null || typeof (r as { peer?: unknown }).peer !== 'string') {
    return { error: `printed a result without a peer name: ${line.slice(0, 200)}` };
  }
  const o = r as Partial<TrainingResult & KernelResult>;
  if (o.kernels !== undefined && typeof o.kernels === 'object') return o as KernelResult;
  if (Number.isFinite(o.seconds) && Number.isFinite(o.iterations)) return o as TrainingResult;
  return { error: `printed a result with neither finite seconds and iterations nor kernels: ${line.slice(0, 200)}` };
}

/** Prints the result with the process's peak RSS and the data it trained on. */
export function emit(result: RunnerResult): void {
  result.maxRssMiB = process.resourceUsage().maxRSS / 1024;
  result.data ??= DATA_SOURCE ?? 'generated';
  console.log(JSON.stringify(result));
}
