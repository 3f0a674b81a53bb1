/**
 * Threads that run trials, a fixed number at a time, sharing the cores: the
 * local sweep and the queue worker both run their trials here.
 */
import { MessageChannel } from 'node:worker_threads';
import path from 'node:path';

import { Piscina } from 'piscina';

import { setBlasThreads } from '../../blas';
import type { TrainConfig } from '../model-config';
import type { SharedData } from './shared-data';
import type { TrialResult } from './trial';
import type { TrialMessage, TrialTask } from './trial-thread';

export interface TrialCallbacks {
  /** The trial's thread has begun it. */
  onStart?: () => void;
  /** After each accuracy check (epoch 0 is the check after the first iteration). */
  onEpoch?: (e: Extract<TrialMessage, { type: 'epoch' }>) => void;
  /** Aborting ends the trial's thread at once; run() then rejects with an AbortError. */
  signal?: AbortSignal;
}

export class TrialPool {
  private readonly pool: Piscina<TrialTask, TrialResult>;

  /**
   * `threads` trials at a time; every BLAS call uses `blasThreads` threads
   * (a setting of the whole process).
   */
  constructor(readonly threads: number, readonly blasThreads: number) {
    setBlasThreads(blasThreads);
    this.pool = new Piscina({ filename: path.join(__dirname, 'trial-thread.js'), minThreads: threads, maxThreads: threads });
  }

  async run(config: TrainConfig, data: SharedData, callbacks: TrialCallbacks = {}): Promise<TrialResult> {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: TrialMessage) => {
      if (m.type === 'start') callbacks.onStart?.();
      else callbacks.onEpoch?.(m);
    });
    try {
      return await this.pool.run({ config, data, port: port2 }, { transferList: [port2], signal: callbacks.signal ?? null });
    } finally {
      port1.close();
    }
  }

  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}
