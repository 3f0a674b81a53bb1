/**
 * What a run attaches to the model it saves: the preprocessing of its data
 * (mean image, class names, layout) and where the data came from (the
 * --data value that gives it again, the md5 of its file, the seed of
 * generated data). The Solver adds how training went; `nndl eval` and
 * `nndl serve` read it back.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { CIFAR10_ARCHIVES, cacheDir } from '../data/download';
import type { Preprocessing } from '../models/preprocessing';
import type { SplitData } from './data';

/** The file the data was read from, when it was one file: an archive given by path, or the cache's. */
function dataFile(data: string): string | undefined {
  if (data === 'cifar10') {
    return Object.values(CIFAR10_ARCHIVES).map((a) => path.join(cacheDir(), a.file)).find((f) => fs.existsSync(f));
  }
  return data !== 'synthetic' && fs.statSync(data).isFile() ? data : undefined;
}

async function md5(file: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

export async function runPreprocessing(data: SplitData, seed: number): Promise<Preprocessing> {
  const file = dataFile(data.data);
  return {
    meanImage: data.meanImage,
    classNames: data.classNames,
    layout: 'nchw',
    training: {
      data: data.data,
      ...(file === undefined ? {} : { md5: await md5(file) }),
      ...(data.data === 'synthetic' ? { seed } : {}),
    },
  };
}
