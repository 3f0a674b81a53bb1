/**
 * Training progress for a person or a log: on a terminal, a live bar per
 * epoch (iteration, loss, rate, ETA); elsewhere (CI logs, pipes), one plain
 * line per epoch.
 */
import { SingleBar } from 'cli-progress';

import type { EpochEvent, IterationEvent } from '../solver';

export interface Progress {
  iteration(e: IterationEvent): void;
  epoch(e: EpochEvent): void;
  /** A message between bars (or a plain line). */
  note(line: string): void;
  done(): void;
}

function epochLine(e: EpochEvent, loss: number | undefined): string {
  const head = e.epoch === 0 ? 'start' : `epoch ${e.epoch}/${e.numEpochs}`;
  const lossPart = loss === undefined ? '' : `  loss ${loss.toFixed(4)}`;
  const time = e.epoch === 0 ? '' : `  ${e.seconds.toFixed(1)} s`;
  return `${head}${lossPart}  train acc ${e.trainAcc.toFixed(3)}  val acc ${e.valAcc.toFixed(3)}${time}`;
}

export function createProgress(stream: NodeJS.WriteStream, iterationsPerEpoch: number): Progress {
  let lossSum = 0;
  let lossCount = 0;
  const meanLoss = () => (lossCount > 0 ? lossSum / lossCount : undefined);
  const resetLoss = () => {
    lossSum = 0;
    lossCount = 0;
  };
  if (!stream.isTTY) {
    return {
      iteration: (e) => {
        lossSum += e.loss;
        lossCount++;
      },
      epoch: (e) => {
        stream.write(`${epochLine(e, e.epoch === 0 ? undefined : meanLoss())}\n`);
        if (e.epoch > 0) resetLoss();
      },
      note: (line) => stream.write(`${line}\n`),
      done: () => {},
    };
  }
  const bar = new SingleBar({
    stream,
    format: 'epoch {epoch} [{bar}] {value}/{total} | loss {loss} | {rate} it/s | ETA {eta_formatted}',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  let active = false;
  let started = 0;
  let epoch = 1;
  return {
    iteration: (e) => {
      lossSum += e.loss;
      lossCount++;
      const within = e.iteration - (epoch - 1) * iterationsPerEpoch;
      if (!active) {
        started = Date.now();
        bar.start(iterationsPerEpoch, 0, { epoch: `${epoch}/${Math.ceil(e.numIterations / iterationsPerEpoch)}`, loss: '-', rate: '-' });
        active = true;
      }
      const seconds = (Date.now() - started) / 1000;
      bar.update(within, { loss: e.loss.toFixed(4), rate: seconds > 0 ? (within / seconds).toFixed(0) : '-' });
    },
    epoch: (e) => {
      if (active) {
        bar.stop();
        active = false;
      }
      stream.write(`${epochLine(e, e.epoch === 0 ? undefined : meanLoss())}\n`);
      if (e.epoch > 0) {
        resetLoss();
        epoch = e.epoch + 1;
      }
    },
    note: (line) => {
      if (active) bar.stop();
      active = false;
      stream.write(`${line}\n`);
    },
    done: () => {
      if (active) bar.stop();
      active = false;
    },
  };
}
