/**
 * Models written by the code of commit fdbfb29, before TwoLayerNet and
 * FullyConnectedNet were built over Sequential (test/fixtures/legacy/make.js
 * wrote them): they still load, and the same models trained again now, and
 * as Sequentials of the same layers, give the very same numbers. The
 * trainings are bit-identical where the files were written (the same BLAS
 * kernels); on another processor OpenBLAS sums in another order, and float32
 * on the oneDNN engine too: there they agree to rounding. The old class and
 * the Sequential of the same layers, trained here side by side, are
 * bit-identical on every machine and engine.
 */
import fs from 'node:fs';
import path from 'node:path';

import { blasInfo } from '../lib/blas';
import { engineInfo } from '../lib/engine';
import { readCheckpoint } from '../lib/models/checkpoint';
import { FullyConnectedNet } from '../lib/models/fully-connected-net';
import { loadModel } from '../lib/models/load';
import type { Model } from '../lib/models/model';
import { Sequential, type LayerInput } from '../lib/models/sequential';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { NumpyRandomState } from '../lib/random';
import { Solver, type SolverOptions } from '../lib/solver';
import type { DType } from '../lib/tensor';

const DIR = path.join(__dirname, 'fixtures', 'legacy');

/** The data of make.js: standard normal images (n, 3, 4, 4) and labels in [0, 5). */
function data(dtype: DType) {
  const X = (seed: number, n: number) => {
    const t = new NumpyRandomState(seed).standardNormal([n, 3, 4, 4]);
    return dtype === 'float64' ? t : t.astype(dtype);
  };
  const y = (seed: number, n: number) => new NumpyRandomState(seed).randint(0, 5, n);
  return { XTrain: X(21, 120), yTrain: y(22, 120), XVal: X(23, 40), yVal: y(24, 40) };
}

const hidden = (units: number[], extra: LayerInput[]): LayerInput[] => units.flatMap((u) => [{ type: 'affine', units: u }, ...extra.slice(0, 1), { type: 'relu' }, ...extra.slice(1)]);

// name: the model as the old class, the same as a Sequential, its dtype and Solver settings (as make.js)
const CASES: [string, () => Model, () => Model, DType, SolverOptions][] = [
  [
    'fc-sgd-float32',
    () => new FullyConnectedNet([20, 15], { inputDim: 48, numClasses: 5, weightScale: 0.1, reg: 0.01, rng: 0 }),
    () => new Sequential('affine20,relu,affine15,relu,affine5,softmax', { inputShape: [3, 4, 4], weightScale: 0.1, reg: 0.01, rng: 0 }),
    'float32',
    { updateRule: 'sgd', optimConfig: { learningRate: 0.05 }, lrDecay: 0.9, batchSize: 30, numEpochs: 3 },
  ],
  [
    'fc-batchnorm-dropout-sgd-float32',
    () => new FullyConnectedNet([20, 15], { inputDim: 48, numClasses: 5, weightScale: 0.1, reg: 0.02, useBatchnorm: true, dropout: 0.3, rng: 1 }),
    () => new Sequential([...hidden([20, 15], [{ type: 'batchnorm' }, { type: 'dropout', p: 0.3 }]), { type: 'affine', units: 5 }, { type: 'softmax' }], {
      inputShape: [48], weightScale: 0.1, reg: 0.02, rng: 1,
    }),
    'float32',
    { updateRule: 'sgd', optimConfig: { learningRate: 0.05 }, lrDecay: 0.95, batchSize: 30, numEpochs: 3 },
  ],
  [
    'fc-batchnorm-dropout-seed-adam-float64',
    () => new FullyConnectedNet([16, 12, 8], {
      inputDim: 48, numClasses: 5, weightScale: 0.1, reg: 0.05, useBatchnorm: true, dropout: 0.2, seed: 7, dtype: 'float64', rng: 2,
    }),
    () => new Sequential('affine16,bn,relu,dropout0.2,affine12,bn,relu,dropout0.2,affine8,bn,relu,dropout0.2,affine5', {
      inputShape: [48], weightScale: 0.1, reg: 0.05, seed: 7, dtype: 'float64', rng: 2,
    }),
    'float64',
    { updateRule: 'adam', optimConfig: { learningRate: 1e-3 }, batchSize: 25, numEpochs: 3 },
  ],
  [
    'two-layer-sgd-momentum-float64',
    () => new TwoLayerNet({ inputDim: 48, hiddenDims: 10, numClasses: 5, weightScale: 0.1, reg: 0.1, rng: 3 }),
    () => new Sequential('affine10,relu,affine5', { inputShape: [48], weightScale: 0.1, reg: 0.1, dtype: 'float64', rng: 3 }),
    'float64',
    { updateRule: 'sgd_momentum', optimConfig: { learningRate: 0.01 }, batchSize: 20, numEpochs: 2 },
  ],
  [
    'two-layer-sgd-float32',
    () => new TwoLayerNet({ inputDim: 48, hiddenDims: 10, numClasses: 5, weightScale: 0.1, dtype: 'float32', rng: 4 }),
    () => new Sequential('affine10,relu,affine5', { inputShape: [48], weightScale: 0.1, rng: 4 }),
    'float32',
    { updateRule: 'sgd', optimConfig: { learningRate: 0.05 }, batchSize: 20, numEpochs: 2 },
  ],
];

interface Legacy {
  blas: { config: string | null; corename: string | null; threads: number | null };
  lossHistory: number[];
  trainAccHistory: number[];
  valAccHistory: number[];
}

const here = blasInfo();

describe.each(CASES)('%s', (name, old, sequential, dtype, solverOptions) => {
  const file = path.join(DIR, `${name}.safetensors`);
  const legacy = JSON.parse(readCheckpoint(file).metadata.legacy) as Legacy;
  // float32 runs on oneDNN when it is built in; the files were written by OpenBLAS's kernels.
  const sameKernels = legacy.blas.config === here.config && legacy.blas.corename === here.corename && legacy.blas.threads === here.threads &&
    (dtype === 'float64' || engineInfo().engine === 'openblas');

  test('the old file loads, as its class and through loadModel, with its parameters and statistics', () => {
    const X = data(dtype).XVal;
    const byClass = old().constructor as unknown as { load(f: string): Model };
    const loaded = byClass.load(file);
    const any = loadModel(file) as Model;
    expect(any.architecture).toBe(loaded.architecture);
    expect(any).toBeInstanceOf(Sequential);
    expect(Array.from(any.loss(X).data)).toEqual(Array.from(loaded.loss(X).data));
    const stored = readCheckpoint(file);
    for (const [k, t] of Object.entries(stored.params)) expect(Array.from(loaded.params[k].data)).toEqual(Array.from(t.data));
    for (const [k, t] of Object.entries(stored.buffers)) expect(Array.from(loaded.buffers()[k].data)).toEqual(Array.from(t.data));
  });

  test.each([['the old class', old], ['a Sequential of the same layers', sequential]] as const)(
    'trained again as %s: the same losses, accuracies and parameters',
    (_, make) => {
      const model = make();
      const solver = new Solver(model, data(dtype), { ...solverOptions, verbose: false, rng: 5 });
      solver.train();
      const stored = readCheckpoint(file);
      if (sameKernels) {
        expect(solver.lossHistory).toEqual(legacy.lossHistory);
        expect(solver.trainAccHistory).toEqual(legacy.trainAccHistory);
        expect(solver.valAccHistory).toEqual(legacy.valAccHistory);
        for (const [k, t] of Object.entries(stored.params)) expect(Array.from(model.params[k].data)).toEqual(Array.from(t.data));
        // The version that wrote the file kept the batchnorm statistics of the last iteration; the Solver now
        // restores those of the best check, which are the same when the last check was the best.
        const h = solver.valAccHistory;
        if (h.indexOf(Math.max(...h)) === h.length - 1) {
          for (const [k, t] of Object.entries(stored.buffers)) expect(Array.from(model.buffers()[k].data)).toEqual(Array.from(t.data));
        }
      } else {
        console.log(`${name}: written with ${legacy.blas.config} (${legacy.blas.corename}), run with ${here.config} (${here.corename}) on the ${engineInfo().engine} engine: compared to rounding`);
        const tol = dtype === 'float32' ? 1e-4 : 1e-10;
        solver.lossHistory.forEach((l, i) => expect(Math.abs(l - legacy.lossHistory[i])).toBeLessThan(tol * Math.max(1, Math.abs(l))));
        // The parameters kept are those of the best validation accuracy: compared when the same epoch was the best.
        const best = (h: number[]) => h.indexOf(Math.max(...h));
        if (best(solver.valAccHistory) === best(legacy.valAccHistory)) {
          for (const [k, t] of Object.entries(stored.params)) {
            // A bias ahead of batchnorm gets no gradient and holds only rounding (1e-11): measured against 1e-6 at least.
            const scale = Math.max(...Array.from(t.data, Math.abs), 1e-6);
            t.data.forEach((v, i) => expect(Math.abs(model.params[k].data[i] - v) / scale).toBeLessThan(tol * 10));
          }
        }
      }
      expect(Object.keys(model.params).sort()).toEqual(Object.keys(stored.params).sort());
    },
  );

  test('the old class and the Sequential of the same layers train bit for bit alike, here', () => {
    const runs = [old(), sequential()].map((model) => {
      const solver = new Solver(model, data(dtype), { ...solverOptions, verbose: false, rng: 5 });
      solver.train();
      return { model, solver };
    });
    const [a, b] = runs;
    expect(b.solver.lossHistory).toEqual(a.solver.lossHistory);
    expect(b.solver.trainAccHistory).toEqual(a.solver.trainAccHistory);
    expect(b.solver.valAccHistory).toEqual(a.solver.valAccHistory);
    expect(Object.keys(b.model.params).sort()).toEqual(Object.keys(a.model.params).sort());
    for (const [k, t] of Object.entries(a.model.params)) expect(Array.from(b.model.params[k].data)).toEqual(Array.from(t.data));
    for (const [k, t] of Object.entries(a.model.buffers())) expect(Array.from(b.model.buffers()[k].data)).toEqual(Array.from(t.data));
  });
});

test('every fixture has its case', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.safetensors')).map((f) => f.replace('.safetensors', ''));
  expect(files.sort()).toEqual(CASES.map(([name]) => name).sort());
});
