/** What a training run leaves in its output directory. */
import path from 'node:path';

import { stageFile } from '../io/atomic';
import { stageModel } from '../models/checkpoint';
import type { Model } from '../models/model';
import { accuracyPlot, lossPlot } from '../report/plots';
import { reportHtml } from '../report/html';
import { weightsPng } from '../report/weights';
import type { Solver } from '../solver';
import { replaceRun } from './out-dir';

export interface RunSummary {
  trainAcc: number;
  valAcc: number;
  testAcc: number | null;
  secondsPerEpoch: number | null;
  totalSeconds: number;
  stopped: boolean;
  /** Why training ended early with an error (a non-finite loss), or null. */
  error: string | null;
}

export interface RunFiles {
  model: Model;
  solver: Solver;
  summary: RunSummary;
  epochSeconds: number[];
  data: string;
  config: Record<string, unknown>;
}

/** Every file a run may write; history.json is written last. */
export const RUN_FILES = ['model.safetensors', 'loss.svg', 'accuracy.svg', 'weights.png', 'report.html', 'history.json'] as const;

/** Whether every parameter and buffer of the model is finite: a diverged model is not worth a file. */
export function isFiniteModel(model: Model): boolean {
  for (const t of [...Object.values(model.params), ...Object.values(model.buffers())]) {
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) return false;
  }
  return true;
}

/**
 * Writes the run's files into `out` and returns their names. Everything is
 * rendered and written under temporary names first; only when every file is
 * whole on the disk are the previous run's files removed and the new ones
 * renamed into place, history.json last. So a full disk leaves the previous
 * run as it was, and a crash among the renames leaves part of the new run,
 * never files of two runs; a history.json means its run is complete. The
 * directory itself is neither replaced nor emptied, as it may hold the
 * user's own files (`--out .`). A model that is not finite is not saved
 * (nor its weights picture); the history says so.
 */
export async function writeRunFiles(out: string, run: RunFiles): Promise<string[]> {
  const { model, solver, summary } = run;
  const saveModel = isFiniteModel(model);
  const history = {
    config: run.config,
    data: run.data,
    model: { architecture: model.architecture, ...model.config(), saved: saveModel },
    lossHistory: solver.lossHistory,
    trainAccHistory: solver.trainAccHistory,
    valAccHistory: solver.valAccHistory,
    bestValAcc: solver.bestValAcc,
    epochSeconds: run.epochSeconds,
    summary,
  };
  const loss = await lossPlot(solver.lossHistory);
  const accuracy = await accuracyPlot(solver.trainAccHistory, solver.valAccHistory);
  const files = new Map<string, string | Buffer>([['loss.svg', loss], ['accuracy.svg', accuracy]]);
  const pngs = [];
  const w1 = model.params.W1;
  const [units, channels, side] = w1.shape;
  const png =
    w1.ndim === 2 && w1.shape[0] === 3 * 32 * 32
      ? { caption: 'First-layer weights, one 32 x 32 tile per hidden unit', png: weightsPng(w1) }
      : w1.ndim === 4 && channels === 3
        ? {
          caption: `First-layer filters, one ${side} x ${side} tile per filter`,
          png: weightsPng(w1.reshape(units, -1), { orientation: 'units-by-inputs', side, zoom: Math.max(1, Math.floor(32 / side)) }),
        }
        : undefined;
  if (saveModel && png) {
    files.set('weights.png', png.png);
    pngs.push(png);
  }
  files.set('report.html', reportHtml({
    title: `nndl: ${model.architecture} on ${run.data}`,
    config: run.config,
    summary: { ...summary, bestValAcc: solver.bestValAcc, iterations: solver.lossHistory.length, modelSaved: saveModel },
    svgs: [{ caption: 'Training loss per iteration', svg: loss }, { caption: 'Train and validation accuracy per epoch', svg: accuracy }],
    pngs,
  }));
  files.set('history.json', `${JSON.stringify(history, null, 2)}\n`);

  return replaceRun(out, RUN_FILES, [
    ...(saveModel ? [() => stageModel(model, path.join(out, 'model.safetensors'))] : []),
    ...[...files].map(([name, content]) => () => stageFile(path.join(out, name), [content], { fn: 'writeRunFiles' })),
  ]);
}
