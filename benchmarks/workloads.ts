/**
 * The workloads every runner (nndl and its peers) times, read from
 * workloads.json so the Python peers use the very same definitions, and the
 * CIFAR-shaped data they train on.
 */
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

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

/** A network given as a layer list (the default conv net), trained by the Solver; timed over some iterations. */
export interface LayersWorkload {
  title: string;
  kind: 'layers';
  layers: string;
  batch: number;
  dtype: DType;
  learningRate: number;
  /** Iterations timed and scaled to the epoch. */
  iterations: number;
}

export type Workload = StandaloneWorkload | SolverWorkload | LayersWorkload;

export interface Spec {
  data: { train: number; val: number; shape: [number, number, number]; classes: number };
  workloads: { W1: StandaloneWorkload; W2: SolverWorkload; W3: SolverWorkload; W5: LayersWorkload };
  kernels: { batch: number; inputDim: number; outputs: number[]; classes: number; dtypes: DType[] };
}

export const SPEC_FILE = path.resolve(__dirname, '..', '..', 'benchmarks', 'workloads.json');
export const SPEC: Spec = JSON.parse(fs.readFileSync(SPEC_FILE, 'utf8'));
export const INPUT_DIM = SPEC.data.shape.reduce((a, b) => a * b, 1);

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

/** The same as cifarShaped, kept as bytes with their mean for the Solver to convert per minibatch. */
export function cifarBytes(n: number): { X: ByteImages; y: Int32Array } {
  const data = randomFillSync(new Uint8Array(n * INPUT_DIM));
  const labels = randomFillSync(new Uint8Array(n));
  return {
    X: { data, shape: [n, ...SPEC.data.shape], mean: new Float64Array(INPUT_DIM).fill(127.5) },
    y: Int32Array.from(labels, (v) => v % SPEC.data.classes),
  };
}

/** One workload's train and validation splits. */
export function workloadData(dtype: DType): { train: Split; val: Split } {
  return { train: cifarShaped(SPEC.data.train, dtype), val: cifarShaped(SPEC.data.val, dtype) };
}

/** What a runner prints as its one JSON line. */
export interface RunnerResult {
  peer: string;
  /** Seconds of the measured run: W1's whole train(), or one epoch of W2/W3/W5 (scaled when partial). */
  seconds?: number;
  iterations?: number;
  iterationsPerEpoch?: number;
  /** Seconds of the gemm calls the same run needs, timed alone in the same process (nndl only). */
  gemmSeconds?: number;
  /** W4: µs per call by kernel name. */
  kernels?: Record<string, { median: number; min: number; max: number; samples: number }>;
  maxRssMiB?: number;
  [key: string]: unknown;
}

/** Prints the result with the process's peak RSS. */
export function emit(result: RunnerResult): void {
  result.maxRssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(result));
}

/** A run's result, or why it failed. */
export type Outcome = RunnerResult | { error: string };

export function failed(o: Outcome | undefined): o is { error: string } {
  return o === undefined || typeof (o as { error?: unknown }).error === 'string';
}
