/**
 * One sweep trial, run by a piscina worker thread: trains a model on the data
 * the main thread shares (SharedArrayBuffers, no copies) and returns its
 * accuracies and best parameters.
 */
import { workerData } from 'node:worker_threads';

import { Solver } from '../solver';
import { Tensor, type DType } from '../tensor';
import { buildModel, solverOptions, type TrainConfig } from './model-config';

export interface SharedTensor {
  data: Float32Array | Float64Array;
  shape: number[];
}

export interface SharedData {
  XTrain: SharedTensor;
  yTrain: Int32Array;
  XVal: SharedTensor;
  yVal: Int32Array;
  numClasses: number;
}

export interface TrialResult {
  /** Best validation accuracy of the trial. */
  valAcc: number;
  /** Train accuracy at that check. */
  trainAcc: number;
  seconds: number;
  /** Why training stopped early (a non-finite loss), if it did. */
  error?: string;
  params: Record<string, { data: Float32Array | Float64Array; shape: number[]; dtype: DType }>;
}

const shared = (workerData as { data: SharedData }).data;
const tensor = (t: SharedTensor) => new Tensor(t.data, t.shape);

export default function trial(config: TrainConfig): TrialResult {
  const XTrain = tensor(shared.XTrain);
  const started = process.hrtime.bigint();
  const model = buildModel(config, XTrain.shape.slice(1), shared.numClasses, config.seed);
  const solver = new Solver(model, { XTrain, yTrain: shared.yTrain, XVal: tensor(shared.XVal), yVal: shared.yVal }, solverOptions(config));
  let failure: string | undefined;
  try {
    solver.train();
  } catch (e) {
    // A diverging trial (non-finite loss) is a result too: it keeps its best so far.
    failure = (e as Error).message;
  }
  const params = Object.fromEntries(
    Object.entries(model.params).map(([name, p]) => [name, { data: p.data, shape: [...p.shape], dtype: p.dtype }]),
  );
  return {
    valAcc: solver.bestValAcc,
    trainAcc: solver.trainAccHistory[solver.valAccHistory.indexOf(solver.bestValAcc)] ?? NaN,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    ...(failure === undefined ? {} : { error: failure }),
    params,
  };
}
