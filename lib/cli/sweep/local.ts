/**
 * `nndl sweep` on this machine: the grid's trials run `workers` at a time on
 * worker threads that share the data (SharedArrayBuffers, no copies) and the
 * cores. Ctrl-C ends the running trials and still writes the finished ones.
 */
import os from 'node:os';

import { loadData } from '../data';
import { prepareOut } from '../out-dir';
import { gridTrials, type GridOptions } from './grid';
import { SweepProgress } from './progress';
import { writeSweep, type TrialOutcome } from './results';
import { shareData } from './shared-data';
import { TrialPool } from './trial-pool';

export interface LocalSweepOptions extends GridOptions {
  workers: number;
  data?: string;
  out: string;
}

export async function localSweep(options: LocalSweepOptions): Promise<number> {
  const trials = gridTrials(options);
  prepareOut(options.out);
  const note = (line: string) => process.stdout.write(`${line}\n`);
  const data = await loadData({ data: options.data, dtype: options.dtype, seed: options.seed, note, shared: true });
  const shared = shareData(data);
  const workers = Math.min(options.workers, trials.length);
  note(`sweep of ${trials.length} trials on ${data.source}, ${workers} at a time`);
  // Workers share the cores; each trial's BLAS calls get its part of them.
  const pool = new TrialPool(workers, Math.max(1, Math.floor(os.cpus().length / workers)));
  const progress = new SweepProgress(process.stdout, trials);
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    progress.note('interrupted: writing the finished trials (Ctrl-C again to quit at once)');
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  const outcomes: TrialOutcome[] = [];
  const started = process.hrtime.bigint();
  try {
    await Promise.all(trials.map(async (config, index) => {
      try {
        const result = await pool.run(config, shared, {
          signal: stop.signal,
          onStart: () => progress.started(index),
          onEpoch: (e) => progress.epoch(index, e),
        });
        outcomes.push({ index, config, state: result.status, result });
        progress.finished(index, result.status, result.status === 'done'
          ? `val acc ${result.valAcc.toFixed(3)} (${result.seconds.toFixed(1)} s)`
          : `diverged, val acc ${result.valAcc.toFixed(3)} before: ${result.error}`);
      } catch (e) {
        if (stop.signal.aborted) return;
        const error = (e as Error).message ?? String(e);
        outcomes.push({ index, config, state: 'failed', error });
        progress.finished(index, 'failed', `failed: ${error}`);
      }
    }));
  } finally {
    process.off('SIGINT', onSigint);
    progress.close();
    await pool.destroy();
  }
  return writeSweep({
    out: options.out,
    data: data.source,
    trials,
    outcomes,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    interrupted: stop.signal.aborted,
    runner: { workers },
    note,
  });
}
