/**
 * What a sweep ends with, wherever its trials ran: the trials ranked by
 * validation accuracy in a table, `sweep.json` (every trial's settings,
 * outcome and history), `sweep.svg` (accuracy against learning rate) and the
 * best model whose parameters are all finite. The exit code says whether the
 * sweep did its job.
 */
import path from 'node:path';

import { stageFile } from '../../io/atomic';
import { decodeSafetensors } from '../../io/safetensors';
import { sweepPlot } from '../../report/plots';
import { describeModel, type TrainConfig } from '../model-config';
import { replaceRun } from '../out-dir';
import { describeTrial, gridLabel } from './grid';
import type { TrialResult } from './trial';

export const SWEEP_FILES = ['sweep.json', 'sweep.svg', 'model.safetensors'] as const;

export type TrialOutcome =
  | { index: number; config: TrainConfig; state: 'done' | 'diverged'; result: TrialResult; extra?: Record<string, unknown> }
  | { index: number; config: TrainConfig; state: 'failed'; error: string; extra?: Record<string, unknown> };

export interface SweepReport {
  out: string;
  /** What the data was. */
  data: string;
  /** The whole grid, finished or not. */
  trials: readonly TrainConfig[];
  /** The trials that ended, in any order. */
  outcomes: readonly TrialOutcome[];
  seconds: number;
  /** Ctrl-C ended the sweep before every trial had. */
  interrupted: boolean;
  /** Where the trials ran (worker threads, or a queue), for sweep.json. */
  runner: Record<string, unknown>;
  note: (line: string) => void;
}

/** Whether the bytes are an nndl model file whose tensors are all finite. */
function finiteModel(bytes: Uint8Array, source: string): boolean {
  try {
    const { tensors, metadata } = decodeSafetensors(bytes, source);
    if (metadata.format !== 'nndl') return false;
    return Object.values(tensors).every((t) => t.data.every(Number.isFinite));
  } catch {
    return false;
  }
}

/** Ranked: trials with a result by validation accuracy (grid order among equals), then the failed ones. */
export function rankOutcomes(outcomes: readonly TrialOutcome[]): TrialOutcome[] {
  const score = (o: TrialOutcome) => (o.state === 'failed' ? -1 : o.result.valAcc);
  return [...outcomes].sort((a, b) => score(b) - score(a) || a.index - b.index);
}

const pad = (s: string, n: number) => s.padStart(n);

function table(ranked: readonly TrialOutcome[], note: (line: string) => void): void {
  note('\nrank  trial  learning rate  reg       hidden        val acc  train acc  seconds  status');
  ranked.forEach((o, i) => {
    const c = o.config;
    const head = `${pad(String(i + 1), 4)}  ${pad(String(o.index + 1), 5)}  ${pad(c.lr.toExponential(2), 13)}  ${String(c.reg).padEnd(8)}  ` +
      `${describeModel(c).padEnd(12)}  `;
    if (o.state === 'failed') {
      note(`${head}${pad('-', 7)}  ${pad('-', 9)}  ${pad('-', 7)}  failed: ${o.error.split('\n')[0]}`);
      return;
    }
    const r = o.result;
    note(`${head}${pad(r.valAcc.toFixed(3), 7)}  ${r.trainAcc === null ? pad('-', 9) : pad(r.trainAcc.toFixed(3), 9)}  ` +
      `${pad(r.seconds.toFixed(1), 7)}  ${o.state}`);
  });
}

/** JSON with two-space indents, but arrays of numbers on one line (histories stay readable and small). */
function json(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[\s+(-?[\d.eE+-]+(?:,\s+-?[\d.eE+-]+)*)\s+\]/g, (_, items: string) => `[${items.replace(/,\s+/g, ', ')}]`);
}

function trialEntry(o: TrialOutcome): Record<string, unknown> {
  const c = o.config;
  const settings = { trial: o.index + 1, lr: c.lr, reg: c.reg, hidden: c.hidden, seed: c.seed, model: c.model, status: o.state };
  if (o.state === 'failed') return { ...settings, error: o.error, ...o.extra };
  const r = o.result;
  return {
    ...settings, valAcc: r.valAcc, trainAcc: r.trainAcc, seconds: r.seconds,
    ...(r.error === undefined ? {} : { error: r.error }),
    ...o.extra,
    history: { valAcc: r.history.valAcc, trainAcc: r.history.trainAcc, loss: r.history.loss },
  };
}

/** Prints the table, writes the files and returns the exit code. */
export async function writeSweep(report: SweepReport): Promise<number> {
  const { out, trials, outcomes, note } = report;
  const ranked = rankOutcomes(outcomes);
  if (ranked.length > 0) table(ranked, note);
  const best = ranked.find((o) => o.state !== 'failed' && finiteModel(o.result.model, `trial ${o.index + 1}'s model`)) as
    | Extract<TrialOutcome, { result: TrialResult }>
    | undefined;

  const files = new Map<string, Uint8Array | string>();
  if (best) files.set('model.safetensors', best.result.model);
  const points = ranked.filter((o): o is Extract<TrialOutcome, { result: TrialResult }> => o.state !== 'failed');
  if (points.length > 0) {
    files.set('sweep.svg', await sweepPlot(points.map((o) => ({
      learningRate: o.config.lr, trainAcc: o.result.trainAcc ?? NaN, valAcc: o.result.valAcc, label: gridLabel(trials, o.config),
    }))));
  }
  files.set('sweep.json', `${json({
    data: report.data,
    seconds: report.seconds,
    ...report.runner,
    planned: trials.length,
    finished: outcomes.length,
    ...(report.interrupted ? { interrupted: true } : {}),
    trials: ranked.map(trialEntry),
    best: best ? { trial: best.index + 1, lr: best.config.lr, reg: best.config.reg, hidden: best.config.hidden, valAcc: best.result.valAcc } : null,
  })}\n`);
  // sweep.json last: when it is there, its run is complete.
  const written = replaceRun(out, SWEEP_FILES, [...files].map(([name, content]) => () => stageFile(path.join(out, name), [content], { fn: 'writeSweep' })));

  const failed = outcomes.filter((o) => o.state === 'failed').length;
  const diverged = outcomes.filter((o) => o.state === 'diverged').length;
  if (best) {
    note(`\nbest: trial ${best.index + 1}, ${describeTrial(best.config)}: ` +
      `val acc ${best.result.valAcc.toFixed(3)}; ${report.seconds.toFixed(1)} s in all`);
  }
  note(`${best ? '' : '\n'}wrote ${out}: ${written.join(', ')}`);
  if (report.interrupted) {
    note(`interrupted: ${outcomes.length} of ${trials.length} trials finished`);
    return 130;
  }
  if (outcomes.length > 0 && diverged === outcomes.length) {
    note(`every trial diverged (a non-finite loss)${best ? '' : '; no model saved'}`);
    return 1;
  }
  if (failed > 0) {
    note(`${failed} of ${trials.length} trials failed`);
    return 1;
  }
  if (!best) {
    note('no trial gave a model with finite parameters; no model saved');
    return 1;
  }
  return 0;
}
