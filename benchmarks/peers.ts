/**
 * The runners the side-by-side benchmark spawns, one process per run: nndl
 * and each peer, found on this machine or skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import type { Outcome, RunnerResult } from './workloads';

export type WorkloadName = 'W1' | 'W2' | 'W3' | 'W4' | 'W5';

export interface Runner {
  name: string;
  /** What the report says about how it ran. */
  note: string;
  /** Whether OpenBLAS does its linear algebra (then OPENBLAS_CORETYPE applies to it). */
  openblas: boolean;
  /** The workloads it runs, when not all. */
  only?: WorkloadName[];
  command(workload: WorkloadName): { file: string; args: string[]; env?: Record<string, string>; cwd?: string };
}

const ROOT = path.resolve(__dirname, '..', '..');
const PEERS = path.join(ROOT, 'benchmarks', 'peers');

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
  const runners: Runner[] = [
    {
      name: 'nndl', note: 'this library, OpenBLAS threads as configured', openblas: true,
      command: (w) => ({ file: process.execPath, args: [path.join(ROOT, 'dist', 'benchmarks', 'nndl-runner.js'), w] }),
    },
    {
      name: 'nndl-u8', note: 'nndl training from the uint8 pixels, converted per minibatch as the Solver gathers it (ByteImages)',
      openblas: true, only: ['W2', 'W3'],
      command: (w) => ({ file: process.execPath, args: [path.join(ROOT, 'dist', 'benchmarks', 'nndl-runner.js'), w, '--bytes'] }),
    },
  ];
  const pythons = [...new Set([process.env.NNDL_BENCH_PYTHON ?? 'python3', 'python3', '/usr/bin/python3'])];
  const numpy = pythonWith('numpy', pythons);
  if (numpy.python) {
    const python = numpy.python;
    runners.push({
      name: 'numpy', note: `the reference's code ported to numpy (benchmarks/peers/reference.py), ${python}`, openblas: true,
      only: ['W1', 'W2', 'W3', 'W4'],
      command: (w) => ({ file: python, args: [path.join(PEERS, 'numpy_peer.py'), w], cwd: PEERS }),
    });
  } else {
    skipped.numpy = `no python3 with numpy (${numpy.reason})`;
  }
  const torch = pythonWith('torch', pythons);
  if (torch.python) {
    const python = torch.python;
    runners.push({
      name: 'pytorch', note: `PyTorch CPU, 2 threads, OMP_WAIT_POLICY=PASSIVE (its best setting on 2 cores), ${python}`, openblas: true,
      command: (w) => ({
        file: python, args: [path.join(PEERS, 'torch_peer.py'), w, '--threads', '2'], cwd: PEERS,
        env: { OMP_WAIT_POLICY: 'PASSIVE' },
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
        name: `tfjs-${backend}`, openblas: false, only: ['W1', 'W2', 'W3', 'W4'],
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
  try {
    return JSON.parse(lastLine(r.stdout)) as RunnerResult;
  } catch {
    return { error: `printed no result: ${lastLine(r.stdout)}` };
  }
}
