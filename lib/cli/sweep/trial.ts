/**
 * One sweep trial: trains the model its config describes, from its seed, and
 * returns its accuracies, its history and the model file's bytes (the best
 * parameters by validation accuracy). The result depends only on the config,
 * the seed and the data: a trial gives the same numbers on a thread of the
 * local sweep and in a queue worker on another machine.
 */
import { NonFiniteLossError } from '../../errors';
import { encodeModel } from '../../models/checkpoint';
import { Solver, type EpochEvent } from '../../solver';
import { buildModel, solverOptions, type TrainConfig } from '../model-config';
import { sharedTensor, type SharedData } from './shared-data';

export interface TrialHistory {
  /** Loss of every iteration. */
  loss: number[];
  /** Train and validation accuracy at each check. */
  trainAcc: number[];
  valAcc: number[];
}

export interface TrialResult {
  /** 'diverged': the loss became NaN or infinite; the result keeps the best parameters before that. */
  status: 'done' | 'diverged';
  /** Best validation accuracy. */
  valAcc: number;
  /** Train accuracy at that check; null when no check was made. */
  trainAcc: number | null;
  /** Seconds of training. */
  seconds: number;
  /** The Solver's message, for a diverged trial. */
  error?: string;
  history: TrialHistory;
  /** The model file (safetensors, as model.save writes it) with the best parameters. */
  model: Uint8Array;
}

/** Runs one trial; any error but a non-finite loss is thrown (a failure, not a result). */
export function runTrial(config: TrainConfig, data: SharedData, onEpoch?: (e: EpochEvent) => void): TrialResult {
  const XTrain = sharedTensor(data.XTrain);
  const started = process.hrtime.bigint();
  const model = buildModel(config, XTrain.shape.slice(1), data.numClasses, config.seed);
  const solver = new Solver(model, { XTrain, yTrain: data.yTrain, XVal: sharedTensor(data.XVal), yVal: data.yVal }, {
    ...solverOptions(config),
    ...(onEpoch ? { onEpoch } : {}),
  });
  let diverged: string | undefined;
  try {
    solver.train();
  } catch (e) {
    if (!(e instanceof NonFiniteLossError)) throw e;
    diverged = e.message;
  }
  const best = solver.valAccHistory.indexOf(solver.bestValAcc);
  return {
    status: diverged === undefined ? 'done' : 'diverged',
    valAcc: solver.bestValAcc,
    trainAcc: best >= 0 ? solver.trainAccHistory[best] : null,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    ...(diverged === undefined ? {} : { error: diverged }),
    history: { loss: solver.lossHistory, trainAcc: solver.trainAccHistory, valAcc: solver.valAccHistory },
    model: encodeModel(model),
  };
}
