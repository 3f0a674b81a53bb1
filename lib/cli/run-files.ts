/** What a training run leaves in its output directory. */
import fs from 'node:fs';
import path from 'node:path';

import type { Model } from '../models/model';
import { accuracyPlot, lossPlot } from '../report/plots';
import { reportHtml } from '../report/html';
import { weightsPng } from '../report/weights';
import type { Solver } from '../solver';

export interface RunSummary {
  trainAcc: number;
  valAcc: number;
  testAcc: number | null;
  secondsPerEpoch: number | null;
  totalSeconds: number;
  stopped: boolean;
}

export interface RunFiles {
  model: Model;
  solver: Solver;
  summary: RunSummary;
  epochSeconds: number[];
  data: string;
  config: Record<string, unknown>;
}

/** Writes a file through a temporary name, so a reader never sees half of it. */
function writeAtomic(file: string, content: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

export async function writeRunFiles(out: string, run: RunFiles): Promise<void> {
  const { model, solver, summary } = run;
  model.save(path.join(out, 'model.safetensors'));
  const history = {
    config: run.config,
    data: run.data,
    model: { architecture: model.architecture, ...model.config() },
    lossHistory: solver.lossHistory,
    trainAccHistory: solver.trainAccHistory,
    valAccHistory: solver.valAccHistory,
    bestValAcc: solver.bestValAcc,
    epochSeconds: run.epochSeconds,
    summary,
  };
  writeAtomic(path.join(out, 'history.json'), `${JSON.stringify(history, null, 2)}\n`);
  const loss = await lossPlot(solver.lossHistory);
  const accuracy = await accuracyPlot(solver.trainAccHistory, solver.valAccHistory);
  writeAtomic(path.join(out, 'loss.svg'), loss);
  writeAtomic(path.join(out, 'accuracy.svg'), accuracy);
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
  if (png) {
    writeAtomic(path.join(out, 'weights.png'), png.png);
    pngs.push(png);
  }
  writeAtomic(path.join(out, 'report.html'), reportHtml({
    title: `nndl: ${model.architecture} on ${run.data}`,
    config: run.config,
    summary: { ...summary, bestValAcc: solver.bestValAcc, iterations: solver.lossHistory.length },
    svgs: [{ caption: 'Training loss per iteration', svg: loss }, { caption: 'Train and validation accuracy per epoch', svg: accuracy }],
    pngs,
  }));
}
