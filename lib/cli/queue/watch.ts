/**
 * Waits for a queued sweep's trials with live progress: BullMQ's queue events
 * say when a trial starts, reports an epoch, ends or goes back to the queue
 * (a stalled worker, a retry); the job counts, read every second, say when
 * every trial has ended, correct the picture after any event missed, and
 * notice trials that are gone from the queue.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { Queue, QueueEvents } from 'bullmq';

import type { SweepProgress, TrialState } from '../sweep/progress';
import { fullName } from './connection';
import { jobId, trialOf } from './submit';

const POLL_MS = 1000;
const STATES = ['waiting', 'prioritized', 'delayed', 'waiting-children', 'active', 'completed', 'failed'] as const;
/** Say how to start a worker when no trial has started for this long. */
const IDLE_HINT_MS = 10000;

type Reported = { status?: unknown; valAcc?: unknown; seconds?: unknown; error?: unknown };

function finishedLine(r: Reported): [state: 'done' | 'diverged', line: string] {
  const acc = typeof r.valAcc === 'number' ? r.valAcc.toFixed(3) : '?';
  const secs = typeof r.seconds === 'number' ? ` (${r.seconds.toFixed(1)} s)` : '';
  return r.status === 'diverged' ? ['diverged', `diverged, val acc ${acc} before: ${String(r.error)}`] : ['done', `val acc ${acc}${secs}`];
}

/** The state the display shows for a BullMQ job state. */
function shown(state: string): TrialState | undefined {
  if (state === 'active') return 'running';
  if (state === 'failed') return 'failed';
  if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') return 'queued';
  return undefined;
}

export interface WatchOptions {
  queue: Queue;
  events: QueueEvents;
  name: string;
  trials: number;
  progress: SweepProgress;
  /** Aborted by Ctrl-C: stop waiting. */
  signal: AbortSignal;
  /** How to start a worker, for the hint. */
  workerCommand: string;
}

export interface Watched {
  /** When (ms since the epoch) this process learnt of each ended trial's end. */
  learnt: Map<number, number>;
  /** Trials (0-based) no longer on the queue: removed by --clean, or lost by a Redis that restarted without persistence. */
  lost: number[];
}

/** Resolves when every trial has ended, the signal is aborted, or trials have vanished from the queue. */
export async function watch(o: WatchOptions): Promise<Watched> {
  const { queue, events, progress } = o;
  const learnt = new Map<number, number>();
  const lost = new Set<number>();
  const index = (id: string) => {
    const t = trialOf(id);
    return t !== undefined && t <= o.trials ? t - 1 : undefined;
  };
  let lastStart = Date.now();
  const started = async (i: number) => {
    lastStart = Date.now();
    const job = await queue.getJob(jobId(i + 1));
    progress.started(i, job?.processedBy);
  };
  events.on('active', ({ jobId: id }) => {
    const i = index(id);
    if (i !== undefined) void started(i);
  });
  events.on('progress', ({ jobId: id, data }) => {
    const i = index(id);
    const e = data as { epoch?: unknown; numEpochs?: unknown; valAcc?: unknown };
    if (i !== undefined && typeof e.epoch === 'number' && typeof e.numEpochs === 'number' && typeof e.valAcc === 'number') {
      progress.epoch(i, { epoch: e.epoch, numEpochs: e.numEpochs, valAcc: e.valAcc });
    }
  });
  events.on('completed', ({ jobId: id, returnvalue }) => {
    const i = index(id);
    if (i === undefined || learnt.has(i)) return;
    learnt.set(i, Date.now());
    progress.finished(i, ...finishedLine((returnvalue ?? {}) as Reported));
  });
  events.on('failed', ({ jobId: id, failedReason }) => {
    const i = index(id);
    if (i === undefined || learnt.has(i)) return;
    learnt.set(i, Date.now());
    progress.finished(i, 'failed', `failed: ${failedReason}`);
  });
  events.on('stalled', ({ jobId: id }) => {
    const i = index(id);
    if (i !== undefined) progress.note(`trial ${i + 1}: its worker stopped answering; the trial goes back to the queue`);
  });
  for (const name of ['waiting', 'delayed'] as const) {
    events.on(name, ({ jobId: id }: { jobId: string }) => {
      const i = index(id);
      if (i !== undefined && !learnt.has(i)) progress.queued(i);
    });
  }
  await events.waitUntilReady();

  /** Reads every trial's state (after the events were subscribed, so none is missed between). */
  const resync = async () => {
    for (let i = 0; i < o.trials; i++) {
      if (learnt.has(i)) continue;
      const state = await queue.getJobState(jobId(i + 1));
      if (state === 'completed') {
        const job = await queue.getJob(jobId(i + 1));
        learnt.set(i, Date.now());
        progress.finished(i, ...finishedLine((job?.returnvalue ?? {}) as Reported));
      } else if (state === 'failed') {
        const job = await queue.getJob(jobId(i + 1));
        learnt.set(i, Date.now());
        progress.finished(i, 'failed', `failed: ${job?.failedReason}`);
      } else if (shown(state) === 'running') {
        await started(i);
      } else if (shown(state) === 'queued') {
        progress.queued(i);
      } else if (state === 'unknown') {
        lost.add(i);
      }
    }
  };
  await resync();
  let hinted = false;
  while (!o.signal.aborted && lost.size === 0) {
    const counts = await queue.getJobCounts(...STATES);
    if (counts.completed + counts.failed >= o.trials) {
      // Every end is known to BullMQ: read any this process missed.
      await resync();
      break;
    }
    const c = progress.counts();
    const present = STATES.reduce((sum, s) => sum + counts[s], 0);
    if (present < o.trials || c.done + c.diverged + c.failed !== counts.completed + counts.failed || c.running !== counts.active) {
      await resync();
      if (lost.size > 0) break;
    }
    if (!hinted && counts.active === 0 && Date.now() - lastStart > IDLE_HINT_MS) {
      hinted = true;
      progress.note(`no worker is running a trial of ${fullName(o.name)}; start some with: ${o.workerCommand}`);
    }
    await sleep(POLL_MS, undefined, { signal: o.signal }).catch(() => {});
  }
  return { learnt, lost: [...lost].sort((a, b) => a - b) };
}
