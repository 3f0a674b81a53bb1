/**
 * A sweep's grid: every combination of learning rate, regularization and
 * hidden width, each trial a full TrainConfig (the model described as the
 * command line describes it) with its own seed.
 */
import { CliError } from '../errors';
import { checkModelConfig, describeModel, type TrainConfig } from '../model-config';

export interface GridOptions extends Omit<TrainConfig, 'lr' | 'reg'> {
  lrs: number[];
  regs: number[];
  /** Widths tried for every hidden layer, instead of `hidden` as given. */
  hiddenSizes?: number[];
}

/** The trials in grid order (learning rate fastest); trial i has seed `seed + i`. */
export function gridTrials(options: GridOptions): TrainConfig[] {
  const { lrs, regs, hiddenSizes } = options;
  // Only the settings of a trial: options may carry the command's others (output, workers, ...).
  const { model, layers, hidden, batchnorm, dropout, dtype, weightScale, update, lrDecay, epochs, batchSize, seed, augment } = options;
  const base = {
    model, ...(layers === undefined ? {} : { layers }), hidden, batchnorm, dropout, dtype, ...(weightScale === undefined ? {} : { weightScale }),
    update, lrDecay, epochs, batchSize, seed, ...(augment === undefined ? {} : { augment }),
  };
  if (hiddenSizes && model !== 'two-layer' && model !== 'fc') {
    throw new CliError(`--hidden-sizes sweeps the widths of two-layer and fc networks, not ${model === 'conv' ? '--model conv' : '--layers'}`);
  }
  const hiddens = hiddenSizes ? hiddenSizes.map((w) => base.hidden.map(() => w)) : [base.hidden];
  const trials: TrainConfig[] = [];
  for (const hidden of hiddens) {
    for (const reg of regs) {
      for (const lr of lrs) trials.push({ ...base, hidden, reg, lr, seed: base.seed + trials.length });
    }
  }
  for (const t of trials) checkModelConfig(t);
  return trials;
}

/** How a trial differs from the others of its grid, for a plot legend ('' when only the learning rate varies). */
export function gridLabel(trials: readonly TrainConfig[], t: TrainConfig): string {
  const varies = (key: (c: TrainConfig) => string) => new Set(trials.map(key)).size > 1;
  return [
    varies((c) => String(c.reg)) ? `reg ${t.reg}` : '',
    varies((c) => c.hidden.join()) ? `hidden ${t.hidden.join(',')}` : '',
  ].filter((s) => s).join(', ');
}

/** One line naming a trial's settings. */
export function describeTrial(t: TrainConfig): string {
  return `lr ${t.lr} reg ${t.reg} ${t.model === 'two-layer' || t.model === 'fc' ? 'hidden ' : ''}${describeModel(t)}`;
}
