/**
 * Puts a sweep's trials on its queue, one job per trial with a fixed id
 * (trial-1, trial-2, ...), so submitting the same sweep again adds only the
 * trials that are missing and retries the failed ones: finished trials are
 * never redone. A queue that holds another sweep is refused.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

import { CliError } from '../errors';
import { fullName } from './connection';
import type { TrialJobData } from './jobs';

export const jobId = (trial: number): string => `trial-${trial}`;

/** The 1-based trial of a job id, or undefined for an id this sweep does not make. */
export function trialOf(id: string | undefined): number | undefined {
  const m = /^trial-([1-9]\d*)$/.exec(id ?? '');
  return m ? Number(m[1]) : undefined;
}

export interface Submitted {
  added: number;
  retried: number;
  /** Trials already on the queue, finished or not. */
  present: number;
}

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children'] as const;

/** How a stored job differs from this sweep's, as words for the refusal. */
function difference(stored: string, job: TrialJobData): string {
  let old: Partial<TrialJobData>;
  try {
    old = JSON.parse(stored) as Partial<TrialJobData>;
  } catch {
    return '';
  }
  if (JSON.stringify(old.config) !== JSON.stringify(job.config)) return ` (trial ${job.trial} has other settings)`;
  if (old.data?.md5 !== job.data.md5) return ` (on other data: md5 ${old.data?.md5}, the data now has ${job.data.md5})`;
  return '';
}

export async function submit(queue: Queue, client: Redis, name: string, jobs: TrialJobData[], attempts: number): Promise<Submitted> {
  // Each job's data alone (not its result, which can be large): one HGET per trial, pipelined.
  const replies = await client.pipeline(jobs.map((j) => ['hget', queue.toKey(jobId(j.trial)), 'data'])).exec();
  const counts = await queue.getJobCounts(...STATES);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const other = (why = '') => new CliError(
    `the queue ${fullName(name)} holds another sweep${why}; look at it with --status, remove it with --clean, or choose another --name`,
  );
  let present = 0;
  for (const [i, reply] of (replies ?? []).entries()) {
    const [err, stored] = reply as [Error | null, string | null];
    if (err) throw err;
    if (stored === null) continue;
    present++;
    if (stored !== JSON.stringify(jobs[i])) throw other(difference(stored, jobs[i]));
  }
  if (total > present) throw other();

  let retried = 0;
  for (const job of await queue.getFailed()) {
    if (trialOf(job.id) === undefined) throw other();
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    retried++;
  }
  const missing = jobs.filter((_, i) => (replies?.[i]?.[1] ?? null) === null);
  await queue.addBulk(missing.map((data) => ({
    name: 'trial',
    data,
    opts: { jobId: jobId(data.trial), attempts, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false },
  })));
  return { added: missing.length, retried, present };
}
