/**
 * `nndl sweep`: a grid over learning rate (and regularization, hidden width),
 * each trial with its own seed, run in parallel on worker threads (piscina)
 * that share the data without copying it; ranks the trials by validation
 * accuracy and keeps the best model.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Piscina } from 'piscina';

import { setBlasThreads } from '../blas';
import { sweepPlot } from '../report/plots';
import { sharedZeros, type Tensor } from '../tensor';
import { loadData, type SplitData } from './data';
import { CliError } from './errors';
import { buildModel, checkModelConfig, describeModel, type TrainConfig } from './model-config';
import type { SharedData, TrialResult } from './sweep-worker';
import { prepareOut } from './train';

export interface SweepOptions extends Omit<TrainConfig, 'lr' | 'reg'> {
  lrs: number[];
  regs: number[];
  hiddenSizes?: number[];
  workers: number;
  data?: string;
  out: string;
}

/** The tensor's data in a SharedArrayBuffer: as it is when it already is, else copied there. */
function share(t: Tensor): { data: Float32Array | Float64Array; shape: number[] } {
  if (t.data.buffer instanceof SharedArrayBuffer) return { data: t.data, shape: [...t.shape] };
  const copy = sharedZeros(t.shape, t.dtype);
  copy.data.set(t.data);
  return { data: copy.data, shape: [...t.shape] };
}

function shareLabels(y: Int32Array): Int32Array {
  const copy = new Int32Array(new SharedArrayBuffer(y.byteLength));
  copy.set(y);
  return copy;
}

export async function sweep(options: SweepOptions): Promise<number> {
  if (options.hiddenSizes && options.model !== 'two-layer' && options.model !== 'fc') {
    throw new CliError(`--hidden-sizes sweeps the widths of two-layer and fc networks, not ${options.model === 'conv' ? '--model conv' : '--layers'}`);
  }
  const hiddens = options.hiddenSizes ? options.hiddenSizes.map((w) => options.hidden.map(() => w)) : [options.hidden];
  const trials: TrainConfig[] = [];
  for (const hidden of hiddens) {
    for (const reg of options.regs) {
      for (const lr of options.lrs) {
        trials.push({ ...options, hidden, reg, lr, seed: options.seed + trials.length });
      }
    }
  }
  for (const t of trials) checkModelConfig(t);
  prepareOut(options.out);
  const note = (line: string) => console.log(line);
  const data: SplitData = await loadData({ data: options.data, dtype: options.dtype, seed: options.seed, note, shared: true });
  const shared: SharedData = {
    XTrain: share(data.XTrain), yTrain: shareLabels(data.yTrain),
    XVal: share(data.XVal), yVal: shareLabels(data.yVal),
    numClasses: data.classNames.length,
  };
  const workers = Math.min(options.workers, trials.length);
  // Workers share the cores; each trial's BLAS calls get its part of them.
  setBlasThreads(Math.max(1, Math.floor(os.cpus().length / workers)));
  note(`sweep of ${trials.length} trials on ${data.source}, ${workers} at a time`);
  const pool = new Piscina({
    filename: path.join(__dirname, 'sweep-worker.js'),
    minThreads: workers,
    maxThreads: workers,
    workerData: { data: shared },
  });
  const started = process.hrtime.bigint();
  let results: TrialResult[];
  try {
    results = await Promise.all(trials.map(async (t, i) => {
      const r = (await pool.run(t)) as TrialResult;
      note(`trial ${i + 1}/${trials.length}: lr ${t.lr} reg ${t.reg} ${describeModel(t)}: val acc ${r.valAcc.toFixed(3)} (${r.seconds.toFixed(1)} s)${r.error ? ' diverged' : ''}`);
      return r;
    }));
  } finally {
    await pool.destroy();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const ranked = trials.map((t, i) => ({ config: t, result: results[i] })).sort((a, b) => b.result.valAcc - a.result.valAcc);

  console.log('\nrank  learning rate  reg       hidden        val acc  train acc  seconds');
  ranked.forEach(({ config, result }, i) => {
    console.log(
      `${String(i + 1).padStart(4)}  ${config.lr.toExponential(2).padStart(13)}  ${String(config.reg).padEnd(8)}  ` +
        `${`[${config.hidden.join(', ')}]`.padEnd(12)}  ${result.valAcc.toFixed(3).padStart(7)}  ` +
        `${Number.isNaN(result.trainAcc) ? '      -' : result.trainAcc.toFixed(3).padStart(9)}  ${result.seconds.toFixed(1).padStart(7)}`,
    );
  });

  const best = ranked[0];
  const model = buildModel(best.config, data.XTrain.shape.slice(1), data.classNames.length, best.config.seed);
  for (const [name, p] of Object.entries(best.result.params)) model.params[name].data.set(p.data);
  model.save(path.join(options.out, 'model.safetensors'));
  const label = (t: TrainConfig) =>
    [options.regs.length > 1 ? `reg ${t.reg}` : '', hiddens.length > 1 ? `hidden ${t.hidden[0]}` : ''].filter((s) => s).join(', ');
  fs.writeFileSync(path.join(options.out, 'sweep.svg'), await sweepPlot(
    trials.map((t, i) => ({ learningRate: t.lr, trainAcc: results[i].trainAcc, valAcc: results[i].valAcc, label: label(t) })),
  ));
  fs.writeFileSync(path.join(options.out, 'sweep.json'), `${JSON.stringify({
    data: data.source,
    seconds,
    workers,
    trials: ranked.map(({ config, result }) => ({
      lr: config.lr, reg: config.reg, hidden: config.hidden, seed: config.seed, model: config.model,
      valAcc: result.valAcc, trainAcc: Number.isNaN(result.trainAcc) ? null : result.trainAcc, seconds: result.seconds,
      ...(result.error ? { error: result.error } : {}),
    })),
    best: { lr: best.config.lr, reg: best.config.reg, hidden: best.config.hidden, valAcc: best.result.valAcc },
  }, null, 2)}\n`);
  note(`\nbest: lr ${best.config.lr}, reg ${best.config.reg}, hidden [${best.config.hidden.join(', ')}]: val acc ${best.result.valAcc.toFixed(3)}; ` +
    `${seconds.toFixed(1)} s in all; wrote ${options.out}: model.safetensors, sweep.json, sweep.svg`);
  return 0;
}
