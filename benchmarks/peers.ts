/**
 * The runners the side-by-side benchmark spawns, one process per run: nndl
 * (on its default engine, and on OpenBLAS alone when oneDNN is built in) and
 * each peer, found on this machine or skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { engineInfo } from '../lib/engine';
import { SPEC, parseResult, type Outcome } from './workloads';

/** A training workload of workloads.json, or W4, the kernels. */
export type WorkloadName = string;

export interface Runner {
  name: string;
  /** What the report says about how it ran. */
  note: string;
  /** Whether OpenBLAS does its linear algebra (then OPENBLAS_CORETYPE applies to it). */
  openblas: boolean;
  /** The workloads it runs, when not all (nndl's variants: the others do not apply to them). */
  only?: WorkloadName[];
  /** Workloads it cannot run, each with the reason, which the report prints. */
  cannot?: Record<WorkloadName, string>;
  command(workload: WorkloadName): { file: string; args: string[]; env?: Record<string, string>; cwd?: string };
}

/**
 * glibc's allocator settings for the Python peers. The reference's numpy code
 * allocates about 20 MB of temporaries per W2 step (dx, dW, reg * W,
 * lr * dW, the minibatch). Whether glibc gives them back to the kernel after
 * each step depends on its dynamic mmap and trim thresholds, which the
 * largest block freed so far sets: loading the real archive frees 30 MB reads
 * and raises them, generating the pixels does not. On generated data every W2
 * step page-faulted 2,200 to 2,700 pages in again (3 ms of kernel time beside
 * 8 ms of computation, one thread); on the real data, none. Fixed thresholds
 * keep freed blocks in the process whatever came before: no fault per step.
 */
const PYTHON_MALLOC = { MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20), MALLOC_TRIM_THRESHOLD_: String(2 ** 30) };

const ROOT = path.resolve(__dirname, '..', '..');
const PEERS = path.join(ROOT, 'benchmarks', 'peers');

/** The workloads of workloads.json that train a layer list (W5, the conv net). */
const LAYER_LISTS = Object.entries(SPEC.workloads).filter(([, w]) => w.kind === 'layers').map(([name]) => name);

/** The same reason for each of these workloads. */
function each(workloads: WorkloadName[], reason: string): Record<WorkloadName, string> {
  return Object.fromEntries(workloads.map((w) => [w, reason]));
}

/** Training iterations a slow peer times, scaled to the full run (an epoch, or W1's 1000). */
const PARTIAL: Record<string, Partial<Record<WorkloadName, number>>> = {
  wasm: { W1: 100, W2: 25, W3: 25 },
  cpu: { W1: 20, W2: 5, W3: 5 },
};

/** The last line of a failed command's output, for a one-line reason. */
function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim().length > 0).pop() ?? '';
}

function pythonWith(module: string, candidates: string[]): { python?: string; reason?: string } {
  let reason = '';
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', `import ${module}`], { encoding: 'utf8' });
    if (r.status === 0) return { python };
    reason = r.error ? `${python} not found` : `${python}: ${lastLine(r.stderr)}`;
  }
  return { reason };
}

/** nndl and every peer present here; the others with the reason they are skipped. */
export function findRunners(): { runners: Runner[]; skipped: Record<string, string> } {
  const skipped: Record<string, string> = {};
  const runner = path.join(ROOT, 'dist', 'benchmarks', 'nndl-runner.js');
  const engine = engineInfo();
  const named = engine.engine === 'onednn' ? `oneDNN ${engine.version} (${engine.isa})` : `OpenBLAS ${engine.version} (${engine.isa})`;
  const runners: Runner[] = [
    {
      name: 'nndl', note: `this library: float32 on ${named}, float64 on OpenBLAS, ${engine.threads} threads`, openblas: true,
      command: (w) => ({ file: process.execPath, args: [runner, w] }),
    },
    {
      name: 'nndl-u8', note: 'nndl training from the uint8 pixels, converted per minibatch as the Solver gathers it (ByteImages)',
      openblas: true, only: ['W2', 'W3'],
      command: (w) => ({ file: process.execPath, args: [runner, w, '--bytes'] }),
    },
  ];
  if (engine.engine === 'onednn') {
    runners.splice(1, 0, {
      name: 'nndl-openblas', note: 'nndl with NNDL_ENGINE=openblas: float32 on OpenBLAS too (the float32 workloads and kernels)',
      openblas: true, only: Object.entries(SPEC.workloads).filter(([, w]) => w.dtype === 'float32').map(([name]) => name).concat('W4'),
      command: (w) => ({ file: process.execPath, args: [runner, w], env: { NNDL_ENGINE: 'openblas' } }),
    });
  }
  const pythons = [...new Set([process.env.NNDL_BENCH_PYTHON ?? 'python3', 'python3', '/usr/bin/python3'])];
  const numpy = pythonWith('numpy', pythons);
  if (numpy.python) {
    const python = numpy.python;
    runners.push({
      name: 'numpy', openblas: true,
      cannot: each(LAYER_LISTS, 'the reference (the two-layer and FC_nets homework that reference.py ports) has no convolution layers to run'),
      note: `the reference's code ported to numpy (benchmarks/peers/reference.py), ${python}; glibc's malloc thresholds fixed ` +
        '(MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_): on generated data glibc\'s dynamic thresholds stayed low and every W2 step ' +
        'page-faulted its 20 MB of temporaries in again (3 ms of 11), which loading the real archive happens to prevent',
      command: (w) => ({ file: python, args: [path.join(PEERS, 'numpy_peer.py'), w], cwd: PEERS, env: PYTHON_MALLOC }),
    });
  } else {
    skipped.numpy = `no python3 with numpy (${numpy.reason})`;
  }
  const torch = pythonWith('torch', pythons);
  if (torch.python) {
    const python = torch.python;
    runners.push({
      name: 'pytorch', openblas: true,
      note: 'PyTorch CPU (nn.Linear; for the conv net nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d and nn.Dropout, its convolutions on oneDNN ' +
        `where torch has it: Debian's links the system libdnnl, as nndl does), 2 threads, OMP_WAIT_POLICY=PASSIVE (its best setting on 2 cores), ` +
        `the same malloc thresholds as numpy, ${python}`,
      command: (w) => ({
        file: python, args: [path.join(PEERS, 'torch_peer.py'), w, '--threads', '2'], cwd: PEERS,
        env: { OMP_WAIT_POLICY: 'PASSIVE', ...PYTHON_MALLOC },
      }),
    });
  } else {
    skipped.pytorch = `no python3 with torch (${torch.reason}); Debian's python3-torch provides it`;
  }
  const tfjs = path.join(ROOT, 'dist', 'benchmarks', 'peers', 'tfjs.js');
  const hasTfjs = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'].every((m) => {
    try {
      require.resolve(m);
      return true;
    } catch {
      return false;
    }
  });
  if (hasTfjs && fs.existsSync(tfjs)) {
    for (const backend of ['wasm', 'cpu'] as const) {
      const partial = PARTIAL[backend];
      runners.push({
        name: `tfjs-${backend}`, openblas: false,
        cannot: each(LAYER_LISTS, 'not ported: the TensorFlow.js peer builds only the MLPs of W1-W3, from tfjs-core ops'),
        note: `TensorFlow.js ${backend === 'wasm' ? 'WASM (XNNPACK, SIMD, one thread in Node)' : 'CPU (plain JavaScript)'}, float32 only; ` +
          `timed over ${partial.W2} iterations of W2/W3 and ${partial.W1} of W1, scaled`,
        command: (w) => ({ file: process.execPath, args: [tfjs, backend, w, String(partial[w] ?? 0)] }),
      });
    }
  } else {
    skipped.tfjs = 'the @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm devDependencies are not installed';
  }
  skipped['tfjs-node'] = '@tensorflow/tfjs-node downloads libtensorflow when installed, which an offline machine cannot do';
  return { runners, skipped };
}

/** Runs one workload in a fresh process: its result, or the reason it failed. */
export function runOnce(runner: Runner, workload: WorkloadName, env: Record<string, string>): Outcome {
  const c = runner.command(workload);
  const r = spawnSync(c.file, c.args, {
    cwd: c.cwd ?? ROOT, encoding: 'utf8', env: { ...process.env, ...env, ...c.env }, maxBuffer: 1 << 26, timeout: 15 * 60 * 1000,
  });
  if (r.status !== 0) {
    const why = r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
    return { error: `${why}: ${lastLine(r.stderr ?? '') || lastLine(r.stdout ?? '')}` };
  }
  return parseResult(lastLine(r.stdout));
}
