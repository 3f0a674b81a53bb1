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
const cx = randn(6, [2, 3, 5, 5]);
const cw = randn(7, [4, 3, 3, 3]);
const cb = randn(8, [4]);
const cp = { stride: 1, pad: 1 };
const [, convCache] = nndl.convForward(cx, cw, cb, cp);
const cdout = randn(9, [2, 4, 5, 5]);
const pp = { poolHeight: 2, poolWidth: 2, stride: 2 };
const px = randn(10, [2, 3, 4, 6]);
const [, poolCache] = nndl.maxPoolForward(px, pp);
const pdout = randn(11, [2, 3, 2, 3]);
const sx = randn(12, [2, 3, 2, 2]);
const sg = randn(13, [3]);
const sbeta = randn(14, [3]);
const [, sbnCache] = nndl.spatialBatchnormForward(sx, sg, sbeta, { mode: 'train' });
const [, convReluCache] = nndl.convReluForward(cx, cw, cb, cp);
const [, crpCache] = nndl.convReluPoolForward(cx, cw, cb, cp, { poolHeight: 2, poolWidth: 2, stride: 1 });
const crpDout = randn(15, [2, 4, 4, 4]);

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
    ['convForward x not 4-d', () => nndl.convForward(randn(6, [2, 75]), cw, cb, cp), RangeError,
      /^convForward: Expected a 4-d Tensor for x but received shape \[2, 75\]$/],
    ['convForward w channels', () => nndl.convForward(cx, randn(7, [4, 2, 3, 3]), cb, cp), RangeError,
      /^convForward: w has shape \[4, 2, 3, 3\] but x has shape \[2, 3, 5, 5\]: w needs 3 channels$/],
    ['convForward b', () => nndl.convForward(cx, cw, randn(8, [3]), cp), RangeError,
      /^convForward: b has shape \[3\] but w has shape \[4, 3, 3, 3\], so b must be \[4\]$/],
    ['convForward output height not an integer', () => nndl.convForward(randn(6, [2, 3, 6, 5]), cw, cb, { stride: 2, pad: 0 }), RangeError,
      /^convForward: the output height 1 \+ \(H \+ 2 pad - HH\) \/ stride = 1 \+ \(6 \+ 2 \* 0 - 3\) \/ 2 = 2.5 is not an integer$/],
    ['convForward output width not an integer', () => nndl.convForward(randn(6, [2, 3, 5, 6]), cw, cb, { stride: 2, pad: 1 }), RangeError,
      /^convForward: the output width 1 \+ \(W \+ 2 pad - WW\) \/ stride = 1 \+ \(6 \+ 2 \* 1 - 3\) \/ 2 = 3.5 is not an integer$/],
    ['convForward filter larger than the padded input', () => nndl.convForward(cx, randn(7, [4, 3, 8, 3]), cb, { stride: 1, pad: 1 }), RangeError,
      /^convForward: the filter height HH = 8 is larger than the padded input height H \+ 2 pad = 5 \+ 2 \* 1 = 7$/],
    ['convBackward dout', () => nndl.convBackward(randn(9, [2, 4, 3, 3]), convCache), RangeError,
      /^convBackward: dout has shape \[2, 4, 3, 3\] but the forward output has shape \[2, 4, 5, 5\]$/],
    ['maxPoolForward x not 4-d', () => nndl.maxPoolForward(randn(10, [2, 3, 4]), pp), RangeError,
      /^maxPoolForward: Expected a 4-d Tensor for x but received shape \[2, 3, 4\]$/],
    ['maxPoolForward pooled size not an integer', () => nndl.maxPoolForward(randn(10, [2, 3, 5, 6]), pp), RangeError,
      /^maxPoolForward: the pooled height 1 \+ \(H - poolHeight\) \/ stride = 1 \+ \(5 - 2\) \/ 2 = 2.5 is not an integer$/],
    ['maxPoolForward window larger than the input', () => nndl.maxPoolForward(px, { poolHeight: 2, poolWidth: 7, stride: 1 }), RangeError,
      /^maxPoolForward: the pool width poolWidth = 7 is larger than the input width W = 6$/],
    ['maxPoolBackward dout', () => nndl.maxPoolBackward(randn(11, [2, 3, 3, 2]), poolCache), RangeError,
      /^maxPoolBackward: dout has shape \[2, 3, 3, 2\] but the forward output has shape \[2, 3, 2, 3\]$/],
    ['spatialBatchnormForward x not 4-d', () => nndl.spatialBatchnormForward(randn(12, [2, 3]), sg, sbeta, { mode: 'train' }), RangeError,
      /^spatialBatchnormForward: Expected a 4-d Tensor for x but received shape \[2, 3\]$/],
    ['spatialBatchnormForward gamma', () => nndl.spatialBatchnormForward(sx, randn(13, [2]), randn(14, [2]), { mode: 'train' }), RangeError,
      /^spatialBatchnormForward: gamma has shape \[2\] but x has shape \[2, 3, 2, 2\], so gamma must be \[3\]$/],
    ['spatialBatchnormForward runningMean', () => nndl.spatialBatchnormForward(sx, sg, sbeta, { mode: 'test', runningMean: zeros([2]) }), RangeError,
      /^spatialBatchnormForward: bnParam\.runningMean has shape \[2\] but gamma has shape \[3\]$/],
    ['spatialBatchnormBackward dout', () => nndl.spatialBatchnormBackward(randn(12, [2, 3, 2, 1]), sbnCache!), RangeError,
      /^spatialBatchnormBackward: dout has shape \[2, 3, 2, 1\] but cache\.x has shape \[2, 3, 2, 2\]$/],
    ['convReluForward w channels', () => nndl.convReluForward(cx, randn(7, [4, 2, 3, 3]), cb, cp), RangeError,
      /^convReluForward: w has shape \[4, 2, 3, 3\] but x has shape \[2, 3, 5, 5\]: w needs 3 channels$/],
    ['convReluBackward dout', () => nndl.convReluBackward(randn(9, [2, 4, 5, 4]), convReluCache), RangeError,
      /^convReluBackward: dout has shape \[2, 4, 5, 4\] but the forward output has shape \[2, 4, 5, 5\]$/],
    ['convReluBackward cache.out', () => nndl.convReluBackward(cdout, { ...convReluCache, out: randn(9, [2, 4, 5, 4]) }), RangeError,
      /^convReluBackward: cache\.out has shape \[2, 4, 5, 4\] but dout has shape \[2, 4, 5, 5\]$/],
    ['convReluPoolForward pooled size not an integer', () => nndl.convReluPoolForward(cx, cw, cb, cp, pp), RangeError,
      /^convReluPoolForward: the pooled height 1 \+ \(H' - poolHeight\) \/ stride = 1 \+ \(5 - 2\) \/ 2 = 2.5 is not an integer$/],
    ['convReluPoolForward convolution output size', () => nndl.convReluPoolForward(randn(6, [2, 3, 6, 5]), cw, cb, { stride: 2, pad: 0 }, pp), RangeError,
      /^convReluPoolForward: the output height/],
    ['convReluPoolBackward dout', () => nndl.convReluPoolBackward(cdout, crpCache), RangeError,
      /^convReluPoolBackward: dout has shape \[2, 4, 5, 5\] but the forward output has shape \[2, 4, 4, 4\]$/],
    ['flattenBackward dout', () => nndl.flattenBackward(randn(9, [2, 10]), [2, 3, 4]), RangeError,
      /^flattenBackward: dout has shape \[2, 10\] but the forward output has shape \[2, 12\]$/],
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
    ['convForward w', () => nndl.convForward(cx, f32(cw), cb, cp), TypeError, /^convForward: w is float32 but x is float64/],
    ['convForward b', () => nndl.convForward(f32(cx), f32(cw), cb, cp), TypeError, /^convForward: b is float64 but x is float32/],
    ['convBackward dout', () => nndl.convBackward(f32(cdout), convCache), TypeError, /^convBackward: dout is float32 but cache\.x is float64/],
    ['maxPoolBackward dout', () => nndl.maxPoolBackward(pdout.astype('float32'), poolCache), TypeError,
      /^maxPoolBackward: dout is float32 but the forward input was float64/],
    ['spatialBatchnormForward gamma', () => nndl.spatialBatchnormForward(sx, sg.astype('float32'), sbeta, { mode: 'train' }), TypeError,
      /^spatialBatchnormForward: gamma is float32 but x is float64/],
    ['spatialBatchnormBackward dout', () => nndl.spatialBatchnormBackward(sx.astype('float32'), sbnCache!), TypeError,
      /^spatialBatchnormBackward: dout is float32 but cache\.x is float64/],
    ['convReluForward b', () => nndl.convReluForward(cx, cw, f32(cb), cp), TypeError, /^convReluForward: b is float32 but x is float64/],
    ['convReluPoolBackward dout', () => nndl.convReluPoolBackward(f32(crpDout), crpCache), TypeError,
      /^convReluPoolBackward: dout is float32 but cache\.x is float64/],
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
    ['convForward x', () => nndl.convForward([[1]] as never, cw, cb, cp), TypeError, /^convForward: Expected a Tensor for x but received Array/],
    ['convForward w', () => nndl.convForward(cx, [1] as never, cb, cp), TypeError, /^convForward: Expected a Tensor for w/],
    ['convBackward cache', () => nndl.convBackward(cdout, [cx, cw] as never), TypeError, /^convBackward: Expected an object for cache/],
    ['convBackward cache.w', () => nndl.convBackward(cdout, { ...convCache, w: [1] } as never), TypeError,
      /^convBackward: Expected a Tensor for cache\.w/],
    ['maxPoolForward x', () => nndl.maxPoolForward([[1]] as never, pp), TypeError, /^maxPoolForward: Expected a Tensor for x but received Array/],
    ['maxPoolBackward dout', () => nndl.maxPoolBackward([1] as never, poolCache), TypeError, /^maxPoolBackward: Expected a Tensor for dout/],
    ['maxPoolBackward a cache it did not make', () => nndl.maxPoolBackward(pdout, { ...poolCache }), TypeError,
      /^maxPoolBackward: Expected the cache maxPoolForward returned for cache but received object$/],
    ['spatialBatchnormForward x', () => nndl.spatialBatchnormForward([1] as never, sg, sbeta, { mode: 'train' }), TypeError,
      /^spatialBatchnormForward: Expected a Tensor for x but received Array/],
    ['spatialBatchnormBackward cache.mean', () => nndl.spatialBatchnormBackward(sx, { ...sbnCache!, mean: [0, 0, 0] } as never), TypeError,
      /^spatialBatchnormBackward: Expected a Tensor for cache\.mean/],
    ['convReluForward x', () => nndl.convReluForward([1] as never, cw, cb, cp), TypeError, /^convReluForward: Expected a Tensor for x/],
    ['convReluBackward cache.out', () => nndl.convReluBackward(cdout, { ...convReluCache, out: null } as never), TypeError,
      /^convReluBackward: Expected a Tensor for cache\.out but received null$/],
    ['convReluPoolForward w', () => nndl.convReluPoolForward(cx, 'w' as never, cb, cp, pp), TypeError, /^convReluPoolForward: Expected a Tensor for w/],
    ['convReluPoolBackward a cache it did not make', () => nndl.convReluPoolBackward(crpDout, { ...crpCache }), TypeError,
      /^convReluPoolBackward: Expected the cache convReluPoolForward returned for cache but received object$/],
    ['flattenForward x', () => nndl.flattenForward([[1]] as never), TypeError, /^flattenForward: Expected a Tensor for x but received Array/],
    ['flattenBackward cache', () => nndl.flattenBackward(randn(9, [2, 12]), { shape: [2, 12] } as never), TypeError,
      /^flattenBackward: Expected the shape flattenForward returned for cache but received object$/],
  ],
  'empty tensors': [
    ['affineForward x', () => nndl.affineForward(zeros([0, 6]), w, b), RangeError,
      /^affineForward: Expected a non-empty Tensor for x but received float64 Tensor of shape \[0, 6\]$/],
    ['affineForward w', () => nndl.affineForward(x, zeros([6, 0]), zeros([0])), RangeError, /non-empty Tensor for w/],
    ['affineBackward dout', () => nndl.affineBackward(zeros([0, 5]), affineCache), RangeError, /affineBackward: .*non-empty Tensor for dout/],
    ...activations.map(([name, forward]): Case => [name, () => forward(zeros([0])), RangeError, new RegExp(`${name}: .*non-empty Tensor for x`)]),
    ...losses.map(([name, loss]): Case => [name, () => loss(zeros([0, 3]), []), RangeError, new RegExp(`${name}: .*non-empty Tensor for x`)]),
    ['convForward x', () => nndl.convForward(zeros([0, 3, 5, 5]), cw, cb, cp), RangeError, /^convForward: Expected a non-empty Tensor for x/],
    ['convBackward dout', () => nndl.convBackward(zeros([0]), convCache), RangeError, /^convBackward: Expected a non-empty Tensor for dout/],
    ['maxPoolForward x', () => nndl.maxPoolForward(zeros([2, 0, 4, 4]), pp), RangeError, /^maxPoolForward: Expected a non-empty Tensor for x/],
    ['spatialBatchnormForward x', () => nndl.spatialBatchnormForward(zeros([0, 3, 2, 2]), sg, sbeta, { mode: 'train' }), RangeError,
      /^spatialBatchnormForward: Expected a non-empty Tensor for x/],
    ['convReluPoolForward x', () => nndl.convReluPoolForward(zeros([2, 3, 0, 5]), cw, cb, cp, pp), RangeError,
      /^convReluPoolForward: Expected a non-empty Tensor for x/],
    ['flattenForward x', () => nndl.flattenForward(zeros([3, 0])), RangeError, /^flattenForward: Expected a non-empty Tensor for x/],
  ],
  'bad layer parameters': [
    ['convForward convParam missing', () => nndl.convForward(cx, cw, cb, undefined as never), TypeError,
      /^convForward: Expected an object for convParam but received undefined$/],
    ['convForward stride 0', () => nndl.convForward(cx, cw, cb, { stride: 0, pad: 1 }), RangeError,
      /^convForward: Expected a positive integer for convParam\.stride but received number 0$/],
    ['convForward stride a string', () => nndl.convForward(cx, cw, cb, { stride: '1', pad: 1 } as never), TypeError,
      /^convForward: Expected a positive integer for convParam\.stride but received string "1"$/],
    ['convForward pad negative', () => nndl.convForward(cx, cw, cb, { stride: 1, pad: -1 }), RangeError,
      /^convForward: Expected a non-negative integer for convParam\.pad but received number -1$/],
    ['convForward pad fractional', () => nndl.convForward(cx, cw, cb, { stride: 1, pad: 0.5 }), RangeError, /convParam\.pad but received number 0\.5/],
    ['convForward pad missing', () => nndl.convForward(cx, cw, cb, { stride: 1 } as never), TypeError, /convParam\.pad but received undefined/],
    ['convBackward cache.convParam', () => nndl.convBackward(cdout, { ...convCache, convParam: { stride: 1, pad: NaN } }), RangeError,
      /^convBackward: Expected a non-negative integer for convParam\.pad but received number NaN$/],
    ['maxPoolForward poolParam missing', () => nndl.maxPoolForward(px, undefined as never), TypeError,
      /^maxPoolForward: Expected an object for poolParam but received undefined$/],
    ['maxPoolForward poolHeight 0', () => nndl.maxPoolForward(px, { ...pp, poolHeight: 0 }), RangeError,
      /^maxPoolForward: Expected a positive integer for poolParam\.poolHeight but received number 0$/],
    ['maxPoolForward stride 1.5', () => nndl.maxPoolForward(px, { ...pp, stride: 1.5 }), RangeError,
      /^maxPoolForward: Expected a positive integer for poolParam\.stride but received number 1\.5$/],
    ['maxPoolForward poolWidth a string', () => nndl.maxPoolForward(px, { ...pp, poolWidth: '2' } as never), TypeError,
      /^maxPoolForward: Expected a positive integer for poolParam\.poolWidth but received string "2"$/],
    ['spatialBatchnormForward mode', () => nndl.spatialBatchnormForward(sx, sg, sbeta, { mode: 'eval' } as never), RangeError,
      /^spatialBatchnormForward: Expected 'train' or 'test' for bnParam\.mode but received string "eval"$/],
    ['spatialBatchnormForward eps', () => nndl.spatialBatchnormForward(sx, sg, sbeta, { mode: 'train', eps: NaN }), RangeError,
      /^spatialBatchnormForward: Expected a finite number for bnParam\.eps but received number NaN$/],
    ['spatialBatchnormForward bnParam', () => nndl.spatialBatchnormForward(sx, sg, sbeta, null as never), TypeError,
      /^spatialBatchnormForward: Expected an object for bnParam but received null$/],
    ['convReluForward convParam', () => nndl.convReluForward(cx, cw, cb, { stride: 1, pad: -2 }), RangeError,
      /^convReluForward: Expected a non-negative integer for convParam\.pad but received number -2$/],
    ['convReluPoolForward poolParam missing', () => nndl.convReluPoolForward(cx, cw, cb, cp, undefined as never), TypeError,
      /^convReluPoolForward: Expected an object for poolParam but received undefined$/],
    ['convReluPoolForward pool larger than the convolution output', () => nndl.convReluPoolForward(cx, cw, cb, cp, { poolHeight: 6, poolWidth: 2, stride: 1 }), RangeError,
      /^convReluPoolForward: the pool height poolHeight = 6 is larger than the input height H' = 5$/],
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
    nndl.Solver, nndl.LinearAutoencoder, nndl.Gplvm, nndl.loadModel, nndl.readSafetensors, nndl.writeSafetensors, nndl.readPickle,
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
