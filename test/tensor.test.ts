import { MessageChannel } from 'node:worker_threads';

import * as nndl from '../lib/index';
import { Tensor, empty, emptyLike, fromArray, linspace, sharedZeros, zeros, zerosLike } from '../lib/tensor';

describe('Tensor', () => {
  test('zeros has the shape, dtype and size asked for', () => {
    const t = zeros([2, 3], 'float32');
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    expect(t.size).toBe(6);
    expect(t.ndim).toBe(2);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(zeros([4]).dtype).toBe('float64');
  });

  test.each([['zeros', zeros], ['empty', empty], ['sharedZeros', sharedZeros]] as const)(
    "%s takes the shape as numpy does: one array or the dimensions, then the dtype", (name, make) => {
      for (const [t, dtype] of [
        [make(2, 3), 'float64'], [make([2, 3]), 'float64'], [make(2, 3, 'float32'), 'float32'], [make([2, 3], 'float32'), 'float32'],
      ] as const) {
        expect(t.shape).toEqual([2, 3]);
        expect(t.dtype).toBe(dtype);
      }
      expect(make(4).shape).toEqual([4]);
      expect(make([]).shape).toEqual([]);
      expect(() => make(2, 1.5)).toThrow(new RangeError(`${name}: Expected a non-negative integer for shape[1] but received number 1.5`));
      expect(() => make(2, 'float16' as never)).toThrow(new TypeError(`${name}: Expected 'float32' or 'float64' for dtype but received string "float16"`));
      expect(() => (make as (...a: unknown[]) => unknown)([2], 'float32', 3)).toThrow(/^[a-zA-Z]+: Expected a shape array and at most a dtype for arguments but received/);
      expect(() => (make as (...a: unknown[]) => unknown)()).toThrow(new TypeError(`${name}: Expected an array of non-negative integers or the dimensions as numbers for shape but received undefined`));
    });

  test('fromArray keeps a Float32Array float32 and a Float64Array float64 unless a dtype is given', () => {
    expect(fromArray(new Float32Array([1, 2])).dtype).toBe('float32');
    expect(fromArray(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(fromArray(new Float32Array([1, 2]), 'float64').dtype).toBe('float64');
    expect(fromArray(new Float64Array([1, 2]), 'float32').dtype).toBe('float32');
    expect(fromArray(new Int32Array([1, 2])).dtype).toBe('float64');
    expect(fromArray([1, 2]).dtype).toBe('float64');
  });

  test('fromArray reads nested arrays row-major and toArray gives them back', () => {
    const nested = [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]];
    const t = fromArray(nested);
    expect(t.shape).toEqual([2, 3, 2]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(t.toArray()).toEqual(nested);
    expect(fromArray(3.5).shape).toEqual([]);
    expect(fromArray(3.5).toArray()).toBe(3.5);
    expect(fromArray(new Float32Array([1, 2]), 'float32').shape).toEqual([2]);
  });

  test('fromArray copies, the constructor does not', () => {
    const data = new Float64Array([1, 2, 3, 4]);
    const t = new Tensor(data, [2, 2]);
    data[0] = 9;
    expect(t.data[0]).toBe(9);
    const arr = [1, 2];
    const u = fromArray(arr);
    arr[0] = 5;
    expect(u.data[0]).toBe(1);
  });

  test('reshape shares data and infers one -1', () => {
    const t = linspace(0, 11, 12);
    const r = t.reshape(3, -1);
    expect(r.shape).toEqual([3, 4]);
    expect(r.data).toBe(t.data);
    expect(r.reshape(2, 2, 3).toArray()).toEqual([[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]]);
  });

  test('reshape takes the shape as an array or as dimensions', () => {
    const t = linspace(0, 5, 6);
    expect(t.reshape([3, 2]).shape).toEqual([3, 2]);
    expect(t.reshape([-1, 3]).shape).toEqual([2, 3]);
    expect(t.reshape([3, 2]).toArray()).toEqual(t.reshape(3, 2).toArray());
    expect(() => t.reshape([4, 2])).toThrow(new RangeError('reshape: cannot reshape [6] (6 elements) to [4, 2]'));
    expect(() => (t.reshape as (...a: unknown[]) => unknown)([3], 2)).toThrow(/^reshape: Expected one shape array or the dimensions as numbers for arguments/);
  });

  test('linspace matches numpy bit for bit', () => {
    // np.linspace(-0.1, 0.5, num=7).tolist()
    expect(Array.from(linspace(-0.1, 0.5, 7).data)).toEqual([
      -0.1, -1.3877787807814457e-17, 0.09999999999999998, 0.19999999999999998, 0.29999999999999993,
      0.3999999999999999, 0.5,
    ]);
    // np.linspace(-0.5, 0.5, num=12)[5] and [9]
    const l = linspace(-0.5, 0.5, 12);
    expect(l.data[5]).toBe(-0.045454545454545414);
    expect(l.data[9]).toBe(0.31818181818181823);
    expect(Array.from(linspace(2, 2, 3).data)).toEqual([2, 2, 2]);
    expect(Array.from(linspace(1, 5, 1).data)).toEqual([1]);
    expect(linspace(0, 1, 0).size).toBe(0);
  });

  test('astype and clone copy', () => {
    const t = fromArray([1.1, 2.2]);
    const f = t.astype('float32');
    expect(f.dtype).toBe('float32');
    expect(f.data[0]).toBe(Math.fround(1.1));
    const c = t.clone();
    c.data[0] = 0;
    expect(t.data[0]).toBe(1.1);
    expect(zerosLike(f).dtype).toBe('float32');
  });

  test('a tensor is frozen: shape and data cannot be swapped', () => {
    const t = zeros([2, 2]);
    expect(() => {
      (t as { data: Float64Array }).data = new Float64Array(1);
    }).toThrow(TypeError);
    expect(() => (t.shape as number[]).push(1)).toThrow(TypeError);
  });

  describe('bad input', () => {
    test('data length must match the shape', () => {
      expect(() => new Tensor(new Float64Array(5), [2, 3])).toThrow(RangeError);
      expect(() => new Tensor(new Float64Array(5), [2, 3])).toThrow(/shape \[2, 3\] needs 6 elements but data has 5/);
    });
    test('data must be a float typed array', () => {
      expect(() => new Tensor([1, 2] as unknown as Float64Array, [2])).toThrow(TypeError);
      expect(() => new Tensor(new Int32Array(2) as unknown as Float64Array, [2])).toThrow(/data/);
    });
    test('shapes are non-negative integers', () => {
      expect(() => zeros([2, -1])).toThrow(RangeError);
      expect(() => zeros([2, -1])).toThrow(/shape\[1\]/);
      expect(() => zeros([1.5])).toThrow(RangeError);
      expect(() => zeros('3' as unknown as number[])).toThrow(TypeError);
    });
    test('fromArray rejects ragged arrays and non-numbers', () => {
      expect(() => fromArray([[1, 2], [3]])).toThrow(RangeError);
      expect(() => fromArray([[1, 2], [3]])).toThrow(/values\[1\]/);
      expect(() => fromArray([1, '2' as unknown as number])).toThrow(TypeError);
    });
    test('dtype must be float32 or float64', () => {
      expect(() => zeros([2], 'int32' as never)).toThrow(TypeError);
      expect(() => zeros([2], 'int32' as never)).toThrow(/dtype/);
    });
    test('reshape must keep the size', () => {
      expect(() => zeros([2, 3]).reshape(4, 2)).toThrow(RangeError);
      expect(() => zeros([2, 3]).reshape(-1, -1)).toThrow(RangeError);
      expect(() => zeros([2, 3]).reshape(4, -1)).toThrow(RangeError);
    });
    test('linspace needs finite ends', () => {
      expect(() => linspace(0, Infinity, 3)).toThrow(TypeError);
      expect(() => linspace(0, 1, -3)).toThrow(RangeError);
    });
  });
});

describe('every tensor a function returns owns its whole ArrayBuffer', () => {
  // Small outputs are where a shared pool would hand out slices of one 8 KB
  // buffer: posting or cloning out.data.buffer would then send the other
  // slices' bytes (other tensors, other modules' strings) along.
  const x = fromArray([[1, -2, 3], [-4, 5, -6]]);
  const w = fromArray([[1, 0], [0, 1], [1, 1]]);
  const b = fromArray([0.5, -0.5]);
  const made: [string, () => Tensor][] = [
    ['empty', () => empty([3])],
    ['empty float32', () => empty([2, 3], 'float32')],
    ['emptyLike', () => emptyLike(x)],
    ['zeros', () => zeros([3])],
    ['zerosLike', () => zerosLike(x)],
    ['clone', () => x.clone()],
    ['astype', () => x.astype('float32')],
    ['fromArray', () => fromArray([1, 2])],
    ['linspace', () => linspace(0, 1, 3)],
    ['reluForward', () => nndl.reluForward(x)[0]],
    ['affineForward', () => nndl.affineForward(x, w, b)[0]],
    ['affineBackward dw', () => nndl.affineBackward(fromArray([[1, 1], [1, 1]]), { x, w })[1]],
    ['softmaxLoss dx', () => nndl.softmaxLoss(x, [0, 1])[1]],
    ['matmul', () => nndl.matmul(x, w)],
    ['columnSums', () => nndl.columnSums(x)],
    ['sgd', () => nndl.sgd(b, b)[0]],
  ];

  test.each(made)('%s', async (_, make) => {
    const t = make();
    const bytes = t.data.byteLength;
    expect([t.data.byteOffset, t.data.buffer.byteLength]).toEqual([0, bytes]);
    expect(structuredClone(t.data.buffer).byteLength).toBe(bytes);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<ArrayBuffer>((resolve) => port2.once('message', resolve));
    port1.postMessage(t.data.buffer);
    const posted = await received;
    port1.close();
    expect(new Uint8Array(posted)).toEqual(new Uint8Array(t.data.buffer));
  });
});

test('fromArray refuses arrays nested past 64 levels, or holding themselves, instead of overflowing the stack', () => {
  let deep: unknown = 0;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const message = /^fromArray: Expected arrays nested at most 64 deep \(numpy's limit on dimensions\) for values but received Array of length 1$/;
  expect(() => fromArray(deep as never)).toThrow(RangeError);
  expect(() => fromArray(deep as never)).toThrow(message);
  const itself: unknown[] = [];
  itself.push(itself);
  expect(() => fromArray(itself as never)).toThrow(message);
  let most: unknown = 1;
  for (let i = 0; i < 64; i++) most = [most];
  expect(fromArray(most as never).shape).toHaveLength(64);
});
