/**
 * `nndl worker --queue URL [--name NAME]`: takes the trials of the queued
 * sweep nndl:NAME, `concurrency` at a time, on any machine. It loads the data
 * itself and refuses to train on data whose md5 is not the sweep's; each
 * trial's epochs are reported as job progress and its result (metrics,
 * history, model bytes) is the job's return value. BullMQ does the rest: a
 * trial that throws is retried up to the sweep's attempts, and the trials of
 * a worker that dies are found stalled and given to another.
 *
 * Ctrl-C finishes the running trials and stops; a second Ctrl-C (or SIGTERM)
 * hands them back to the queue at once. Either way no trial is lost and none
 * runs to completion twice.
 */
import os from 'node:os';

import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';

import { CliError } from '../errors';
import { describeTrial } from '../sweep/grid';
import { TrialPool } from '../sweep/trial-pool';
import { PREFIX, checkReachable, closeWithin, fullName, redisClient, showUrl } from './connection';
import { loadWorkerDataInThread, type WorkerData } from './data-source';
import { MalformedJobError, encodeResult, parseTrialJob, type TrialJobData, type TrialJobResult } from './jobs';
import { reportErrorsOnce } from './redis-errors';

export interface WorkerCommandOptions {
  queue: string;
  name: string;
  /** Trials at a time. */
  concurrency: number;
  /** BLAS threads of each trial (default: the cores shared out). */
  threads?: number;
  /** This machine's copy of the sweep's data, instead of the path the sweep names. */
  data?: string;
  /** How long a trial's lock lasts without renewal: a dead worker's trials go back to the queue after this. */
  stalledSeconds: number;
}

export async function queueWorker(o: WorkerCommandOptions): Promise<number> {
  await checkReachable(o.queue);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const onError = reportErrorsOnce((line) => process.stderr.write(`${line}\n`));
  const me = `${os.hostname()}:${process.pid}`;
  const threads = o.threads ?? Math.max(1, Math.floor(os.cpus().length / o.concurrency));
  const pool = new TrialPool(o.concurrency, threads);
  const client = redisClient(o.queue).on('error', onError);
  const handBack = new AbortController();
  let refusal: string | undefined;

  // The data of the trials at hand, loaded once and shared by every trial that uses it.
  const datasets = new Map<string, Promise<WorkerData>>();
  const dataFor = (job: TrialJobData): Promise<WorkerData> => {
    const source = o.data ?? job.data.source;
    const key = [source, job.config.dtype, source === 'synthetic' ? job.data.seed : ''].join('\0');
    let loaded = datasets.get(key);
    if (!loaded) {
      datasets.clear();
      loaded = loadWorkerDataInThread(source, job.config.dtype, job.data.seed);
      datasets.set(key, loaded);
    }
    return loaded;
  };

  const trialName = (job: Job) => {
    try {
      const d = parseTrialJob(job.data);
      return `trial ${d.trial}/${d.trials} (${describeTrial(d.config)})`;
    } catch {
      return `job ${job.id}`;
    }
  };

  const worker: Worker<unknown, TrialJobResult> = new Worker<unknown, TrialJobResult>(o.name, async (job, token) => {
    const received = Date.now();
    let spec: TrialJobData;
    try {
      spec = parseTrialJob(job.data);
    } catch (e) {
      // No worker could run it: failed at once, with the reason, and this worker goes on.
      throw new UnrecoverableError((e as MalformedJobError).message);
    }
    let data: WorkerData;
    try {
      data = await dataFor(spec);
      if (data.md5 !== spec.data.md5) {
        throw new Error(`the data ${o.data ?? spec.data.source} here has md5 ${data.md5} but the sweep's has ${spec.data.md5}`);
      }
    } catch (e) {
      // This worker cannot run the sweep's trials: it hands the job back and stops.
      refusal ??= (e as Error).message;
      void worker.close();
      await job.log(`refused by ${me}: ${refusal}`);
      await job.moveToWait(token);
      throw new WaitingError();
    }
    let started = received;
    try {
      const result = await pool.run(spec.config, data.shared, {
        signal: handBack.signal,
        onStart: () => {
          started = Date.now();
        },
        onEpoch: (e) => {
          say(`${trialName(job)}: epoch ${e.epoch}/${e.numEpochs}, val acc ${e.valAcc.toFixed(3)}`);
          job.updateProgress({ epoch: e.epoch, numEpochs: e.numEpochs, trainAcc: e.trainAcc, valAcc: e.valAcc }).catch(onError);
        },
      });
      const ended = Date.now();
      try {
        return encodeResult(result, spec, me, { received, started, ended });
      } catch (e) {
        // The same trial gives the same model anywhere: retrying cannot help.
        throw new UnrecoverableError((e as Error).message);
      }
    } catch (e) {
      if (!handBack.signal.aborted) throw e;
      await job.moveToWait(token);
      throw new WaitingError();
    }
  }, {
    connection: client,
    prefix: PREFIX,
    concurrency: o.concurrency,
    name: me,
    autorun: false,
    lockDuration: o.stalledSeconds * 1000,
    stalledInterval: o.stalledSeconds * 1000,
    // A trial whose worker dies twice (a machine too small for it, say) is failed rather than tried forever.
    maxStalledCount: 1,
  });
  worker.on('error', onError);
  worker.on('active', (job) => say(`${trialName(job)}: started`));
  worker.on('completed', (job, r) => {
    say(`${trialName(job)}: ${r.status === 'diverged' ? 'diverged, ' : ''}val acc ${r.valAcc.toFixed(3)} (${r.seconds.toFixed(1)} s)`);
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    const again = !(err instanceof UnrecoverableError) && job.attemptsMade < attempts;
    say(`${trialName(job)}: attempt ${job.attemptsMade} of ${attempts} failed: ${err.message}${again ? '; it will be retried' : ''}`);
  });

  let signal: 'SIGINT' | 'SIGTERM' | undefined;
  const onSigint = () => {
    if (signal === undefined) {
      signal = 'SIGINT';
      say('finishing the running trials, then stopping (Ctrl-C again to hand them back to the queue)');
      void worker.close();
      return;
    }
    say('handing the running trials back to the queue');
    handBack.abort();
  };
  const onSigterm = () => {
    signal = 'SIGTERM';
    say('handing the running trials back to the queue');
    handBack.abort();
    void worker.close();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  say(`worker ${me} on ${fullName(o.name)} at ${showUrl(o.queue)}: ${o.concurrency} trials at a time, ${threads} BLAS threads each`);
  try {
    // run() ends once the worker is closing and its trials are done; what is left of closing is connections.
    await worker.run();
    await closeWithin([() => worker.close()]);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    await pool.destroy();
    client.disconnect();
  }
  if (refusal !== undefined) throw new CliError(`refused the trials of ${fullName(o.name)}: ${refusal}`);
  return signal === 'SIGTERM' ? 143 : signal === 'SIGINT' ? 130 : 0;
}
