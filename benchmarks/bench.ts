/**
 * Every benchmark side by side, in one run: the workloads of workloads.json
 * (W1-W3 and W5 training, W4 kernels) for nndl, the gemm ceiling and each peer
 * present, in interleaved rounds of fresh processes under the same
 * environment; then the same table with OPENBLAS_CORETYPE=SkylakeX for the
 * OpenBLAS-based runners (when the CPU has AVX-512); the scaling sweep; the
 * peak memory of W3 on the real CIFAR-10; and the quick kernels, train and
 * data benchmarks. Writes
 * benchmarks/results/<date>-<host>.json, .md and -scaling.svg, and the
 * README's performance section.
 *
 *   npm run bench [-- --rounds 3] [-- --data path/to/cifar-10-binary.tar.gz]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Command } from 'commander';

import { blasInfo } from '../lib/index';
import { machine } from './harness';
import { findRunners, runOnce, type Runner, type WorkloadName } from './peers';
import { writeReport, type Figure, type Results, type RunCell, type EnvironmentResult } from './report';
import { failed, type Outcome, type RunnerResult } from './workloads';

const ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_DATA = path.resolve(ROOT, '..', 'shared', 'datasets', 'cifar-10-binary.tar.gz');
const TRAINING: WorkloadName[] = ['W1', 'W2', 'W3', 'W5'];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function figure(xs: number[]): Figure {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], runs: xs };
}

function hasAvx512(): boolean {
  try {
    return /\bavx512f\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** Rounds of every training workload by every runner, interleaved, then the kernels once each. */
function environment(label: string, env: Record<string, string>, runners: Runner[], rounds: number): EnvironmentResult {
  const runs: Record<string, Record<string, RunnerResult[]>> = {};
  const errors: Record<string, Record<string, string>> = {};
  for (let round = 1; round <= rounds; round++) {
    for (const w of TRAINING) {
      for (const runner of runners) {
        if (errors[w]?.[runner.name] || (runner.only && !runner.only.includes(w))) continue;
        const r = runOnce(runner, w, env);
        if (failed(r)) {
          (errors[w] ??= {})[runner.name] = r.error;
          log(`[${label}] ${w} ${runner.name}: ${r.error}`);
          continue;
        }
        ((runs[w] ??= {})[runner.name] ??= []).push(r);
        const gemm = r.gemmSeconds === undefined ? '' : ` (gemms ${(r.gemmSeconds as number).toFixed(3)} s)`;
        log(`[${label}] round ${round}/${rounds} ${w} ${runner.name}: ${(r.seconds as number).toFixed(3)} s${gemm}`);
      }
    }
  }
  const workloads: EnvironmentResult['workloads'] = {};
  for (const w of TRAINING) {
    const cells: Record<string, RunCell> = {};
    for (const runner of runners) {
      if (runner.only && !runner.only.includes(w)) continue;
      const rs = runs[w]?.[runner.name];
      if (!rs) {
        cells[runner.name] = { error: errors[w]?.[runner.name] ?? 'no run' };
        continue;
      }
      cells[runner.name] = {
        seconds: figure(rs.map((r) => r.seconds as number)),
        ...(rs[0].gemmSeconds === undefined ? {} : { gemmSeconds: figure(rs.map((r) => r.gemmSeconds as number)) }),
        ...(rs[0].ratios === undefined ? {} : { gemmRatio: figure(rs.flatMap((r) => r.ratios as number[])) }),
        iterations: rs[0].iterations as number,
        maxRssMiB: Math.max(...rs.map((r) => r.maxRssMiB ?? 0)),
        ...(rs[0].dtype ? { dtype: rs[0].dtype as string } : {}),
        ...(rs[0].blas ? { blas: rs[0].blas } : {}),
        ...(rs[0].version ? { version: rs[0].version as string } : {}),
      };
    }
    workloads[w] = cells;
  }
  const kernels: EnvironmentResult['kernels'] = {};
  for (const runner of runners.filter((r) => !r.only || r.only.includes('W4'))) {
    const r = runOnce(runner, 'W4', env);
    kernels[runner.name] = failed(r) ? { error: r.error } : (r.kernels as NonNullable<RunnerResult['kernels']>);
    log(`[${label}] W4 ${runner.name}: ${failed(r) ? r.error : 'done'}`);
  }
  return { label, env, workloads, kernels };
}

function spawnJson(args: string[]): Outcome {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0) return { error: `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}` };
  return JSON.parse(last) as RunnerResult;
}

function memory(source: string): Results['memory'] {
  if (!fs.existsSync(source)) return { skipped: `${source} is absent (pass --data path/to/cifar-10-binary.tar.gz)` };
  const baseline = spawnJson(['-e', `require(${JSON.stringify(path.join(ROOT, 'dist', 'lib', 'native.js'))}).native(); console.log(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 }))`]);
  const modes: Record<string, Outcome> = {};
  for (const mode of ['float32', 'bytes']) {
    modes[mode] = spawnJson([path.join(ROOT, 'dist', 'benchmarks', 'memory.js'), mode, source]);
    log(`memory ${mode}: ${failed(modes[mode]) ? (modes[mode] as { error: string }).error : `${(modes[mode].maxRssMiB as number).toFixed(0)} MiB`}`);
  }
  return { source, baselineMiB: failed(baseline) ? null : (baseline.maxRssMiB as number), modes };
}

/**
 * The quick benchmarks (kernels, train, data), each in its own process: their
 * tables go to stderr with the progress, their JSON into the results.
 */
function quick(source: string): Results['quick'] {
  const out: Results['quick'] = {};
  for (const name of ['kernels', 'train', 'data']) {
    log(`bench:${name}`);
    const args = [path.join(ROOT, 'dist', 'benchmarks', `${name}.js`), ...(name === 'data' ? [source] : [])];
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    log(r.stdout ?? '');
    const file = /wrote (\S+\.json)/.exec(r.stdout ?? '')?.[1];
    out[name] = r.status === 0 && file ? JSON.parse(fs.readFileSync(file, 'utf8')) : { error: `exit ${r.status}: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}` };
  }
  return out;
}

function main(): void {
  const opts = new Command('bench')
    .option('--rounds <n>', 'runs of each training workload per runner', (v) => Number.parseInt(v, 10), 3)
    .option('--data <path>', 'CIFAR-10 archive for the memory measurement', DEFAULT_DATA)
    .parse()
    .opts<{ rounds: number; data: string }>();
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error(`bench: expected a positive integer for --rounds but received ${opts.rounds}`);

  const { runners, skipped } = findRunners();
  for (const [name, why] of Object.entries(skipped)) log(`skipped ${name}: ${why}`);
  const environments: EnvironmentResult[] = [environment('environment as set', {}, runners, opts.rounds)];
  const coretype = 'OPENBLAS_CORETYPE=SkylakeX';
  if (hasAvx512()) {
    environments.push(environment(coretype, { OPENBLAS_CORETYPE: 'SkylakeX' }, runners.filter((r) => r.openblas), opts.rounds));
  } else {
    const why = 'this CPU has no AVX-512 (no avx512f in /proc/cpuinfo): OpenBLAS would run SkylakeX kernels into illegal instructions';
    log(`skipped ${coretype}: ${why}`);
    environments.push({ label: coretype, env: { OPENBLAS_CORETYPE: 'SkylakeX' }, skipped: why, workloads: {}, kernels: {} });
  }
  log('scaling sweep');
  const scaling = spawnJson([path.join(ROOT, 'dist', 'benchmarks', 'scaling.js')]);
  const results: Results = {
    date: new Date().toISOString(),
    command: `npm run bench -- --rounds ${opts.rounds}`,
    machine: { ...machine(), totalMemoryGiB: os.totalmem() / 2 ** 30 },
    blas: blasInfo(),
    rounds: opts.rounds,
    runners: Object.fromEntries(runners.map((r) => [r.name, r.note])),
    skipped,
    environments,
    scaling,
    memory: memory(opts.data),
    quick: quick(opts.data),
  };
  writeReport(results).then((files) => log(`wrote ${files.join(', ')}`), (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

main();
