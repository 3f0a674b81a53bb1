/** The data a command trains or evaluates on, from --data. */
import fs from 'node:fs';

import { getCifar10Data, loadCifar10, type Cifar10Data } from '../data/cifar10';
import { cacheDir, cachedArchive, cachedCifar10Archive } from '../data/download';
import { kindOf } from '../io/input-file';
import type { DType } from '../tensor';
import { CliError } from './errors';
import { syntheticData } from './synthetic';

export interface SplitData extends Omit<Cifar10Data, 'meanImage'> {
  /** What the data is, for logs and reports. */
  source: string;
}

export interface DataRequest {
  /** A path, 'cifar10', 'synthetic', or undefined for "CIFAR-10 if it can be had, else synthetic". */
  data?: string;
  dtype: DType;
  seed: number;
  /** Where to say what is happening. */
  note: (line: string) => void;
  /** Put CIFAR-10 arrays in SharedArrayBuffers (for worker threads). */
  shared?: boolean;
}

/**
 * The reference's split (49,000 / 1,000 / 1,000) of the full data set; a
 * smaller one (a subset, test fixtures) keeps a tenth of its training images,
 * at most 1,000, for validation.
 */
async function cifar(source: string, label: string, dtype: DType, shared = false): Promise<SplitData> {
  const raw = await loadCifar10(source);
  const n = raw.XTrain.shape[0];
  const numValidation = Math.min(1000, Math.floor(n / 10));
  const d = await getCifar10Data({
    data: raw, dtype, layout: 'nchw', shared,
    numTraining: Math.min(49000, n - numValidation), numValidation, numTest: Math.min(1000, raw.XTest.shape[0]),
  });
  return { ...d, source: `CIFAR-10 (${label})` };
}

/** Download progress as a line every 16 MiB. */
function downloadNotes(note: (line: string) => void) {
  let last = 0;
  return (received: number, total: number | undefined) => {
    if (received - last >= 16 * 2 ** 20 || received === total) {
      last = received;
      note(`downloading CIFAR-10: ${(received / 2 ** 20).toFixed(0)} MiB${total ? ` of ${(total / 2 ** 20).toFixed(0)}` : ''}`);
    }
  };
}

/** The archive in the cache, read; one that cannot be read is an error, never a reason to use other data. */
async function cachedCifar(file: string, dtype: DType, shared?: boolean): Promise<SplitData> {
  try {
    return await cifar(file, cacheDir(), dtype, shared);
  } catch (e) {
    throw new CliError(`the cached CIFAR-10 archive is corrupt: ${(e as Error).message.split('\n')[0]}; delete it to download it again, or pass --data synthetic`);
  }
}

export async function loadData(req: DataRequest): Promise<SplitData> {
  const { data, dtype, seed, note, shared } = req;
  if (data === 'synthetic') return syntheticData(seed, dtype);
  if (data !== undefined && data !== 'cifar10') {
    if (!fs.existsSync(data)) throw new CliError(`data path ${data} does not exist`);
    const stats = fs.statSync(data);
    if (!stats.isDirectory() && !stats.isFile()) {
      throw new CliError(`data path ${data} is ${kindOf(stats)}, expected a CIFAR-10 directory or .tar.gz file`);
    }
    return cifar(data, data, dtype, shared);
  }
  const cached = cachedArchive();
  if (cached !== undefined) return cachedCifar(cached, dtype, shared);
  let file: string;
  try {
    file = await cachedCifar10Archive({ onProgress: downloadNotes(note) });
  } catch (e) {
    // Asked for by name: no fallback.
    if (data === 'cifar10') throw e;
    const reason = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
    note(`no CIFAR-10 in ${cacheDir()} and none could be downloaded (${reason}); training on generated data instead (--data synthetic)`);
    return syntheticData(seed, dtype);
  }
  return cachedCifar(file, dtype, shared);
}
