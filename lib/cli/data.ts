/** The data a command trains or evaluates on, from --data. */
import fs from 'node:fs';
import path from 'node:path';

import { getCifar10Data, loadCifar10, type Cifar10Data } from '../data/cifar10';
import { CIFAR10_ARCHIVES, cacheDir } from '../data/download';
import type { DType } from '../tensor';
import { CliError } from './errors';
import { syntheticData } from './synthetic';

export interface SplitData extends Cifar10Data {
  /** What the data is, for logs and reports. */
  source: string;
  /** The --data value that gives this data again: 'cifar10', 'synthetic', or an absolute path. */
  data: string;
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
async function cifar(source: string, dtype: DType, note: (line: string) => void, shared = false): Promise<SplitData> {
  let last = 0;
  const raw = await loadCifar10(source, {
    onProgress: (received, total) => {
      if (received - last >= 16 * 2 ** 20 || received === total) {
        last = received;
        note(`downloading CIFAR-10: ${(received / 2 ** 20).toFixed(0)} MiB${total ? ` of ${(total / 2 ** 20).toFixed(0)}` : ''}`);
      }
    },
  });
  const n = raw.XTrain.shape[0];
  const numValidation = Math.min(1000, Math.floor(n / 10));
  const d = await getCifar10Data({
    data: raw, dtype, layout: 'nchw', shared,
    numTraining: Math.min(49000, n - numValidation), numValidation, numTest: Math.min(1000, raw.XTest.shape[0]),
  });
  return {
    ...d,
    source: source === 'cifar10' ? `CIFAR-10 (${cacheDir()})` : `CIFAR-10 (${source})`,
    data: source === 'cifar10' ? source : path.resolve(source),
  };
}

export async function loadData(req: DataRequest): Promise<SplitData> {
  const { data, dtype, seed, note, shared } = req;
  if (data === 'synthetic') return syntheticData(seed, dtype);
  if (data === 'cifar10') return cifar('cifar10', dtype, note, shared);
  if (data !== undefined) {
    if (!fs.existsSync(data)) throw new CliError(`data path ${data} does not exist`);
    return cifar(data, dtype, note, shared);
  }
  const cached = Object.values(CIFAR10_ARCHIVES).some((a) => fs.existsSync(path.join(cacheDir(), a.file)));
  try {
    return await cifar('cifar10', dtype, cached ? () => {} : note, shared);
  } catch (e) {
    const reason = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
    note(`no CIFAR-10 in ${cacheDir()} and none could be downloaded (${reason}); training on generated data instead (--data synthetic)`);
    return syntheticData(seed, dtype);
  }
}
