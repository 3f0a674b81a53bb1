/**
 * `nndl train`: trains one model with the Solver, showing progress, and
 * writes the model, its history, the notebook's plots, the first-layer
 * weights and an HTML report into the output directory. Ctrl-C stops after
 * the current iteration and still writes everything, with the best model so
 * far; so does a loss that stops being finite, which then exits non-zero.
 */
import { Solver } from '../solver';
import { loadData, type SplitData } from './data';
import { CliError } from './errors';
import { buildModel, checkModelConfig, checkSizes, describeModel, solverOptions, type TrainConfig } from './model-config';
import { prepareOut } from './out-dir';
import { createProgress } from './progress';
import { runPreprocessing } from './provenance';
import { writeRunFiles } from './run-files';

export interface TrainOptions extends TrainConfig {
  data?: string;
  out: string;
}

export async function train(options: TrainOptions): Promise<number> {
  checkModelConfig(options);
  prepareOut(options.out);
  const stdout = process.stdout;
  const note = (line: string) => stdout.write(`${line}\n`);
  const data: SplitData = await loadData({ data: options.data, dtype: options.dtype, seed: options.seed, note });
  const inputShape = data.XTrain.shape.slice(1);
  checkSizes(options, inputShape, data.classNames.length, data.XTrain.shape[0], data.source);
  const model = buildModel(options, inputShape, data.classNames.length, options.seed);
  model.preprocessing = await runPreprocessing(data, options.seed);
  const iterationsPerEpoch = Math.max(Math.floor(data.XTrain.shape[0] / options.batchSize), 1);
  note(
    `training ${model.architecture} ${describeModel(options)} on ${data.source}: ` +
      `${data.XTrain.shape[0]} train / ${data.XVal.shape[0]} val / ${data.XTest.shape[0]} test, ` +
      `${options.epochs} epochs of ${iterationsPerEpoch} iterations, ${options.update} lr ${options.lr}${options.augment ? ', augmented' : ''}`,
  );
  const progress = createProgress(stdout, iterationsPerEpoch);
  const epochSeconds: number[] = [];
  const solver = new Solver(model, { XTrain: data.XTrain, yTrain: data.yTrain, XVal: data.XVal, yVal: data.yVal }, {
    ...solverOptions(options),
    onIteration: (e) => progress.iteration(e),
    onEpoch: (e) => {
      if (e.epoch > 0) epochSeconds.push(e.seconds);
      progress.epoch(e);
    },
  });

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress.note('stopping after this iteration (Ctrl-C again to quit at once)');
    solver.stop();
  };
  process.on('SIGINT', onSigint);
  const started = process.hrtime.bigint();
  // A failed run (a loss that is no longer finite) still writes its files,
  // with the best parameters so far, which the Solver has restored.
  let failure: Error | undefined;
  try {
    await solver.trainAsync();
  } catch (e) {
    failure = e as Error;
  } finally {
    process.off('SIGINT', onSigint);
    progress.done();
  }
  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  const summary = {
    trainAcc: solver.checkAccuracy(data.XTrain, data.yTrain),
    valAcc: solver.checkAccuracy(data.XVal, data.yVal),
    testAcc: data.XTest.shape[0] > 0 ? solver.checkAccuracy(data.XTest, data.yTest) : null,
    secondsPerEpoch: epochSeconds.length > 0 ? epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length : null,
    totalSeconds,
    stopped: solver.stopped,
    error: failure ? failure.message : null,
  };
  // The accuracies on the whole splits, in place of the Solver's sampled ones.
  const p = model.preprocessing;
  const { trainAcc, valAcc, testAcc } = summary;
  model.preprocessing = { ...p, training: { ...p.training, trainAcc, valAcc, ...(testAcc === null ? {} : { testAcc }) } };
  const written = await writeRunFiles(options.out, {
    model, solver, summary, epochSeconds, data: data.source,
    config: { ...options, out: undefined, data: options.data ?? 'default' },
  });
  const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
  note(
    `${solver.stopped ? 'stopped early; ' : failure ? 'failed; ' : ''}train acc ${pct(summary.trainAcc)}, val acc ${pct(summary.valAcc)}, ` +
      `test acc ${pct(summary.testAcc)}; ${summary.secondsPerEpoch === null ? '-' : summary.secondsPerEpoch.toFixed(2)} s per epoch`,
  );
  note(`wrote ${options.out}: ${written.join(', ')}`);
  if (failure) {
    const saved = written.includes('model.safetensors');
    throw new CliError(`${failure.message.split('\n')[0]}; ${saved ? 'the best model so far is saved' : 'no model was saved: it is not finite (its parameters or batchnorm statistics)'}`);
  }
  return solver.stopped ? 130 : 0;
}
