/**
 * A trial on a worker thread (run by piscina): trains on the data the task
 * shares and reports its start and every accuracy check through the task's
 * port while it trains.
 */
import type { MessagePort } from 'node:worker_threads';

import type { TrainConfig } from '../model-config';
import type { SharedData } from './shared-data';
import { runTrial, type TrialResult } from './trial';

export interface TrialTask {
  config: TrainConfig;
  data: SharedData;
  port: MessagePort;
}

export type TrialMessage =
  | { type: 'start' }
  | { type: 'epoch'; epoch: number; numEpochs: number; trainAcc: number; valAcc: number };

export default function trialThread({ config, data, port }: TrialTask): TrialResult {
  const send = (m: TrialMessage) => port.postMessage(m);
  send({ type: 'start' });
  try {
    return runTrial(config, data, (e) => send({ type: 'epoch', epoch: e.epoch, numEpochs: e.numEpochs, trainAcc: e.trainAcc, valAcc: e.valAcc }));
  } finally {
    port.close();
  }
}
