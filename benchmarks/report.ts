/**
 * The side-by-side results as files: the JSON of a run, its markdown tables
 * with the targets of workloads.json, an SVG chart of the scaling sweep, the
 * README's performance section (between its bench markers), and the
 * customSmallerIsBetter entries CI benchmark trackers read. Run directly, it
 * rewrites the markdown, chart and README section from the newest results.
 *
 *   node dist/benchmarks/report.js [benchmarks/results/<date>-<host>.json]
 */
import fs from 'node:fs';
import path from 'node:path';

import type { BlasInfo } from '../lib/blas';
import type { EngineInfo } from '../lib/engine';
import { renderSvg } from '../lib/report/plots';
import type { ScalingPoint } from './scaling';
import { SPEC, type KernelTiming, type TargetSpec } from './workloads';

const ROOT = path.resolve(__dirname, '..', '..');
const RESULTS = path.join(ROOT, 'benchmarks', 'results');
const README = path.join(ROOT, 'README.md');
const BEGIN = '<!-- bench:begin (written by npm run bench) -->';
const END = '<!-- bench:end -->';

export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export interface RunCell {
  seconds?: Figure;
  gemmSeconds?: Figure;
  /** Each epoch over the gemms timed right after it, over every epoch of every run. */
  gemmRatio?: Figure;
  iterations?: number;
  maxRssMiB?: number;
  dtype?: string;
  version?: string;
  blas?: unknown;
  engine?: EngineInfo;
  /** nndl, when gemmSeconds times more than gemm calls (W5's convolutions on oneDNN): what it times. */
  ceiling?: string;
  /** nndl, W5 on oneDNN: the im2col lowering's gemms on the same engine, and each run's seconds over them. */
  im2colSeconds?: Figure;
  im2colRatio?: Figure;
  error?: string;
  /** Why the runner cannot run this workload. */
  skipped?: string;
}

type KernelTable = Record<string, KernelTiming>;

export interface EnvironmentResult {
  label: string;
  env: Record<string, string>;
  skipped?: string;
  workloads: Record<string, Record<string, RunCell>>;
  kernels: Record<string, KernelTable | { error: string }>;
}

/** memory.ts's line: W3's peak RSS on the real CIFAR-10 next to its data and model. */
export interface MemoryResult {
  mode: string;
  seconds: number;
  maxRssMiB: number;
  dataMiB: number;
  modelMiB: number;
}

/** scaling.ts's line. */
export interface ScalingResult {
  scaling: ScalingPoint[];
  epochs: { n: number; epochSeconds: number }[];
}

export interface Results {
  date: string;
  command: string;
  machine: Record<string, unknown>;
  blas: BlasInfo;
  /** The engine of nndl's float32 products (absent in results from before it existed). */
  engine?: EngineInfo;
  /** The CIFAR-10 archive the workloads trained on, or 'generated'. */
  data?: string;
  /** A smoke run: every workload shrunk to check the benchmark end to end; its figures mean nothing. */
  smoke?: boolean;
  /** Training and validation examples, and W1's iterations, as run (a smoke run's are smaller). */
  sizes?: { train: number; val: number; iterations: number };
  rounds: number;
  runners: Record<string, string>;
  skipped: Record<string, string>;
  environments: EnvironmentResult[];
  scaling: ScalingResult | { error: string };
  memory: { skipped: string } | { source: string; baselineMiB: number | null; modes: Record<string, MemoryResult | { error: string }> };
  /** The JSON of bench:kernels, bench:train and bench:data, run as part of the whole. */
  quick?: Record<string, unknown>;
}

export interface Target {
  name: string;
  /** The environment (table) it was computed in. */
  environment: string;
  value: number;
  limit: string;
  met: boolean;
  /** The known reason, when missed. */
  cause?: string;
  /** Whether smaller values are better (false for shares of throughput). */
  smaller: boolean;
}

const PEERS = ['numpy', 'pytorch', 'tfjs-wasm', 'tfjs-cpu'];

function f(x: number, digits: number): string {
  return x.toFixed(digits);
}

function span(t: { median: number; min: number; max: number } | undefined, digits: number): string {
  return t ? `${f(t.median, digits)} [${f(t.min, digits)}, ${f(t.max, digits)}]` : '–';
}

function table(header: string[], rows: string[][]): string {
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function bestPeer(cells: Record<string, RunCell>): { name: string; seconds: number } | undefined {
  let best: { name: string; seconds: number } | undefined;
  for (const name of PEERS) {
    const s = cells[name]?.seconds?.median;
    if (s !== undefined && (best === undefined || s < best.seconds)) best = { name, seconds: s };
  }
  return best;
}

/** nndl's time over its gemms': the median of epoch-by-epoch ratios when the runs paired them. */
function gemmRatio(cell: RunCell): number | undefined {
  if (cell.gemmRatio) return cell.gemmRatio.median;
  return cell.seconds && cell.gemmSeconds ? cell.seconds.median / cell.gemmSeconds.median : undefined;
}

function isKernelTable(k: KernelTable | { error: string } | undefined): k is KernelTable {
  return k !== undefined && !('error' in k && typeof k.error === 'string');
}

/** One target of workloads.json in one environment: its values (several for kernel shapes), or none when it has no data. */
function evaluate(spec: TargetSpec, env: EnvironmentResult, r: Results): Omit<Target, 'environment' | 'cause'>[] {
  const check = (name: string, value: number | undefined): Omit<Target, 'environment' | 'cause'>[] => {
    if (value === undefined || !Number.isFinite(value)) return [];
    return 'max' in spec
      ? [{ name, value, limit: `<= ${spec.max}`, met: value <= spec.max, smaller: true }]
      : [{ name, value, limit: `>= ${spec.min}`, met: value >= spec.min, smaller: false }];
  };
  switch (spec.kind) {
    case 'peer': {
      const cells = env.workloads[spec.workload] ?? {};
      const nndl = cells.nndl?.seconds?.median;
      const peer = cells[spec.peer]?.seconds?.median;
      return check(`${spec.workload}: nndl epoch / ${spec.peer}'s`, nndl !== undefined && peer !== undefined ? nndl / peer : undefined);
    }
    case 'bestPeer': {
      const cells = env.workloads[spec.workload] ?? {};
      const best = bestPeer(cells);
      const nndl = cells.nndl?.seconds?.median;
      return check(`${spec.workload}: nndl / best peer's (${best?.name ?? 'none'})`, nndl !== undefined && best ? nndl / best.seconds : undefined);
    }
    case 'gemms': {
      const nndl = env.workloads[spec.workload]?.nndl;
      return check(`${spec.workload}: nndl / its gemm calls`, nndl ? gemmRatio(nndl) : undefined);
    }
    case 'kernelShare': {
      const k = env.kernels.nndl;
      if (!isKernelTable(k)) return [];
      return SPEC.kernels.outputs.flatMap((m) => {
        const shape = `${SPEC.kernels.inputDim}x${m} ${spec.dtype}`;
        const layer = (k[`affine forward ${shape}`]?.median ?? NaN) + (k[`affine backward ${shape}`]?.median ?? NaN);
        const gemm = (k[`gemm of affine forward ${shape}`]?.median ?? NaN) + (k[`gemms of affine backward ${shape}`]?.median ?? NaN);
        return check(`W4: affine ${shape} forward+backward, share of its bare gemms' throughput`, gemm / layer);
      });
    }
    case 'memory': {
      if (!('modes' in r.memory) || env !== r.environments[0]) return [];
      const m = r.memory.modes.float32;
      return check('memory: W3 peak RSS / (float32 data + model), real CIFAR-10', 'error' in m ? undefined : m.maxRssMiB / (m.dataMiB + m.modelMiB));
    }
  }
}

/** Every target of workloads.json, in every environment that ran. */
export function targets(r: Results): Target[] {
  return r.environments
    .filter((env) => !env.skipped)
    .flatMap((env) =>
      SPEC.targets.flatMap((spec) =>
        evaluate(spec, env, r).map((t) => ({ ...t, environment: env.label, ...(spec.cause ? { cause: spec.cause } : {}) })),
      ),
    );
}

function targetsTable(all: Target[]): string {
  return table(['target', 'table', 'value', 'limit', ''], all.map((t) => [t.name, t.environment, f(t.value, 3), t.limit, t.met ? 'met' : 'MISSED']));
}

/** One line per missed target: by how much, and the known cause. */
function missedNotes(all: Target[]): string[] {
  return all.filter((t) => !t.met).map((t) => `- ${t.name} (${t.environment}): ${f(t.value, 3)} against ${t.limit}${t.cause ? `; ${t.cause}` : ''}.`);
}

function trainingCell(c: RunCell | undefined): string {
  if (c?.seconds) return span(c.seconds, 2);
  if (c?.error) return `failed: ${c.error}`;
  return c?.skipped ? 'skipped' : '–';
}

function trainingTable(env: EnvironmentResult, runners: string[]): string {
  const others = runners.filter((n) => n !== 'nndl');
  const rows = Object.entries(env.workloads).map(([w, cells]) => {
    const nndl = cells.nndl;
    const best = bestPeer(cells);
    const ratio = nndl ? gemmRatio(nndl) : undefined;
    return [
      `${w}`, trainingCell(nndl), span(nndl?.gemmSeconds, 2),
      ...others.map((n) => trainingCell(cells[n])),
      ratio !== undefined ? `${f(ratio, 2)}x` : '–',
      nndl?.seconds && best ? `${f(nndl.seconds.median / best.seconds, 2)}x (${best.name})` : '–',
    ];
  });
  return table(['workload', 'nndl', 'its gemms alone', ...others, 'nndl / gemms', 'nndl / best peer'], rows);
}

/**
 * What the training table leaves out: the ceilings that are more than gemm
 * calls (W5's on oneDNN), with the im2col gemms beside them, and the runners
 * that cannot run a workload, with the reason.
 */
function trainingNotes(env: EnvironmentResult): string[] {
  return Object.entries(env.workloads).flatMap(([w, cells]) => {
    const notes: string[] = [];
    const nndl = cells.nndl;
    if (nndl?.ceiling) {
      const im2col = nndl.im2colSeconds && nndl.im2colRatio
        ? ` The gemms of the im2col lowering (OpenBLAS's path) on the same engine took ${span(nndl.im2colSeconds, 2)} s, nndl ${f(nndl.im2colRatio.median, 2)}x of them.`
        : '';
      notes.push(`- ${w}: its "gemms alone" are ${nndl.ceiling}.${im2col}`);
    }
    const skipped = Object.entries(cells).filter(([, c]) => c.skipped !== undefined);
    if (skipped.length > 0) notes.push(`- ${w}: ${skipped.map(([n, c]) => `${n} skipped, ${c.skipped}`).join('; ')}.`);
    return notes;
  });
}

/** Steps a partly timed workload timed: as its nndl run recorded, else the spec's. */
function timedSteps(env: EnvironmentResult | undefined, w: string): number | undefined {
  const spec = SPEC.workloads[w];
  if (spec?.kind !== 'layers') return undefined;
  return env?.workloads[w]?.nndl?.iterations ?? spec.iterations;
}

/** A workload as the tables' legends describe it. */
function describe(env: EnvironmentResult | undefined, w: string): string {
  const s = SPEC.workloads[w];
  if (s === undefined) return w;
  const steps = timedSteps(env, w);
  const run = s.kind === 'standalone' ? 'whole train()' : steps === undefined ? 'one epoch' : `one epoch, timed over ${steps} steps and scaled`;
  return `${w} ${s.title}, ${run}`;
}

function kernelTable(env: EnvironmentResult, runners: string[]): string {
  const nndl = env.kernels.nndl;
  if (!isKernelTable(nndl)) return `nndl kernels failed: ${(nndl as { error: string } | undefined)?.error ?? 'no run'}`;
  const names = Object.keys(nndl).filter((n) => !n.startsWith('gemm'));
  const others = runners.filter((n) => n !== 'nndl');
  const rows = names.map((name) => {
    const gemmName = name.startsWith('affine forward') ? `gemm of ${name}` : name.startsWith('affine backward') ? `gemms of ${name}` : undefined;
    return [
      name, span(nndl[name], 1), gemmName ? span(nndl[gemmName], 1) : '',
      ...others.map((n) => {
        const k = env.kernels[n];
        return isKernelTable(k) ? span(k[name], 1) : '';
      }),
    ];
  });
  return table(['kernel', 'nndl', 'its gemms alone', ...others], rows);
}

function scalingPoints(r: Results): ScalingPoint[] {
  return 'error' in r.scaling ? [] : r.scaling.scaling;
}

function scalingTable(r: Results): string {
  const points = scalingPoints(r);
  if (points.length === 0) return `scaling sweep failed: ${'error' in r.scaling ? r.scaling.error : 'no result'}`;
  const rows = points.map((p) => [
    p.series, `[${p.hidden.join(', ')}]`, String(p.batch), f(p.stepSeconds * 1e3, 2), f(p.gemmSeconds * 1e3, 2),
    f(p.stepGflops, 1), f(p.gemmGflops, 1), `${f(p.stepSeconds / p.gemmSeconds, 2)}x`, f(p.epochSeconds, 2),
  ]);
  const epochs = 'error' in r.scaling ? [] : r.scaling.epochs;
  return [
    table(['varied', 'hidden', 'batch', 'ms / step', 'gemms ms', 'step GFLOP/s', 'gemm GFLOP/s', 'step / gemms', `s / epoch of ${SPEC.data.train}`], rows),
    '',
    'W3 epochs over the first N training examples (medians):',
    '',
    table(['N', 's / epoch', 'µs / example'], epochs.map((e) => [String(e.n), f(e.epochSeconds, 3), f((e.epochSeconds / e.n) * 1e6, 1)])),
  ].join('\n');
}

async function scalingSvg(r: Results): Promise<string | undefined> {
  const points = scalingPoints(r);
  if (points.length === 0) return undefined;
  const values = points.flatMap((p) => {
    const x = p.series === 'hidden' ? p.hidden[0] : p.series === 'batch' ? p.batch : p.hidden.length;
    return [
      { series: p.series, x, GFLOPs: p.stepGflops, what: 'nndl training step' },
      { series: p.series, x, GFLOPs: p.gemmGflops, what: 'its gemms alone' },
    ];
  });
  const panel = (series: string, title: string, log: boolean) => ({
    width: 260, height: 220, title,
    transform: [{ filter: `datum.series === '${series}'` }],
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative' as const, title, scale: log ? { type: 'log' as const, base: 2 } : {} },
      y: { field: 'GFLOPs', type: 'quantitative' as const, title: 'GFLOP/s' },
      color: { field: 'what', type: 'nominal' as const, title: null },
    },
  });
  return renderSvg({
    title: 'W3 (FullyConnectedNet, float32, SGD): achieved GFLOP/s of a training step against its gemms',
    data: { values },
    hconcat: [panel('hidden', 'hidden size (2 layers, batch 200)', true), panel('batch', 'batch size (hidden [100, 100])', true), panel('depth', 'hidden layers of 100 (batch 200)', false)],
  });
}

function memoryTable(r: Results): string {
  if (!('modes' in r.memory)) return `skipped: ${r.memory.skipped}`;
  const rows = Object.entries(r.memory.modes).map(([mode, m]) => {
    if ('error' in m) return [mode, `failed: ${m.error}`, '', '', ''];
    const data = m.dataMiB + m.modelMiB;
    return [mode === 'float32' ? 'float32 arrays (getCifar10Data)' : 'uint8 pixels, converted per minibatch (getCifar10Pixels)',
      f(m.maxRssMiB, 0), f(data, 0), `${f(m.maxRssMiB / data, 2)}x`, f(m.seconds, 2)];
  });
  const base = r.memory.baselineMiB === null ? '' : ` A bare Node process with the addon loaded peaks at ${f(r.memory.baselineMiB, 0)} MiB (counted in the peaks).`;
  return `W3, one Solver epoch on the real CIFAR-10 (${path.basename(r.memory.source)}).${base}\n\n` +
    table(['training from', 'peak RSS MiB', 'data + model MiB', 'peak / (data + model)', 's / epoch'], rows);
}

function engineLine(e: EngineInfo | undefined): string {
  if (!e) return 'nndl\'s float32 engine: OpenBLAS (the only one then)';
  const name = e.engine === 'onednn' ? 'oneDNN' : 'OpenBLAS';
  return `nndl's float32 engine: ${name} ${e.version ?? ''} (${e.isa ?? 'unknown ISA'}, ${e.threads ?? '?'} threads)`;
}

function machineLine(r: Results): string {
  const m = r.machine;
  const b = r.blas as { config?: string; corename?: string; threads?: number; env?: Record<string, string> };
  const env = Object.entries(b.env ?? {}).map(([k, v]) => `${k}=${v}`).join(' ') || 'none set';
  return `${m.cpu as string}, ${m.cores as number} cores, ${(m.totalMemoryGiB as number).toFixed(0)} GiB, Node ${m.node as string}, ${m.platform as string}. ` +
    `${engineLine(r.engine)}; float64: ${b.config ?? 'unknown'}, core ${b.corename ?? 'unknown'}, ${b.threads ?? '?'} threads; BLAS environment: ${env}.`;
}

/** The sizes a run used: recorded with it, else the spec's. */
function sizes(r: Results): { train: number; val: number; iterations: number } {
  return r.sizes ?? { train: SPEC.data.train, val: SPEC.data.val, iterations: SPEC.workloads.W1.iterations };
}

function dataLine(r: Results): string {
  const { train, val } = sizes(r);
  const source = r.data === undefined || r.data === 'generated'
    ? `${train} CIFAR-shaped generated examples (random pixels and labels)`
    : `the real CIFAR-10 (${path.basename(r.data)}): ${train} training and ${val} validation images, training mean subtracted`;
  return `Data: ${source}.${r.smoke ? ' SMOKE RUN: every workload shrunk to check the benchmark end to end; these figures measure nothing.' : ''}`;
}

export function markdown(r: Results, svgName?: string): string {
  const runners = Object.keys(r.runners);
  const out: string[] = [`# nndl benchmarks, ${r.date.slice(0, 10)}`, '', machineLine(r), '', dataLine(r), '', `Reproduce: \`${r.command}\``, ''];
  out.push('Runners:', '', ...Object.entries(r.runners).map(([n, note]) => `- ${n}: ${note}`));
  out.push(...Object.entries(r.skipped).map(([n, why]) => `- ${n}: skipped, ${why}`), '');
  for (const env of r.environments) {
    out.push(`## ${env.label}`, '');
    if (env.skipped) {
      out.push(`Skipped: ${env.skipped}.`, '');
      continue;
    }
    const trained = runners.filter((n) => Object.values(env.workloads).some((cells) => cells[n] !== undefined));
    const names = runners.filter((n) => env.kernels[n] !== undefined);
    out.push(`Training, seconds: W1 the whole train() of ${sizes(r).iterations} iterations, the others one epoch of ${sizes(r).train} (checks excluded); median [min, max] of ${r.rounds} runs, each in a fresh process.`, '');
    out.push(...Object.keys(env.workloads).map((w) => `- ${describe(env, w)}`), '');
    out.push(trainingTable(env, trained), '', ...trainingNotes(env));
    out.push('', 'W4 kernels, µs per call, median [min, max]:', '', kernelTable(env, names), '');
  }
  out.push('## Scaling', '', scalingTable(r), '');
  if (svgName) out.push(`![scaling](${svgName})`, '');
  out.push('## Memory', '', memoryTable(r), '');
  if (r.quick) {
    out.push('## Quick benchmarks', '', `Also run: ${Object.keys(r.quick).map((k) => `bench:${k}`).join(', ')}; their figures are under \`quick\` in the JSON.`, '');
  }
  const all = targets(r);
  out.push('## Targets', '', 'From benchmarks/workloads.json, in each table that ran.', '', targetsTable(all), '', ...missedNotes(all), '');
  return out.join('\n');
}

/** The README's section: machine, engine, data, training tables of both environments, targets, the command. */
function readmeSection(r: Results, mdName: string): string {
  const all = targets(r);
  const tables = r.environments.flatMap((env) => {
    if (env.skipped) return [`${env.label}: skipped, ${env.skipped}.`, ''];
    const names = Object.keys(r.runners).filter((n) => Object.values(env.workloads).some((cells) => cells[n] !== undefined));
    const notes = trainingNotes(env);
    return [`${env.label}:`, '', trainingTable(env, names), '', ...(notes.length > 0 ? [...notes, ''] : [])];
  });
  const ran = r.environments.find((env) => !env.skipped);
  return [
    BEGIN,
    `Measured ${r.date.slice(0, 10)} on ${machineLine(r)}`,
    '',
    dataLine(r),
    '',
    `Seconds (median [min, max] of ${r.rounds} fresh processes): ${Object.keys(ran?.workloads ?? SPEC.workloads).map((w) => describe(ran, w)).join('; ')}.`,
    '',
    ...tables,
    targetsTable(all),
    '',
    ...missedNotes(all),
    '',
    `Kernels, scaling, memory and the runners' settings: [benchmarks/results/${mdName}](benchmarks/results/${mdName}). Reproduce with \`${r.command}\`.`,
    END,
  ].join('\n');
}

function updateReadme(r: Results, mdName: string): void {
  const text = fs.readFileSync(README, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} ... ${END} section to write into`);
  fs.writeFileSync(README, text.slice(0, start) + readmeSection(r, mdName) + text.slice(end + END.length));
}

/** An entry of github-action-benchmark's customSmallerIsBetter format. */
export interface SmallerIsBetter {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

/**
 * The results as customSmallerIsBetter entries: every runner's seconds per
 * workload and table, and every target as a ratio where smaller is better
 * (shares of throughput inverted: the layer's time over its gemms').
 */
export function smallerIsBetter(r: Results): SmallerIsBetter[] {
  const out: SmallerIsBetter[] = [];
  for (const env of r.environments.filter((e) => !e.skipped)) {
    for (const [w, cells] of Object.entries(env.workloads)) {
      for (const [runner, c] of Object.entries(cells)) {
        if (!c.seconds) continue;
        out.push({
          name: `${w} ${runner} [${env.label}]`, unit: 's', value: c.seconds.median,
          range: `± ${f((c.seconds.max - c.seconds.min) / 2, 4)}`, extra: `${r.rounds} runs; ${SPEC.workloads[w]?.title ?? w}`,
        });
      }
    }
  }
  for (const t of targets(r)) {
    out.push({
      name: `${t.smaller ? t.name : `${t.name}, inverted`} [${t.environment}]`, unit: 'ratio', value: t.smaller ? t.value : 1 / t.value,
      extra: `target ${t.smaller ? t.limit : `<= ${f(1 / Number(t.limit.replace('>= ', '')), 3)}`}: ${t.met ? 'met' : 'missed'}`,
    });
  }
  return out;
}

/**
 * Writes the JSON (with its targets), markdown and SVG of a run into dir
 * (benchmarks/results by default) and, unless told not to, the README
 * section; returns the paths.
 */
export async function writeReport(r: Results, options: { jsonFile?: string; dir?: string; readme?: boolean } = {}): Promise<string[]> {
  const dir = options.dir ?? RESULTS;
  fs.mkdirSync(dir, { recursive: true });
  const base = options.jsonFile ? path.basename(options.jsonFile, '.json') : `${r.date.slice(0, 10)}-${String(r.machine.host)}`;
  // The JSON is written again when read, so its targets follow the current definitions.
  const files = [options.jsonFile ?? path.join(dir, `${base}.json`)];
  fs.writeFileSync(files[0], `${JSON.stringify({ ...r, targets: targets(r) }, null, 2)}\n`);
  const svg = await scalingSvg(r);
  const svgName = svg ? `${base}-scaling.svg` : undefined;
  if (svg && svgName) {
    fs.writeFileSync(path.join(dir, svgName), svg);
    files.push(path.join(dir, svgName));
  }
  const md = markdown(r, svgName);
  fs.writeFileSync(path.join(dir, `${base}.md`), `${md}\n`);
  files.push(path.join(dir, `${base}.md`));
  if (options.readme ?? true) {
    updateReadme(r, `${base}.md`);
    files.push(README);
  }
  process.stdout.write(`${md}\n`);
  return files;
}

function newestResults(): string {
  const files = fs.readdirSync(RESULTS).filter((f) => /^\d{4}-\d{2}-\d{2}-.*\.json$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no results in ${RESULTS}: run npm run bench first`);
  return path.join(RESULTS, files[files.length - 1]);
}

if (require.main === module) {
  const file = process.argv[2] ?? newestResults();
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
  writeReport(r, { jsonFile: file, dir: path.dirname(file), readme: !r.smoke }).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
