/**
 * Shared benchmark plumbing: timing by repeated samples (median, min, max),
 * a description of the machine and its BLAS environment, and the JSON and
 * table outputs every benchmark writes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Timing {
  /** Microseconds per call. */
  median: number;
  min: number;
  max: number;
  samples: number;
}

export interface MeasureOptions {
  /** Calls per sample; by default chosen so a sample lasts about 20 ms. */
  callsPerSample?: number;
  /** Samples taken (default 21). */
  samples?: number;
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e3;
}

function callsFor(fn: () => void, sampleMicros: number): number {
  const t0 = now();
  let n = 0;
  while (now() - t0 < sampleMicros / 4 || n < 2) {
    fn();
    n++;
  }
  return Math.max(1, Math.round((n * sampleMicros) / (now() - t0)));
}

function summarize(perCall: number[]): Timing {
  const sorted = [...perCall].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1], samples: sorted.length };
}

/**
 * Times several functions with their samples interleaved (a, b, c, a, b, c,
 * ...), so that a noisy neighbour slows them all alike and their ratios stay
 * meaningful. Figures are µs per call.
 */
export function measureAll<K extends string>(fns: Record<K, () => void>, options: MeasureOptions = {}): Record<K, Timing> {
  const names = Object.keys(fns) as K[];
  const calls = {} as Record<K, number>;
  for (const name of names) {
    for (let i = 0; i < 3; i++) fns[name]();
    calls[name] = options.callsPerSample ?? callsFor(fns[name], 20000);
  }
  const perCall = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let s = 0; s < (options.samples ?? 21); s++) {
    for (const name of names) {
      const t0 = now();
      for (let i = 0; i < calls[name]; i++) fns[name]();
      perCall[name].push((now() - t0) / calls[name]);
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarize(perCall[n])])) as Record<K, Timing>;
}

/** Times one function (see measureAll). */
export function measure(fn: () => void, options: MeasureOptions = {}): Timing {
  return measureAll({ fn }, options).fn;
}

/** The machine and the environment variables that steer BLAS threads and kernels. */
export function machine(): Record<string, unknown> {
  const steering = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => /^(OPENBLAS_|OMP_|GOTO_|MKL_)/.test(k)),
  );
  return {
    host: os.hostname(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    env: steering,
  };
}

/** Writes benchmarks/results/<name>-<date>-<host>.json (or into NNDL_BENCH_RESULTS) and returns its path. */
export function writeResults(name: string, data: unknown): string {
  const dir = process.env.NNDL_BENCH_RESULTS || path.resolve(__dirname, '..', '..', 'benchmarks', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  const file = path.join(dir, `${name}-${date}-${os.hostname()}.json`);
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** A markdown table: header row, then rows, columns padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function fmt(x: number, digits = 1): string {
  return x.toFixed(digits);
}
