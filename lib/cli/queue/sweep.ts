/**
 * `nndl sweep --queue URL --name NAME`: the grid's trials as jobs on the
 * BullMQ queue nndl:NAME, run by `nndl worker` processes on any machine;
 * waits for them with live progress (unless --no-wait) and ends with the
 * same outputs as a local sweep. Running it again resumes: finished trials
 * are collected, not redone.
 */
import { Queue, QueueEvents } from 'bullmq';

import { CliError } from '../errors';
import { prepareOut } from '../out-dir';
import { gridTrials, type GridOptions } from '../sweep/grid';
import { SweepProgress } from '../sweep/progress';
import { writeSweep } from '../sweep/results';
import { collect } from './collect';
import { PREFIX, checkReachable, closeWithin, fullName, redisClient, showUrl } from './connection';
import { sweepData } from './data-source';
import { TRIAL_JOB_FORMAT, parseTrialJob, type TrialJobData } from './jobs';
import { reportErrorsOnce } from './redis-errors';
import { submit } from './submit';
import { watch, type Watched } from './watch';

/** Events kept in the queue's stream (BullMQ's default is 10,000). */
const EVENTS_KEPT = 100;

export interface QueueSweepOptions extends GridOptions {
  queue: string;
  name: string;
  data?: string;
  out: string;
  /** Wait for the trials and write the outputs (else only submit them). */
  wait: boolean;
  /** Runs of a trial that throws, before it is failed. */
  attempts: number;
  /** Largest model file a trial may return, in MiB. */
  maxModelMb: number;
}

export async function queueSweep(o: QueueSweepOptions): Promise<number> {
  const trials = gridTrials(o);
  if (o.wait) prepareOut(o.out);
  await checkReachable(o.queue);
  const note = (line: string) => process.stdout.write(`${line}\n`);
  const data = await sweepData(o.data, o.dtype, o.seed, note);
  const jobs: TrialJobData[] = trials.map((config, i) => ({
    format: TRIAL_JOB_FORMAT, trial: i + 1, trials: trials.length, config, data, maxModelBytes: Math.max(1, Math.floor(o.maxModelMb * 2 ** 20)),
  }));
  // What a worker will refuse is refused here first (a seed past numpy's range, say).
  for (const job of jobs) {
    try {
      parseTrialJob(job);
    } catch (e) {
      throw new CliError((e as Error).message.replace(/^malformed trial job: /, `trial ${job.trial}: `));
    }
  }
  const onError = reportErrorsOnce((line) => process.stderr.write(`${line}\n`));
  const client = redisClient(o.queue).on('error', onError);
  const eventsClient = redisClient(o.queue).on('error', onError);
  // Each 'completed' event carries the trial's result: a short event stream keeps few copies of them in Redis.
  // (The sweep reads the events as they come, and reads the jobs themselves for anything it missed.)
  const queue = new Queue(o.name, { connection: client, prefix: PREFIX, streams: { events: { maxLen: EVENTS_KEPT } } }).on('error', onError);
  let events: QueueEvents | undefined;
  try {
    const s = await submit(queue, client, o.name, jobs, o.attempts);
    note(
      `sweep of ${trials.length} trials on ${data.description}, queue ${fullName(o.name)} at ${showUrl(o.queue)}: ` +
        `${s.added} added, ${s.present} already there${s.retried ? ` (${s.retried} failed ones retried)` : ''}`,
    );
    const workerCommand = `nndl worker --queue ${showUrl(o.queue)} --name ${o.name}`;
    if (!o.wait) {
      note(`not waiting: workers take the trials (${workerCommand}); run this command again to wait for them and write the results`);
      return 0;
    }
    events = new QueueEvents(o.name, { connection: eventsClient, prefix: PREFIX }).on('error', onError);
    const progress = new SweepProgress(process.stdout, trials);
    const stop = new AbortController();
    const onSigint = () => {
      if (stop.signal.aborted) process.exit(130);
      progress.note('interrupted: writing the finished trials (Ctrl-C again to quit at once); the others go on in the queue');
      stop.abort();
    };
    process.on('SIGINT', onSigint);
    const started = process.hrtime.bigint();
    let watched: Watched;
    try {
      watched = await watch({ queue, events, name: o.name, trials: trials.length, progress, signal: stop.signal, workerCommand });
    } finally {
      process.off('SIGINT', onSigint);
      progress.close();
    }
    const { learnt, lost } = watched;
    const outcomes = await collect(queue, trials, learnt);
    const code = await writeSweep({
      out: o.out,
      data: data.description,
      trials,
      outcomes,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      interrupted: stop.signal.aborted || lost.length > 0,
      runner: { queue: showUrl(o.queue), name: fullName(o.name), attempts: o.attempts, dataMd5: data.md5 },
      note,
    });
    if (lost.length > 0) {
      process.stderr.write(
        `nndl: ${lost.length === 1 ? 'trial' : 'trials'} ${lost.map((i) => i + 1).join(', ')} of ${fullName(o.name)} ` +
          'left the queue unfinished (removed with --clean, or lost by a Redis restarted without persistence); ' +
          'run this command again to put them back\n',
      );
      return 1;
    }
    if (stop.signal.aborted) note('the other trials go on in the queue: run this command again to collect them');
    return code;
  } finally {
    await closeWithin([() => events?.close(), () => queue.close()]);
    client.disconnect();
    eventsClient.disconnect();
  }
}
