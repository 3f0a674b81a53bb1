/**
 * SharedArrayBuffers that a worker thread writes random words into, all the
 * time: arrays the fuzz run places there change before and during the calls
 * that read them (labels and indices out of range, NaN floats, generator
 * states moved or zeroed), as another thread of a program could change them.
 */
import { Worker } from 'node:worker_threads';

import type { AnyArray } from './bindings';
import type { Rand } from './rand';

const BUFFERS = 8;
const BYTES = 4096;

// xorshift32 over the words of every buffer; half the values are ones that
// break indices or floats.
const SCRIBBLER = `
const { workerData } = require('node:worker_threads');
const views = workerData.buffers.map((b) => new Int32Array(b));
const stop = new Int32Array(workerData.stop);
const special = [0x7fffff00, -1, 0, 1, 2, 0x7fc00000, 0x7ff80000, -2147483648, 0x7f800000];
let x = workerData.seed | 1;
while (Atomics.load(stop, 0) === 0) {
  for (const v of views) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    Atomics.store(v, (x >>> 0) % v.length, x & 8 ? special[(x >>> 4) % special.length] : x);
  }
}
`;

export class ScribbledMemory {
  private readonly buffers = Array.from({ length: BUFFERS }, () => new SharedArrayBuffer(BYTES));
  private readonly stop = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker: Worker;

  constructor(seed: number) {
    this.worker = new Worker(SCRIBBLER, { eval: true, workerData: { buffers: this.buffers, stop: this.stop.buffer, seed } });
  }

  /** A copy of `a` in the scribbled memory (from now on changing at any moment), or `a` itself when too large. */
  place<A extends AnyArray>(a: A, rand: Rand): A {
    const size = a.BYTES_PER_ELEMENT;
    if (a.byteLength > BYTES) return a;
    const offset = rand.int(0, (BYTES - a.byteLength) / size) * size;
    const copy = new (a.constructor as new (b: ArrayBufferLike, o: number, n: number) => A)(rand.pick(this.buffers), offset, a.length);
    copy.set(a as never);
    return copy;
  }

  async close(): Promise<void> {
    Atomics.store(this.stop, 0, 1);
    await this.worker.terminate();
  }
}
