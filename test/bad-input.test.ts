/**
 * Every bad-input rule of the layer API: the error's type, and a message that
 * names the function and the argument.
 */
import * as nndl from '../lib/index';
import { Tensor, fromArray, zeros } from '../lib/tensor';
import { randn } from './helpers';

type Case = [string, () => unknown, typeof TypeError | typeof RangeError, RegExp];

const x = randn(1, [4, 2, 3]);
const w = randn(2, [6, 5]);
const b = randn(3, [5]);
const dout = randn(4, [4, 5]);
const scores = randn(5, [4, 3]);
const [, affineCache] = nndl.affineForward(x, w, b);
const [, affineReluCache] = nndl.affineReluForward(x, w, b);
const [, reluCache] = nndl.reluForward(scores);
const [, sigmoidCache] = nndl.sigmoidForward(scores);
const [, leakyCache] = nndl.leakyReluForward(scores, 0.1);
const f32 = (t: Tensor) => t.astype('float32');

const activations = [
  ['reluForward', nndl.reluForward, 'reluBackward', nndl.reluBackward, reluCache],
  ['sigmoidForward', nndl.sigmoidForward, 'sigmoidBackward', nndl.sigmoidBackward, sigmoidCache],
  ['tanhForward', nndl.tanhForward, 'tanhBackward', nndl.tanhBackward, nndl.tanhForward(scores)[1]],
  ['leakyReluForward', nndl.leakyReluForward, 'leakyReluBackward', nndl.leakyReluBackward, leakyCache],
] as const;

const losses = [['softmaxLoss', nndl.softmaxLoss], ['svmLoss', nndl.svmLoss]] as const;

const rules: Record<string, Case[]> = {
  'mismatched shapes': [
    ['affineForward w', () => nndl.affineForward(x, randn(2, [5, 5]), b), RangeError,
      /^affineForward: w has shape \[5, 5\] but x flattens to \[4, 6\]$/],
    ['affineForward w not 2-d', () => nndl.affineForward(x, randn(2, [30]), b), RangeError, /affineForward: .* for w/],
    ['affineForward b', () => nndl.affineForward(x, w, randn(3, [4])), RangeError, /affineForward: b has shape \[4\]/],
    ['affineReluForward w', () => nndl.affineReluForward(x, randn(2, [7, 5]), b), RangeError, /affineReluForward: w has shape/],
    ['affineBackward dout', () => nndl.affineBackward(randn(4, [4, 6]), affineCache), RangeError,
      /affineBackward: dout has shape \[4, 6\] but the forward output has shape \[4, 5\]/],
    ['affineReluBackward dout', () => nndl.affineReluBackward(randn(4, [3, 5]), affineReluCache), RangeError,
      /affineReluBackward: dout has shape/],
    ...activations.map(([, , name, backward, cache]): Case => [
      `${name} dout`, () => backward(randn(6, [3, 4]), cache as never), RangeError, new RegExp(`${name}: dout has shape \\[3, 4\\] but cache`),
    ]),
    ...losses.map(([name, loss]): Case => [`${name} x`, () => loss(randn(7, [12]), [0]), RangeError, new RegExp(`${name}: .*2-d Tensor for x`)]),
  ],
  'mixed dtypes': [
    ['affineForward w', () => nndl.affineForward(x, f32(w), b), TypeError, /^affineForward: w is float32 but x is float64/],
    ['affineForward b', () => nndl.affineForward(f32(x), f32(w), b), TypeError, /affineForward: b is float64 but x is float32/],
    ['affineReluForward x', () => nndl.affineReluForward(f32(x), w, b), TypeError, /affineReluForward: w is float64 but x is float32/],
    ['affineBackward dout', () => nndl.affineBackward(f32(dout), affineCache), TypeError, /affineBackward: dout is float32/],
    ['affineReluBackward dout', () => nndl.affineReluBackward(f32(dout), affineReluCache), TypeError, /affineReluBackward: dout is float32/],
    ...activations.map(([, , name, backward, cache]): Case => [
      `${name} dout`, () => backward(f32(scores), cache as never), TypeError, new RegExp(`${name}: .*float32.*float64`),
    ]),
  ],
  'a plain Array where a tensor is expected': [
    ['affineForward x', () => nndl.affineForward([[1, 2]] as never, w, b), TypeError,
      /^affineForward: Expected a Tensor for x but received Array of length 1$/],
    ['affineForward w', () => nndl.affineForward(x, [1] as never, b), TypeError, /Expected a Tensor for w/],
    ['affineForward b', () => nndl.affineForward(x, w, [0, 0, 0, 0, 0] as never), TypeError, /Expected a Tensor for b/],
    ['affineBackward dout', () => nndl.affineBackward([[1]] as never, affineCache), TypeError, /affineBackward: Expected a Tensor for dout/],
    ['affineBackward cache.x', () => nndl.affineBackward(dout, { x: [1], w } as never), TypeError, /Expected a Tensor for cache\.x/],
    ['affineReluBackward cache', () => nndl.affineReluBackward(dout, [x, w] as never), TypeError, /Expected an object for cache/],
    ...activations.flatMap(([fname, forward, bname, backward, cache]): Case[] => [
      [fname, () => forward([1, 2] as never), TypeError, new RegExp(`${fname}: Expected a Tensor for x but received Array`)],
      [bname, () => backward([1, 2] as never, cache as never), TypeError, new RegExp(`${bname}: Expected a Tensor for dout`)],
    ]),
    ...losses.map(([name, loss]): Case => [`${name} x`, () => loss([[1, 2]] as never, [0]), TypeError, new RegExp(`${name}: Expected a Tensor for x`)]),
  ],
  'empty tensors': [
    ['affineForward x', () => nndl.affineForward(zeros([0, 6]), w, b), RangeError,
      /^affineForward: Expected a non-empty Tensor for x but received float64 Tensor of shape \[0, 6\]$/],
    ['affineForward w', () => nndl.affineForward(x, zeros([6, 0]), zeros([0])), RangeError, /non-empty Tensor for w/],
    ['affineBackward dout', () => nndl.affineBackward(zeros([0, 5]), affineCache), RangeError, /affineBackward: .*non-empty Tensor for dout/],
    ...activations.map(([name, forward]): Case => [name, () => forward(zeros([0])), RangeError, new RegExp(`${name}: .*non-empty Tensor for x`)]),
    ...losses.map(([name, loss]): Case => [name, () => loss(zeros([0, 3]), []), RangeError, new RegExp(`${name}: .*non-empty Tensor for x`)]),
  ],
  'label values outside [0, C)': losses.flatMap(([name, loss]): Case[] => [
    [`${name} y = C`, () => loss(scores, [0, 1, 3, 2]), RangeError,
      new RegExp(`^${name}: Expected an integer class index in \\[0, 3\\) for y\\[2\\] but received number 3$`)],
    [`${name} y < 0`, () => loss(scores, new Int32Array([0, -1, 0, 0])), RangeError, new RegExp(`${name}: .* for y\\[1\\]`)],
  ]),
  'non-integer labels': losses.flatMap(([name, loss]): Case[] => [
    [`${name} 1.5`, () => loss(scores, [0, 1.5, 1, 1]), RangeError, new RegExp(`${name}: .*integer class index .* for y\\[1\\] but received number 1.5`)],
    [`${name} NaN`, () => loss(scores, [0, 1, NaN, 1]), RangeError, new RegExp(`${name}: .* for y\\[2\\]`)],
    [`${name} string`, () => loss(scores, [0, 1, '2', 1] as never), TypeError, new RegExp(`${name}: .* for y\\[2\\] but received string`)],
    [`${name} Float64Array`, () => loss(scores, new Float64Array(4) as never), TypeError, new RegExp(`${name}: .* for y but received Float64Array`)],
  ]),
  'label count different from N': losses.flatMap(([name, loss]): Case[] => [
    [`${name} short`, () => loss(scores, [0, 1, 2]), RangeError, new RegExp(`^${name}: y has 3 labels but x has 4 rows$`)],
    [`${name} long`, () => loss(scores, new Int32Array(5)), RangeError, new RegExp(`${name}: y has 5 labels`)],
  ]),
};

describe.each(Object.entries(rules))('%s', (_, cases) => {
  test.each(cases)('%s', (__, call, type, message) => {
    let error: unknown;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });
});

describe('options', () => {
  test('dx must be a boolean', () => {
    expect(() => nndl.affineBackward(dout, affineCache, { dx: 'no' } as never)).toThrow(TypeError);
    expect(() => nndl.affineBackward(dout, affineCache, { dx: 'no' } as never)).toThrow(/Expected a boolean or a Tensor for options\.dx/);
  });
  test('alpha must be a finite number', () => {
    expect(() => nndl.leakyReluForward(scores, Infinity)).toThrow(RangeError);
    expect(() => nndl.leakyReluForward(scores, '0.1' as never)).toThrow(/alpha/);
  });
});

describe('any value in any argument position works or throws TypeError/RangeError', () => {
  const values: unknown[] = [
    undefined, null, 0, -1, 1.5, NaN, Infinity, 'x', true, {}, [], [1, 2], [[1, 2]], new Float64Array(3),
    new Float32Array(0), fromArray([1, 2, 3]), zeros([2, 3]), zeros([2, 3], 'float32'), zeros([0]), x, w, b,
    affineCache, { x: 'nope' }, () => 1, Symbol('s'), 10n, Buffer.from('not a safetensors file'),
  ];
  // Classes are constructed, not called; file functions may also fail on the
  // file itself (tested with the models).
  const skip: unknown[] = [
    nndl.Tensor, nndl.NumpyRandomState, nndl.TwoLayerNet, nndl.FullyConnectedNet, nndl.StandaloneTwoLayerNet,
    nndl.Solver, nndl.LinearAutoencoder, nndl.Gplvm, nndl.loadModel, nndl.loadModelAsync, nndl.readSafetensors, nndl.writeSafetensors, nndl.readPickle,
    nndl.loadCifar10, nndl.getCifar10Data, nndl.getCifar10Pixels, nndl.downloadCifar10,
  ];
  const functions = Object.entries(nndl).filter(([, f]) => typeof f === 'function' && !skip.includes(f));

  test.each(functions.map(([name, f]) => [name, f]))('%s', async (_, fn) => {
    const f = fn as (...args: unknown[]) => unknown;
    for (let position = 0; position < 3; position++) {
      for (const value of values) {
        const args: unknown[] = [x, w, b];
        args[position] = value;
        try {
          await f(...args);
        } catch (e) {
          if (!(e instanceof TypeError || e instanceof RangeError)) throw e;
        }
      }
    }
  });
});
