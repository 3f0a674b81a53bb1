/** Reads a queued sweep's ended trials back from their jobs, as the outcomes a local sweep has. */
import type { Queue } from 'bullmq';

import type { TrainConfig } from '../model-config';
import type { TrialOutcome } from '../sweep/results';
import { decodeResult } from './jobs';
import { jobId } from './submit';

/** `learnt`: when this process learnt of each trial's end (for the queue's overhead in sweep.json). */
export async function collect(queue: Queue, trials: readonly TrainConfig[], learnt: ReadonlyMap<number, number>): Promise<TrialOutcome[]> {
  const outcomes: TrialOutcome[] = [];
  for (const [index, config] of trials.entries()) {
    const job = await queue.getJob(jobId(index + 1));
    if (!job) continue;
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') continue;
    const extra = {
      attempts: job.attemptsMade,
      queue: { enqueued: job.timestamp, started: job.processedOn ?? null, finished: job.finishedOn ?? null, learnt: learnt.get(index) ?? null },
    };
    if (state === 'failed') {
      outcomes.push({ index, config, state: 'failed', error: job.failedReason, extra: { ...extra, worker: job.processedBy ?? null } });
      continue;
    }
    try {
      const { worker, timing, ...result } = decodeResult(job.returnvalue);
      outcomes.push({ index, config, state: result.status, result, extra: { ...extra, worker, timing } });
    } catch (e) {
      outcomes.push({ index, config, state: 'failed', error: `its result cannot be read: ${(e as Error).message}`, extra });
    }
  }
  return outcomes;
}
