/** Update rules against numpy-reference.json (one step each from the given state). */
import fs from 'node:fs';
import path from 'node:path';

import { TwoLayerNet } from '../lib/models/two-layer-net';
import { adam, rmsprop, sgd, sgdMomentum, updateRuleArg, type OptimConfig } from '../lib/optim';
import { Solver } from '../lib/solver';
import { fromArray, zeros } from '../lib/tensor';
import { relError } from '../lib/gradient-check';

const ref = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'numpy-reference.json'), 'utf8')).optim;
const w = () => fromArray(ref.inputs.w);
const dw = () => fromArray(ref.inputs.dw);
const lr = ref.inputs.learning_rate;

test('sgdMomentum matches next_w and velocity to 1e-8', () => {
  const [next, config] = sgdMomentum(w(), dw(), { learningRate: lr, momentum: ref.sgd_momentum.momentum, velocity: fromArray(ref.inputs.v) });
  expect(relError(next, fromArray(ref.sgd_momentum.next_w))).toBeLessThan(1e-8);
  expect(relError(config.velocity!, fromArray(ref.sgd_momentum.next_v))).toBeLessThan(1e-8);
});

test('rmsprop matches next_w and cache to 1e-8', () => {
  const r = ref.rmsprop;
  const [next, config] = rmsprop(w(), dw(), { learningRate: lr, decayRate: r.decay_rate, epsilon: r.epsilon, cache: fromArray(ref.inputs.cache) });
  expect(relError(next, fromArray(r.next_w))).toBeLessThan(1e-8);
  expect(relError(config.cache!, fromArray(r.next_cache))).toBeLessThan(1e-8);
});

test('adam matches next_w, m, v and t to 1e-8', () => {
  const a = ref.adam;
  const [next, config] = adam(w(), dw(), {
    learningRate: lr, beta1: a.beta1, beta2: a.beta2, epsilon: a.epsilon, m: fromArray(a.m), v: fromArray(a.v), t: a.t,
  });
  expect(relError(next, fromArray(a.next_w))).toBeLessThan(1e-8);
  expect(relError(config.m!, fromArray(a.next_m))).toBeLessThan(1e-8);
  expect(relError(config.v!, fromArray(a.next_v))).toBeLessThan(1e-8);
  expect(config.t).toBe(a.next_t);
});

test('sgd is w - lr dw, with the reference default learning rate 1e-2', () => {
  const [next, config] = sgd(fromArray([1, 2]), fromArray([10, -10]));
  expect(Array.from(next.data)).toEqual([1 - 0.1, 2 + 0.1]);
  expect(config.learningRate).toBe(1e-2);
});

test('defaults fill the config, state is created once and kept', () => {
  const config = {};
  const [, c1] = adam(fromArray([1, 2]), fromArray([0.1, 0.2]), config);
  expect(c1).toBe(config);
  expect(c1).toMatchObject({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, t: 1 });
  const m = c1.m;
  adam(fromArray([1, 2]), fromArray([0.1, 0.2]), c1);
  expect(c1.m).toBe(m);
  expect(c1.t).toBe(2);
});

test('out: w updates in place', () => {
  const p = fromArray([1, 2]);
  const [next] = sgdMomentum(p, fromArray([1, 1]), { learningRate: 0.5 }, { out: p });
  expect(next).toBe(p);
  expect(Array.from(p.data)).toEqual([0.5, 1.5]);
});

test('float32 parameters are updated in float32', () => {
  const [next] = rmsprop(fromArray([1, 2], 'float32'), fromArray([0.5, 0.25], 'float32'));
  expect(next.dtype).toBe('float32');
});

test('bad input', () => {
  expect(() => sgd(fromArray([1, 2]), fromArray([1]))).toThrow(/dw has shape \[1\] but w has shape \[2\]/);
  expect(() => sgd(fromArray([1, 2]), fromArray([1, 2], 'float32'))).toThrow(TypeError);
  expect(() => sgd(fromArray([1]), fromArray([1]), { learningRate: NaN })).toThrow(/config\.learningRate/);
  expect(() => adam(fromArray([1]), fromArray([1]), { t: -1 })).toThrow(/config\.t/);
  expect(() => sgdMomentum(fromArray([1, 2]), fromArray([1, 2]), { velocity: zeros([3]) })).toThrow(/config\.velocity has shape \[3\]/);
  expect(() => sgd([1] as never, fromArray([1]))).toThrow(/Expected a Tensor for w/);
  expect(() => updateRuleArg('Solver', 'options.updateRule', 'sgdd')).toThrow(/one of sgd, sgd_momentum/);
});

describe('a config that cannot be written', () => {
  test.each([
    ['frozen', (c: object) => Object.freeze(c)],
    ['sealed', (c: object) => Object.seal(c)],
    ['with a read-only property', (c: object) => Object.defineProperty(c, 'learningRate', { value: 0.5, writable: false, enumerable: true })],
  ])('%s: the rule works on a copy and returns it, leaving the caller\'s alone', (_, lock) => {
    const shared = lock({ learningRate: 0.5 }) as OptimConfig;
    const [next, config] = adam(fromArray([1, 2]), fromArray([0.1, 0.2]), shared);
    expect(config).not.toBe(shared);
    expect(config).toMatchObject({ learningRate: 0.5, beta1: 0.9, t: 1 });
    expect(Object.keys(shared)).toEqual(['learningRate']);
    const [again, after] = adam(next, fromArray([0.1, 0.2]), config);
    expect(after).toBe(config);
    expect(after.t).toBe(2);
    expect(again.data[0]).toBeLessThan(next.data[0]);
  });

  test('the Solver takes a frozen optimConfig, shared by every parameter', () => {
    const model = new TwoLayerNet({ inputDim: 4, hiddenDims: 3, numClasses: 2, rng: 0 });
    const X = fromArray([[1, 2, 3, 4], [4, 3, 2, 1]]);
    const y = Int32Array.from([0, 1]);
    const optimConfig = Object.freeze({ learningRate: 1e-2 });
    const solver = new Solver(model, { XTrain: X, yTrain: y, XVal: X, yVal: y }, {
      updateRule: 'adam', optimConfig, numEpochs: 2, batchSize: 2, lrDecay: 0.5, verbose: false, rng: 0,
    });
    solver.train();
    expect(solver.optimConfigs.W1).toMatchObject({ learningRate: 2.5e-3, t: 2 });
    expect(optimConfig).toEqual({ learningRate: 1e-2 });
  });
});
