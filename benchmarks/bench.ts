/**
 * Every benchmark side by side, in one run: the workloads of workloads.json
 * (training workloads and the W4 kernels) for nndl, the gemm ceiling and each
 * peer present, in interleaved rounds of fresh processes under the same
 * environment; then the same table with OPENBLAS_CORETYPE=SkylakeX for every
 * OpenBLAS-based runner (when the CPU has AVX-512); the scaling sweep; the
 * peak memory of W3 on the real CIFAR-10; and the quick kernels, train and
 * data benchmarks. The workloads train on the real CIFAR-10 when its archive
 * is present (--data), else on generated pixels. Writes
 * benchmarks/results/<date>-<host>.json, .md and -scaling.svg, the README's
 * performance section, and with --json-out the results in the
 * customSmallerIsBetter format CI benchmark trackers read.
 *
 *   npm run bench [-- --rounds 3] [-- --data path/to/cifar-10-binary.tar.gz] [-- --json-out bench.json]
 *   npm run bench -- --smoke      # every part at a few seconds' size, results in a scratch directory
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Command } from 'commander';

import { blasInfo, engineInfo } from '../lib/index';
import { machine } from './harness';
import { findRunners, runOnce, type Runner } from './peers';
import {
  smallerIsBetter, writeReport, type EnvironmentResult, type Figure, type MemoryResult, type Results, type RunCell,
  type ScalingResult,
} from './report';
import { SPEC, failed, isTraining, type KernelResult, type TrainingResult } from './workloads';

const ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_DATA = path.resolve(ROOT, '..', 'shared', 'datasets', 'cifar-10-binary.tar.gz');
const TRAINING = Object.keys(SPEC.workloads);

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

function cell(rs: TrainingResult[]): RunCell {
  const first = rs[0];
  return {
    seconds: figure(rs.map((r) => r.seconds)),
    ...(first.gemmSeconds === undefined ? {} : { gemmSeconds: figure(rs.map((r) => r.gemmSeconds as number)) }),
    ...(first.ratios === undefined ? {} : { gemmRatio: figure(rs.flatMap((r) => r.ratios ?? [])) }),
    ...(first.ceiling === undefined ? {} : { ceiling: first.ceiling }),
    ...(first.im2colSeconds === undefined
      ? {}
      : {
        im2colSeconds: figure(rs.map((r) => r.im2colSeconds as number)),
        im2colRatio: figure(rs.map((r) => r.seconds / (r.im2colSeconds as number))),
      }),
    iterations: first.iterations,
    maxRssMiB: Math.max(...rs.map((r) => r.maxRssMiB ?? 0)),
    ...(first.dtype ? { dtype: first.dtype } : {}),
    ...(first.blas ? { blas: first.blas } : {}),
    ...(first.engine ? { engine: first.engine } : {}),
    ...(first.version ? { version: first.version } : {}),
  };
}

/** Rounds of every training workload by every runner, interleaved, then the kernels once each. */
function environment(label: string, env: Record<string, string>, runners: Runner[], rounds: number): EnvironmentResult {
  const runs: Record<string, Record<string, TrainingResult[]>> = {};
  const errors: Record<string, Record<string, string>> = {};
  const takes = (w: string, runner: Runner) => (!runner.only || runner.only.includes(w)) && runner.cannot?.[w] === undefined;
  const pending = (w: string, runner: Runner) => !errors[w]?.[runner.name] && takes(w, runner);
  for (const runner of runners) {
    for (const [w, why] of Object.entries(runner.cannot ?? {})) log(`[${label}] ${w} ${runner.name}: skipped, ${why}`);
  }
  for (let round = 1; round <= rounds; round++) {
    for (const w of TRAINING) {
      for (const runner of runners.filter((r) => pending(w, r))) {
        const r = runOnce(runner, w, env);
        if (!isTraining(r)) {
          (errors[w] ??= {})[runner.name] = failed(r) ? r.error : 'printed kernels, not a training result';
          log(`[${label}] ${w} ${runner.name}: ${errors[w][runner.name]}`);
          continue;
        }
        ((runs[w] ??= {})[runner.name] ??= []).push(r);
        const gemm = r.gemmSeconds === undefined ? '' : ` (${r.ceiling === undefined ? 'gemms' : 'ceiling'} ${r.gemmSeconds.toFixed(3)} s` +
          `${r.im2colSeconds === undefined ? '' : `, im2col gemms ${r.im2colSeconds.toFixed(3)} s`})`;
        log(`[${label}] round ${round}/${rounds} ${w} ${runner.name}: ${r.seconds.toFixed(3)} s${gemm}`);
      }
    }
  }
  const workloads: EnvironmentResult['workloads'] = {};
  for (const w of TRAINING) {
    const cells: Record<string, RunCell> = {};
    for (const runner of runners.filter((r) => !r.only || r.only.includes(w))) {
      const cannot = runner.cannot?.[w];
      const rs = runs[w]?.[runner.name];
      cells[runner.name] = cannot !== undefined ? { skipped: cannot } : rs ? cell(rs) : { error: errors[w]?.[runner.name] ?? 'no run' };
    }
    workloads[w] = cells;
  }
  const kernels: EnvironmentResult['kernels'] = {};
  for (const runner of runners.filter((r) => !r.only || r.only.includes('W4'))) {
    const r = runOnce(runner, 'W4', env);
    kernels[runner.name] = failed(r) ? { error: r.error } : (r as KernelResult).kernels ?? { error: 'printed no kernels' };
    log(`[${label}] W4 ${runner.name}: ${failed(r) ? r.error : 'done'}`);
  }
  return { label, env, workloads, kernels };
}

/** The last line a Node script printed, parsed, or why there is none. */
function spawnLine<T>(args: string[], env: Record<string, string>): T | { error: string } {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env } });
  if (r.status !== 0) return { error: `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}` };
  try {
    return JSON.parse((r.stdout ?? '').trim().split('\n').pop() ?? '') as T;
  } catch {
    return { error: 'printed no JSON line' };
  }
}

function memory(source: string, env: Record<string, string>): Results['memory'] {
  if (!fs.existsSync(source)) return { skipped: `${source} is absent (pass --data path/to/cifar-10-binary.tar.gz)` };
  const native = JSON.stringify(path.join(ROOT, 'dist', 'lib', 'native.js'));
  const baseline = spawnLine<{ maxRssMiB: number }>(['-e', `require(${native}).native(); console.log(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 }))`], env);
  const modes: Record<string, MemoryResult | { error: string }> = {};
  for (const mode of ['float32', 'bytes']) {
    const m = spawnLine<MemoryResult>([path.join(ROOT, 'dist', 'benchmarks', 'memory.js'), mode, source], env);
    modes[mode] = m;
    log(`memory ${mode}: ${'error' in m ? m.error : `${m.maxRssMiB.toFixed(0)} MiB`}`);
  }
  return { source, baselineMiB: 'error' in baseline ? null : baseline.maxRssMiB, modes };
}

/**
 * The quick benchmarks (kernels, train, data), each in its own process: their
 * tables go to stderr with the progress, their JSON into the results.
 */
function quick(source: string, env: Record<string, string>): Results['quick'] {
  const out: Results['quick'] = {};
  for (const name of ['kernels', 'train', 'data']) {
    log(`bench:${name}`);
    const args = [path.join(ROOT, 'dist', 'benchmarks', `${name}.js`), ...(name === 'data' ? [source] : [])];
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env } });
    log(r.stdout ?? '');
    const file = /wrote (\S+\.json)/.exec(r.stdout ?? '')?.[1];
    out[name] = r.status === 0 && file ? JSON.parse(fs.readFileSync(file, 'utf8')) : { error: `exit ${r.status}: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}` };
  }
  return out;
}

interface Options {
  rounds: number;
  data: string;
  jsonOut?: string;
  smoke: boolean;
  out?: string;
}

function main(): void {
  const opts = new Command('bench')
    .option('--rounds <n>', 'runs of each training workload per runner', (v) => Number.parseInt(v, 10), 3)
    .option('--data <path>', 'the CIFAR-10 archive the workloads and the memory measurement use (generated data when absent)', DEFAULT_DATA)
    .option('--json-out <file>', 'also write the results as customSmallerIsBetter entries (name, unit, value) for CI trackers')
    .option('--smoke', 'every part at a few seconds\' size, one round, to check the benchmark end to end (results go to --out or a scratch directory; the README is left alone)', false)
    .option('--out <dir>', 'directory for the results files (default benchmarks/results)')
    .parse()
    .opts<Options>();
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error(`bench: expected a positive integer for --rounds but received ${opts.rounds}`);
  const rounds = opts.smoke ? 1 : opts.rounds;
  const out = opts.out ?? (opts.smoke ? fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-bench-smoke-')) : undefined);
  const hasData = fs.existsSync(opts.data);
  // What every child process gets: the data, the smoke sizes, where the quick benchmarks write.
  const common: Record<string, string> = {
    ...(hasData ? { NNDL_BENCH_DATA: opts.data } : {}),
    ...(opts.smoke ? { NNDL_BENCH_SMOKE: '1' } : {}),
    ...(out ? { NNDL_BENCH_RESULTS: out } : {}),
  };
  log(hasData ? `data: ${opts.data}` : `data: generated (${opts.data} is absent)`);

  const { runners, skipped } = findRunners();
  for (const [name, why] of Object.entries(skipped)) log(`skipped ${name}: ${why}`);
  const environments: EnvironmentResult[] = [environment('environment as set', common, runners, rounds)];
  const coretype = 'OPENBLAS_CORETYPE=SkylakeX';
  if (hasAvx512()) {
    environments.push(environment(coretype, { ...common, OPENBLAS_CORETYPE: 'SkylakeX' }, runners.filter((r) => r.openblas), rounds));
  } else {
    const why = 'this CPU has no AVX-512 (no avx512f in /proc/cpuinfo): OpenBLAS would run SkylakeX kernels into illegal instructions';
    log(`skipped ${coretype}: ${why}`);
    environments.push({ label: coretype, env: { OPENBLAS_CORETYPE: 'SkylakeX' }, skipped: why, workloads: {}, kernels: {} });
  }
  log('scaling sweep');
  const scaling = spawnLine<ScalingResult>([path.join(ROOT, 'dist', 'benchmarks', 'scaling.js')], common);
  const results: Results = {
    date: new Date().toISOString(),
    command: opts.smoke ? 'npm run bench -- --smoke' : `npm run bench -- --rounds ${rounds}`,
    machine: { ...machine(), totalMemoryGiB: os.totalmem() / 2 ** 30 },
    blas: blasInfo(),
    engine: engineInfo(),
    data: hasData ? opts.data : 'generated',
    smoke: opts.smoke,
    sizes: opts.smoke
      ? { train: SPEC.smoke.train, val: SPEC.smoke.val, iterations: SPEC.smoke.iterations }
      : { train: SPEC.data.train, val: SPEC.data.val, iterations: SPEC.workloads.W1.iterations },
    rounds,
    runners: Object.fromEntries(runners.map((r) => [r.name, r.note])),
    skipped,
    environments,
    scaling,
    memory: memory(opts.data, common),
    quick: quick(opts.data, common),
  };
  writeReport(results, { dir: out, readme: !opts.smoke })
    .then((files) => {
      if (opts.jsonOut) {
        fs.writeFileSync(opts.jsonOut, `${JSON.stringify(smallerIsBetter(results), null, 2)}\n`);
        files.push(opts.jsonOut);
      }
      log(`wrote ${files.join(', ')}`);
    })
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}

main();
