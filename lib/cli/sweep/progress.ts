/**
 * Live progress of a sweep's trials, wherever they run: how many are queued,
 * running, done and failed, and each running trial's epoch and accuracy. On a
 * terminal a block of lines is redrawn in place under the finished trials'
 * lines; in logs every start, check and end is a line of its own.
 */
import type { TrainConfig } from '../model-config';
import { describeTrial } from './grid';

export type TrialState = 'queued' | 'running' | 'done' | 'diverged' | 'failed';

interface Running {
  epoch?: { epoch: number; numEpochs: number; valAcc: number };
  where?: string;
}

export interface EpochReport {
  epoch: number;
  numEpochs: number;
  valAcc: number;
}

/** Redraws at most this often on a terminal. */
const REDRAW_MS = 100;

export class SweepProgress {
  private readonly states: TrialState[];
  private readonly running = new Map<number, Running>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stream: NodeJS.WriteStream, private readonly trials: readonly TrainConfig[]) {
    this.states = trials.map(() => 'queued');
  }

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  private name(i: number): string {
    return `trial ${i + 1}/${this.trials.length} (${describeTrial(this.trials[i])})`;
  }

  counts(): Record<'queued' | 'running' | 'done' | 'diverged' | 'failed', number> {
    const c = { queued: 0, running: 0, done: 0, diverged: 0, failed: 0 };
    for (const s of this.states) c[s]++;
    return c;
  }

  private countsLine(): string {
    const c = this.counts();
    return `${c.queued} queued, ${c.running} running, ${c.done + c.diverged} done${c.diverged ? ` (${c.diverged} diverged)` : ''}, ${c.failed} failed`;
  }

  /** Trial i is queued again (handed back, or retried after a failed attempt); an ended trial stays ended. */
  queued(i: number): void {
    if (this.states[i] !== 'running') return;
    this.states[i] = 'queued';
    this.running.delete(i);
    this.changed(`${this.name(i)}: queued again`);
  }

  /** Trial i has begun, on `where` (a worker's name) when known. */
  started(i: number, where?: string): void {
    if (this.states[i] !== 'queued') return;
    this.states[i] = 'running';
    this.running.set(i, where === undefined ? {} : { where });
    this.changed(`${this.name(i)}: started${where ? ` on ${where}` : ''}`);
  }

  epoch(i: number, e: EpochReport): void {
    const r = this.running.get(i);
    if (!r) return;
    r.epoch = { epoch: e.epoch, numEpochs: e.numEpochs, valAcc: e.valAcc };
    this.changed(`${this.name(i)}: epoch ${e.epoch}/${e.numEpochs}, val acc ${e.valAcc.toFixed(3)}`);
  }

  /** Trial i has ended; `line` says how, and is kept on the screen. */
  finished(i: number, state: 'done' | 'diverged' | 'failed', line: string): void {
    this.states[i] = state;
    this.running.delete(i);
    this.note(`${this.name(i)}: ${line}${this.tty ? '' : ` (${this.countsLine()})`}`);
  }

  /** A line kept above the live block. */
  note(line: string): void {
    if (!this.tty) {
      this.stream.write(`${line}\n`);
      return;
    }
    this.erase();
    this.stream.write(`${line}\n`);
    this.draw();
  }

  /** Stops redrawing and leaves the last counts on the screen. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.tty) {
      this.erase();
      this.stream.write(`${this.countsLine()}\n`);
    }
  }

  private changed(logLine: string): void {
    if (!this.tty) {
      this.stream.write(`${logLine}\n`);
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.erase();
      this.draw();
    }, REDRAW_MS);
  }

  private erase(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    const width = this.stream.columns ?? 120;
    const lines = [this.countsLine()];
    for (const [i, r] of [...this.running].sort((a, b) => a[0] - b[0])) {
      const e = r.epoch ? `epoch ${r.epoch.epoch}/${r.epoch.numEpochs}, val acc ${r.epoch.valAcc.toFixed(3)}` : 'starting';
      lines.push(`  ${this.name(i)}: ${e}${r.where ? ` on ${r.where}` : ''}`);
    }
    this.stream.write(`${lines.map((l) => l.slice(0, width - 1)).join('\n')}\n`);
    this.drawn = lines.length;
  }
}
