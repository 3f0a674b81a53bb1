/**
 * The data of a queued sweep: named by the sweep (a path made absolute,
 * 'cifar10' for the cache, or 'synthetic') with its md5, and loaded by each
 * worker from its own copy, which must have the same md5.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { cachedCifar10Archive, cacheDir } from '../../data/download';
import type { DType } from '../../tensor';
import { loadData } from '../data';
import { CliError } from '../errors';
import { syntheticData } from '../synthetic';
import { shareData, type SharedData } from '../sweep/shared-data';
import { arraysMd5, pathMd5 } from './data-md5';

export interface SweepData {
  /** An absolute path, 'cifar10' or 'synthetic'. */
  source: string;
  md5: string;
  /** Seed of generated data (and of nothing else). */
  seed: number;
  /** What the data is, for logs and sweep.json. */
  description: string;
}

/** md5 of a source as this machine has it; generated data is made to be hashed. */
async function md5Of(source: string, dtype: DType, seed: number): Promise<string> {
  if (source === 'synthetic') return arraysMd5(syntheticData(seed, dtype));
  if (source === 'cifar10') return pathMd5(await cachedCifar10Archive());
  return pathMd5(source);
}

/** The data a queued sweep names for its trials (as `nndl sweep --data` picks it), with its md5. */
export async function sweepData(data: string | undefined, dtype: DType, seed: number, note: (line: string) => void): Promise<SweepData> {
  let source: string;
  if (data === 'synthetic' || data === 'cifar10') source = data;
  else if (data !== undefined) {
    if (!fs.existsSync(data)) throw new CliError(`data path ${data} does not exist`);
    source = path.resolve(data);
  } else {
    try {
      await cachedCifar10Archive();
      source = 'cifar10';
    } catch (e) {
      const reason = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
      note(`no CIFAR-10 in ${cacheDir()} and none could be downloaded (${reason}); the trials train on generated data instead (--data synthetic)`);
      source = 'synthetic';
    }
  }
  let md5: string;
  try {
    md5 = await md5Of(source, dtype, seed);
  } catch (e) {
    throw new CliError(`cannot read the data ${source}: ${(e as Error).message}`);
  }
  const description = source === 'synthetic' ? `synthetic (seed ${seed})` : source === 'cifar10' ? `CIFAR-10 (${cacheDir()})` : `CIFAR-10 (${source})`;
  return { source, md5, seed, description };
}

export interface WorkerData {
  shared: SharedData;
  md5: string;
  description: string;
}

/**
 * A worker's copy of the data at `source`, loaded into shared memory, with
 * its md5. Loading and hashing are heavy and partly synchronous, so they run
 * in the calling thread only when it is a thread of their own: see
 * loadWorkerDataInThread.
 */
export async function loadWorkerData(source: string, dtype: DType, seed: number): Promise<WorkerData> {
  if (source !== 'synthetic' && source !== 'cifar10' && !fs.existsSync(source)) {
    throw new Error(`data path ${source} does not exist on this machine (give this worker --data with its copy)`);
  }
  const data = await loadData({ data: source, dtype, seed, note: () => {}, shared: true });
  const md5 = source === 'synthetic' ? arraysMd5(data) : await md5Of(source, dtype, seed);
  return { shared: shareData(data), md5, description: data.source };
}

/**
 * loadWorkerData on a thread of its own: the worker's event loop stays free
 * to renew its trials' locks (a loop blocked longer than the lock lasts would
 * let the trials be taken for stalled). The arrays come back shared, not copied.
 */
export function loadWorkerDataInThread(source: string, dtype: DType, seed: number): Promise<WorkerData> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(path.join(__dirname, 'data-thread.js'), { workerData: { source, dtype, seed } });
    thread.once('message', (m: { data: WorkerData } | { error: string }) => ('data' in m ? resolve(m.data) : reject(new Error(m.error))));
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the data thread stopped (exit code ${code}) before loading ${source}`)));
  });
}
