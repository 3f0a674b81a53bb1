/**
 * NaN goes through every loss and kernel as it goes through the reference's
 * numpy code: a comparison such as `x > 0 ? x : 0` would quietly drop it and
 * report a finite loss for a diverged network. Expected values are numpy's
 * (the reference's layers.py run on the same inputs).
 */
import * as nndl from '../lib/index';
import { fromArray } from '../lib/tensor';

/** Same values, telling NaN, 0 and -0 apart as numpy prints them. */
function expectSame(actual: ArrayLike<number>, expected: number[], digits = 8): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i];
    if (e === 0 || !Number.isFinite(e)) expect(a).toBe(e);
    else expect(a).toBeCloseTo(e, digits);
  });
}

describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
  const digits = dtype === 'float32' ? 6 : 8;

  test('svmLoss: a NaN score makes the loss NaN and adds nothing to dx', () => {
    // numpy: loss nan, dx [[-1/3, 0, 1/3], [0, 0, 0], [0, 0, 0]]; row 2's correct score is NaN.
    const x = fromArray([[1, NaN, 0.5], [0.2, 0.1, 3], [NaN, 0, 0]], dtype);
    const [loss, dx] = nndl.svmLoss(x, [0, 2, 0]);
    expect(loss).toBeNaN();
    expectSame(dx.data, [-1 / 3, 0, 1 / 3, 0, 0, 0, 0, 0, 0], digits);
  });

  test('softmaxLoss: a NaN score makes the loss and its row of dx NaN', () => {
    // numpy: loss nan, dx [[nan, nan, nan], [0.02724872, 0.02465566, -0.05190439]].
    const [loss, dx] = nndl.softmaxLoss(fromArray([[1, NaN, 0.5], [0.2, 0.1, 3]], dtype), [0, 2]);
    expect(loss).toBeNaN();
    expectSame(dx.data, [NaN, NaN, NaN, 0.02724872, 0.02465566, -0.05190439], 7);
  });

  test('softmaxLoss: an infinite score gives NaN as numpy (inf - inf)', () => {
    const [loss, dx] = nndl.softmaxLoss(fromArray([[Infinity, 0, 1]], dtype), [1]);
    expect(loss).toBeNaN();
    expectSame(dx.data, [NaN, NaN, NaN]);
  });

  test('relu: forward keeps NaN (np.maximum); backward is (x > 0) * dout', () => {
    const x = fromArray([NaN, -1, -2, 3, 0], dtype);
    const [out, cache] = nndl.reluForward(x);
    expectSame(out.data, [NaN, 0, 0, 3, 0]);
    // numpy: [0, nan, -0, inf, nan]
    const dx = nndl.reluBackward(fromArray([5, NaN, -2, Infinity, Infinity], dtype), cache);
    expectSame(dx.data, [0, NaN, -0, Infinity, NaN]);
  });

  test('the fused affine-ReLU backward treats NaN gradients the same way', () => {
    const x = fromArray([[1, 0], [0, 1]], dtype);
    const w = fromArray([[1, -1], [1, -1]], dtype);
    const [, cache] = nndl.affineReluForward(x, w, fromArray([0, 0], dtype));
    // Column 1 of the output is 0 (ReLU off): a NaN gradient there still reaches db as numpy's would.
    const [, , db] = nndl.affineReluBackward(fromArray([[1, NaN], [1, 0]], dtype), cache);
    expectSame(db.data, [2, NaN]);
  });

  test('leaky ReLU, sigmoid and tanh keep NaN', () => {
    for (const [name, forward] of [
      ['leakyRelu', (t: nndl.Tensor) => nndl.leakyReluForward(t, 0.1)[0]],
      ['sigmoid', (t: nndl.Tensor) => nndl.sigmoidForward(t)[0]],
      ['tanh', (t: nndl.Tensor) => nndl.tanhForward(t)[0]],
    ] as const) {
      const out = forward(fromArray([NaN, 1], dtype));
      expect([name, Number.isNaN(out.data[0]), Number.isNaN(out.data[1])]).toEqual([name, true, false]);
    }
  });

  test('batchnorm: a NaN makes its feature NaN in every row and in the running mean, and no other', () => {
    const x = fromArray([[1, 2], [NaN, 4], [3, 8]], dtype);
    const param: nndl.BatchnormParam = { mode: 'train' };
    const [out] = nndl.batchnormForward(x, fromArray([1, 1], dtype), fromArray([0, 0], dtype), param);
    expect(Array.from(out.data, Number.isNaN)).toEqual([true, false, true, false, true, false]);
    expect(Array.from(param.runningMean!.data, Number.isNaN)).toEqual([true, false]);
  });
});

test('argmaxRows: NaN is the largest value, as np.argmax (the first NaN wins)', () => {
  // numpy: np.argmax([[1, nan, 3], [nan, nan, 0], [1, 2, 3], [2, 2, 1]], axis=1) = [1, 0, 2, 0]
  expect(Array.from(nndl.argmaxRows(fromArray([[1, NaN, 3], [NaN, NaN, 0], [1, 2, 3], [2, 2, 1]])))).toEqual([1, 0, 2, 0]);
});

test('sums and products keep NaN', () => {
  expect(nndl.sumSquares(fromArray([1, NaN]))).toBeNaN();
  expectSame(nndl.columnSums(fromArray([[1, NaN], [2, 3]])).data, [3, NaN]);
  expectSame(nndl.matmul(fromArray([[NaN, 1]]), fromArray([[1], [1]])).data, [NaN]);
});
