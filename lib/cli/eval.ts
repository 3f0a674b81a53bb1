/** `nndl eval`: a saved model's accuracy on a split, and its confusion table. */
import fs from 'node:fs';

import { kindOf } from '../io/input-file';
import { loadModel } from '../models/load';
import { argmaxRows } from '../ops';
import { Tensor } from '../tensor';
import { loadData } from './data';
import { CliError } from './errors';

export interface EvalOptions {
  model: string;
  data: string;
  split: 'test' | 'val' | 'train';
  seed: number;
}

export async function evaluate(options: EvalOptions): Promise<number> {
  if (!fs.existsSync(options.model)) throw new CliError(`model file ${options.model} does not exist`);
  const stats = fs.statSync(options.model);
  if (!stats.isFile()) throw new CliError(`model file ${options.model} is ${kindOf(stats)}, expected a regular file (a model.safetensors)`);
  let model;
  try {
    model = loadModel(options.model);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  if (!('inputDim' in model)) throw new CliError(`${options.model} holds a ${model.architecture}, which eval does not take`);
  const data = await loadData({ data: options.data, dtype: model.dtype, seed: options.seed, note: (l) => console.log(l) });
  const [X, y] = options.split === 'test' ? [data.XTest, data.yTest] : options.split === 'val' ? [data.XVal, data.yVal] : [data.XTrain, data.yTrain];
  const inputDim = X.size / X.shape[0];
  if (inputDim !== model.inputDim) throw new CliError(`the model takes ${model.inputDim} inputs but ${data.source} has ${inputDim}`);
  const classes = data.classNames.length;
  if (model.numClasses !== classes) {
    throw new CliError(`${options.model} predicts ${model.numClasses} classes but ${data.source} has ${classes}`);
  }
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const batch = 500;
  let correct = 0;
  for (let start = 0; start < X.shape[0]; start += batch) {
    const n = Math.min(batch, X.shape[0] - start);
    const xb = new Tensor(X.data.subarray(start * inputDim, (start + n) * inputDim), [n, ...X.shape.slice(1)]);
    const predicted = argmaxRows(model.loss(xb));
    predicted.forEach((p, i) => {
      confusion[y[start + i]][p]++;
      if (p === y[start + i]) correct++;
    });
  }
  console.log(`${model.architecture} on the ${options.split} split of ${data.source}: accuracy ${(100 * correct / X.shape[0]).toFixed(2)}% (${correct} of ${X.shape[0]})`);
  console.log('confusion (rows: true class, columns: predicted), with per-class accuracy:');
  const width = Math.max(...data.classNames.map((c) => c.length));
  console.log(`${' '.repeat(width)} ${confusion.map((_, j) => String(j).padStart(5)).join('')}   acc`);
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const acc = total > 0 ? `${((100 * row[i]) / total).toFixed(1)}%` : '-';
    console.log(`${data.classNames[i].padEnd(width)} ${row.map((v) => String(v).padStart(5)).join('')}   ${acc.padStart(5)}`);
  });
  return 0;
}
