/** `nndl sweep --queue URL --name NAME --status` and `--clean`: look at a queued sweep, or remove it. */
import { Queue } from 'bullmq';

import { PREFIX, checkReachable, closeWithin, fullName, redisClient, showUrl } from './connection';
import { describeTrial } from '../sweep/grid';
import { parseTrialJob } from './jobs';
import { reportErrorsOnce } from './redis-errors';
import { trialOf } from './submit';

export interface QueueRef {
  queue: string;
  name: string;
}

const STATES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'] as const;

async function withQueue<T>(ref: QueueRef, use: (queue: Queue) => Promise<T>): Promise<T> {
  await checkReachable(ref.queue);
  const onError = reportErrorsOnce((line) => process.stderr.write(`${line}\n`));
  const client = redisClient(ref.queue).on('error', onError);
  const queue = new Queue(ref.name, { connection: client, prefix: PREFIX }).on('error', onError);
  try {
    return await use(queue);
  } finally {
    await closeWithin([() => queue.close()]);
    client.disconnect();
  }
}

/** Prints the counts and one line per trial: its state, attempts, worker and outcome. */
export function queueStatus(ref: QueueRef): Promise<number> {
  return withQueue(ref, async (queue) => {
    const say = (line: string) => process.stdout.write(`${line}\n`);
    const counts = await queue.getJobCounts(...STATES);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const where = `${fullName(ref.name)} at ${showUrl(ref.queue)}`;
    if (total === 0) {
      say(`${where} holds no trials`);
      return 0;
    }
    say(`${where}: ${total} trials: ${STATES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`).join(', ')}`);
    const jobs = (await queue.getJobs([...STATES])).sort((a, b) => (trialOf(a.id) ?? 0) - (trialOf(b.id) ?? 0));
    for (const job of jobs) {
      const state = await job.getState();
      let settings: string;
      try {
        const c = parseTrialJob(job.data).config;
        settings = describeTrial(c);
      } catch (e) {
        settings = (e as Error).message;
      }
      const r = job.returnvalue as { status?: unknown; valAcc?: unknown } | null;
      const outcome = state === 'completed' && r && typeof r.valAcc === 'number'
        ? `: ${r.status === 'diverged' ? 'diverged, ' : ''}val acc ${r.valAcc.toFixed(3)}`
        : state === 'failed' ? `: ${job.failedReason}` : '';
      const progress = state === 'active' && typeof job.progress === 'object' && job.progress !== null
        ? ` epoch ${(job.progress as { epoch?: number }).epoch}/${(job.progress as { numEpochs?: number }).numEpochs}` : '';
      say(`  ${String(job.id).padEnd(10)} ${settings}: ${state}${progress}, ${job.attemptsMade} attempts` +
        `${job.processedBy ? `, last on ${job.processedBy}` : ''}${outcome}`);
    }
    return 0;
  });
}

/** Removes the queue and everything in it, running trials too (their workers go on to other work). */
export function queueClean(ref: QueueRef): Promise<number> {
  return withQueue(ref, async (queue) => {
    const counts = await queue.getJobCounts(...STATES);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    await queue.obliterate({ force: true });
    process.stdout.write(`removed ${fullName(ref.name)} at ${showUrl(ref.queue)} (${total} trials)\n`);
    return 0;
  });
}
