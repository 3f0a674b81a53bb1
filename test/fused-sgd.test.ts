/**
 * The backward passes fused with an SGD step (affineBackwardSgd,
 * affineReluBackwardSgd, model.sgdStep, the Solver's 'sgd') against the plain
 * backward pass followed by the update it replaces.
 */
import { affineBackward, affineBackwardSgd, affineForward } from '../lib/layers/affine';
import { affineReluBackward, affineReluBackwardSgd, affineReluForward } from '../lib/layer-utils';
import { FullyConnectedNet } from '../lib/models/fully-connected-net';
import type { Model, Params } from '../lib/models/model';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { sgd } from '../lib/optim';
import { Solver } from '../lib/solver';
import { Tensor } from '../lib/tensor';
import { labels, randn, scaledError } from './helpers';

/** w - lr (dw + reg w), the update the fused step folds into its gemm. */
function stepped(w: Tensor, dw: Tensor, lr: number, reg = 0): Tensor {
  const out = w.clone();
  for (let i = 0; i < out.size; i++) out.data[i] = w.data[i] - lr * (dw.data[i] + reg * w.data[i]);
  return out;
}

function copies(params: Params): Params {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.clone()]));
}

describe('affine layers with the SGD step fused into the backward pass', () => {
  test.each([
    ['float64', 1e-13],
    ['float32', 1e-6],
  ] as const)('affineBackwardSgd equals affineBackward then w - lr (dw + reg w), %s', (dtype, tol) => {
    const x = randn(1, [5, 2, 3], 1, dtype);
    const w = randn(2, [6, 4], 1, dtype);
    const b = randn(3, [4], 1, dtype);
    const dout = randn(4, [5, 4], 1, dtype);
    const [, cache] = affineForward(x, w, b);
    const [dx, dw, db] = affineBackward(dout, cache);
    const expectedW = stepped(w, dw, 0.1, 0.5);
    const expectedB = stepped(b, db, 0.1);
    const fusedDx = affineBackwardSgd(dout, cache, b, { learningRate: 0.1, reg: 0.5 });
    expect(scaledError(fusedDx as Tensor, dx)).toBeLessThan(tol);
    expect(scaledError(w, expectedW)).toBeLessThan(tol);
    expect(scaledError(b, expectedB)).toBeLessThan(tol);
  });

  test('affineReluBackwardSgd equals affineReluBackward then the step, and dx uses w before it', () => {
    const x = randn(5, [7, 5]);
    const w = randn(6, [5, 3]);
    const b = randn(7, [3]);
    const dout = randn(8, [7, 3]);
    const [, cache] = affineReluForward(x, w, b);
    const [dx, dw, db] = affineReluBackward(dout, cache);
    const expectedW = stepped(w, dw, 0.05);
    const expectedB = stepped(b, db, 0.05);
    const fusedDx = affineReluBackwardSgd(dout, cache, b, { learningRate: 0.05, dx: true });
    expect(scaledError(fusedDx as Tensor, dx)).toBeLessThan(1e-13);
    expect(scaledError(w, expectedW)).toBeLessThan(1e-13);
    expect(scaledError(b, expectedB)).toBeLessThan(1e-13);
    expect(affineReluBackwardSgd(dout, cache, b, { learningRate: 0.05, dx: false })).toBeNull();
  });

  test('bad arguments name themselves', () => {
    const x = randn(1, [2, 3]);
    const w = randn(2, [3, 2]);
    const b = randn(3, [2]);
    const [, cache] = affineForward(x, w, b);
    const dout = randn(4, [2, 2]);
    expect(() => affineBackwardSgd(dout, cache, b, { learningRate: -1 })).toThrow(
      'affineBackwardSgd: Expected a non-negative number for options.learningRate but received number -1',
    );
    expect(() => affineBackwardSgd(dout, cache, randn(3, [3]), { learningRate: 0.1 })).toThrow(
      'affineBackwardSgd: b has shape [3] but the layer has 2 outputs',
    );
    expect(() => affineBackwardSgd(dout, cache, b, { learningRate: 0.1, reg: NaN })).toThrow(/options\.reg/);
    expect(() => affineBackwardSgd(dout, cache, b, undefined as never)).toThrow(/options/);
    expect(() => affineBackwardSgd(dout, cache, w, { learningRate: 0.1 })).toThrow(/b has shape \[3, 2\]/);
  });
});

describe('model.sgdStep', () => {
  type Steppable = Model & { sgdStep(X: Tensor, y: Int32Array, lr: number): number };
  // name, model, inputs (9 examples), digits of the loss and scaled error of the parameters that must agree
  const cases: [string, () => Steppable, () => Tensor, number, number][] = [
    [
      'TwoLayerNet',
      () => new TwoLayerNet({ inputDim: 12, hiddenDims: 7, numClasses: 4, weightScale: 0.1, reg: 0.3, rng: 0 }),
      () => randn(11, [9, 12]), 12, 1e-12,
    ],
    [
      'FullyConnectedNet',
      () => new FullyConnectedNet([6, 5], { inputDim: 12, numClasses: 4, reg: 0.2, dtype: 'float64', rng: 0 }),
      () => randn(11, [9, 12]), 12, 1e-12,
    ],
    [
      'FullyConnectedNet with batchnorm and dropout (fixed seed)',
      () => new FullyConnectedNet([6, 5], { inputDim: 12, numClasses: 4, useBatchnorm: true, dropout: 0.3, seed: 3, dtype: 'float64', rng: 0 }),
      () => randn(11, [9, 12]), 12, 1e-12,
    ],
    [
      'FullyConnectedNet of three hidden layers in float32, from images',
      () => new FullyConnectedNet([7, 6, 5], { inputDim: 48, numClasses: 4, weightScale: 0.2, dtype: 'float32', rng: 0 }),
      () => randn(13, [9, 3, 4, 4], 1, 'float32'), 5, 1e-6,
    ],
  ];

  test.each(cases)('%s: the loss and parameters of loss() then sgd, up to rounding', (_, make, input, digits, tolerance) => {
    const X = input();
    const y = labels(12, 9, 4);
    const plain = make();
    const fused = make();
    const [loss, grads] = plain.loss(X, y);
    for (const [name, p] of Object.entries(plain.params)) sgd(p, grads[name], { learningRate: 0.07 }, { out: p });
    expect(fused.sgdStep(X, y, 0.07)).toBeCloseTo(loss, digits);
    for (const [name, p] of Object.entries(fused.params)) expect(scaledError(p, plain.params[name])).toBeLessThan(tolerance);
  });

  test('parameters replaced by ones of another shape or dtype, and bad labels, are refused by name', () => {
    const model = new FullyConnectedNet([3], { inputDim: 4, numClasses: 2, rng: 0 });
    const X = randn(1, [2, 4], 1, 'float32');
    const y = Int32Array.from([0, 1]);
    expect(() => model.sgdStep(X, Int32Array.from([0, 2]), 0.1)).toThrow(/FullyConnectedNet\.sgdStep: .*y/);
    model.params.W2 = randn(2, [3, 3], 1, 'float32');
    expect(() => model.sgdStep(X, y, 0.1)).toThrow(
      new RangeError('FullyConnectedNet.sgdStep: params.W2 has shape [3, 3] but the layer needs [3, 2]'),
    );
    model.params.W2 = randn(2, [3, 2]);
    expect(() => model.sgdStep(X, y, 0.1)).toThrow(
      new TypeError('FullyConnectedNet.sgdStep: params.W2 is float64 but the network is float32; convert it with .astype()'),
    );
    expect(() => model.loss(X, y)).toThrow(TypeError);
  });

  test('a weight of the right size but transposed: the same kind of error as loss() gives, nothing trained', () => {
    const model = new FullyConnectedNet([3], { inputDim: 4, numClasses: 2, rng: 0 });
    const X = randn(1, [2, 4], 1, 'float32');
    const y = Int32Array.from([0, 1]);
    model.params.W1 = randn(2, [3, 4], 1, 'float32');
    const before = copies(model.params);
    expect(() => model.loss(X, y)).toThrow(RangeError);
    expect(() => model.sgdStep(X, y, 0.1)).toThrow(
      new RangeError('FullyConnectedNet.sgdStep: params.W1 has shape [3, 4] but the layer needs [4, 3]'),
    );
    for (const [name, p] of Object.entries(model.params)) expect(Array.from(p.data)).toEqual(Array.from(before[name].data));
  });

  test('a non-finite loss leaves the parameters as they were', () => {
    const model = new TwoLayerNet({ inputDim: 4, hiddenDims: 3, numClasses: 2, rng: 0 });
    const before = copies(model.params);
    const X = new Tensor(Float64Array.from([NaN, 1, 2, 3]), [1, 4]);
    expect(model.sgdStep(X, Int32Array.from([0]), 0.1)).toBeNaN();
    for (const [name, p] of Object.entries(model.params)) expect(Array.from(p.data)).toEqual(Array.from(before[name].data));
  });

  test('a bad learning rate is refused before anything changes', () => {
    const model = new FullyConnectedNet([3], { inputDim: 4, numClasses: 2, rng: 0 });
    expect(() => model.sgdStep(randn(1, [2, 4], 1, 'float32'), Int32Array.from([0, 1]), -0.5)).toThrow(
      'FullyConnectedNet.sgdStep: Expected a non-negative number for learningRate but received number -0.5',
    );
  });
});

describe('the Solver with sgd', () => {
  function train(fuseSgd: boolean): { model: FullyConnectedNet; solver: Solver } {
    const X = randn(21, [120, 3, 4, 4], 1, 'float32');
    const y = labels(22, 120, 10);
    const model = new FullyConnectedNet([20, 15], { inputDim: 48, weightScale: 0.1, reg: 0.01, rng: 0 });
    const solver = new Solver(model, { XTrain: X, yTrain: y, XVal: X, yVal: y }, {
      updateRule: 'sgd', optimConfig: { learningRate: 0.05 }, lrDecay: 0.9, batchSize: 30, numEpochs: 3, verbose: false, rng: 5, fuseSgd,
    });
    solver.train();
    return { model, solver };
  }

  test('fused (the default) and unfused training agree up to float32 rounding', () => {
    const fused = train(true);
    const plain = train(false);
    expect(fused.solver.lossHistory.length).toBe(plain.solver.lossHistory.length);
    fused.solver.lossHistory.forEach((l, i) => expect(Math.abs(l - plain.solver.lossHistory[i])).toBeLessThan(1e-4));
    for (const [name, p] of Object.entries(fused.model.params)) expect(scaledError(p, plain.model.params[name])).toBeLessThan(1e-4);
  });

  test('fuseSgd must be a boolean', () => {
    const X = randn(1, [4, 3]);
    expect(() => new Solver(new TwoLayerNet({ inputDim: 3, rng: 0 }), { XTrain: X, yTrain: [0, 1, 0, 1], XVal: X, yVal: [0, 1, 0, 1] }, { fuseSgd: 1 as never })).toThrow(
      /options\.fuseSgd/,
    );
  });
});
