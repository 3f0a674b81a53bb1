/** The thread that loads and hashes a queue worker's data (see loadWorkerDataInThread). */
import { parentPort, workerData } from 'node:worker_threads';

import type { DType } from '../../tensor';
import { loadWorkerData } from './data-source';

const { source, dtype, seed } = workerData as { source: string; dtype: DType; seed: number };
loadWorkerData(source, dtype, seed).then(
  (data) => parentPort!.postMessage({ data }),
  (e: Error) => parentPort!.postMessage({ error: e.message }),
);
