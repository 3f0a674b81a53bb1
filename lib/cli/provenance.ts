/**
 * What `nndl train` attaches to the model it saves: the preprocessing of its data
 * (mean image, class names, layout) and where the data came from (the
 * --data value that gives it again, the md5 of its file or directory, the
 * seed of generated data). The Solver adds how training went; `nndl eval`
 * and `nndl serve` read it back.
 */
import { cachedArchive } from '../data/download';
import type { Preprocessing } from '../models/preprocessing';
import type { SplitData } from './data';
import { pathMd5 } from './queue/data-md5';

export async function runPreprocessing(data: SplitData, seed: number): Promise<Preprocessing> {
  const source = data.data === 'cifar10' ? cachedArchive() : data.data === 'synthetic' ? undefined : data.data;
  return {
    meanImage: data.meanImage,
    classNames: data.classNames,
    layout: 'nchw',
    training: {
      data: data.data,
      ...(source === undefined ? {} : { md5: await pathMd5(source) }),
      ...(data.data === 'synthetic' ? { seed } : {}),
    },
  };
}
