/**
 * A dense, row-major, contiguous array of float32 or float64 values: a typed
 * array plus a shape. Kernels read and write `data` in place, so handing a
 * Tensor to the native layer never copies it.
 */
import {
  DESCRIBE, attachedArg, describe, dtypeArg, formatShape, invalidType, invalidValue, nonNegativeIntegerArg,
} from './value-checks';

export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;
export type Shape = readonly number[];
/** What `toArray()` returns and `fromArray()` takes: numbers nested once per dimension. */
export type NestedArray = number | NestedArray[];

const ARRAY_TYPES = { float32: Float32Array, float64: Float64Array } as const;

function product(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

function shapeArg(fn: string, name: string, value: unknown): number[] {
  if (!Array.isArray(value)) throw invalidType(fn, name, 'an array of non-negative integers', value);
  return value.map((d, i) => nonNegativeIntegerArg(fn, `${name}[${i}]`, d));
}

/**
 * How the creators take a shape, numpy's two ways: one array (`zeros([2, 3])`)
 * or the dimensions as arguments (`zeros(2, 3)`), the dtype after either.
 */
export type ShapeArgs = [shape: Shape, dtype?: DType] | number[] | [...dims: number[], dtype: DType];

/** The shape and dtype of a creator's arguments (see ShapeArgs); float64 when no dtype is given. */
function shapeArgs(fn: string, args: readonly unknown[]): [number[], DType] {
  if (Array.isArray(args[0])) {
    if (args.length > 2) throw invalidValue(fn, 'arguments', 'a shape array and at most a dtype', `${args.length} arguments`);
    return [shapeArg(fn, 'shape', args[0]), dtypeArg(fn, 'dtype', args[1] ?? 'float64')];
  }
  if (typeof args[0] !== 'number') {
    throw invalidType(fn, 'shape', 'an array of non-negative integers or the dimensions as numbers', args[0]);
  }
  const last = args.length - 1;
  const dims = typeof args[last] === 'string' ? args.slice(0, last) : args;
  const dtype = dims.length === args.length ? 'float64' : args[last];
  return [dims.map((d, i) => nonNegativeIntegerArg(fn, `shape[${i}]`, d)), dtypeArg(fn, 'dtype', dtype)];
}

/**
 * An n-dimensional array: `data` (Float32Array or Float64Array, row-major,
 * contiguous) viewed with `shape`; `dtype` follows from the array type. The
 * object is frozen; kernels write into `data` in place. Made by zeros, empty,
 * fromArray, linspace or `new Tensor(data, shape)` (which does not copy).
 */
export class Tensor {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly data: FloatArray;

  /**
   * Wraps `data` (not copied) as a tensor of the given shape; the dtype follows
   * from the array type. `data.length` must equal the product of `shape`.
   */
  constructor(data: FloatArray, shape: Shape) {
    const fn = 'Tensor';
    if (data instanceof Float32Array) this.dtype = 'float32';
    else if (data instanceof Float64Array) this.dtype = 'float64';
    else throw invalidType(fn, 'data', 'a Float32Array or Float64Array', data);
    const dims = shapeArg(fn, 'shape', shape);
    if (product(dims) !== data.length) {
      throw new RangeError(`${fn}: shape ${formatShape(dims)} needs ${product(dims)} elements but data has ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze(dims);
    Object.freeze(this);
  }

  /** How argument errors describe a tensor: `float64 Tensor of shape [2, 3]`. */
  [DESCRIBE](): string {
    return `${this.dtype} Tensor of shape ${formatShape(this.shape)}`;
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /**
   * The same data viewed with another shape (no copy), given as an array
   * (`t.reshape([3, 2])`) or as dimensions (`t.reshape(3, 2)`). One dimension
   * may be -1 and is then inferred, as in numpy.
   */
  reshape(...args: [shape: Shape] | number[]): Tensor {
    const fn = 'reshape';
    attachedArg(fn, 'the tensor', this);
    if (Array.isArray(args[0]) && args.length > 1) {
      throw invalidValue(fn, 'arguments', 'one shape array or the dimensions as numbers', `${args.length} arguments`);
    }
    const shape: readonly unknown[] = Array.isArray(args[0]) ? args[0] : args;
    const inferred = shape.indexOf(-1);
    if (inferred !== shape.lastIndexOf(-1)) throw invalidValue(fn, 'shape', 'at most one -1', shape);
    const dims = shape.map((d, i) => (i === inferred ? 1 : nonNegativeIntegerArg(fn, `shape[${i}]`, d)));
    const known = product(dims);
    if (inferred >= 0) {
      if (known === 0 || this.size % known !== 0) {
        throw new RangeError(`${fn}: cannot reshape ${formatShape(this.shape)} to ${formatShape(shape as number[])}`);
      }
      dims[inferred] = this.size / known;
    }
    if (product(dims) !== this.size) {
      throw new RangeError(`${fn}: cannot reshape ${formatShape(this.shape)} (${this.size} elements) to ${formatShape(shape as number[])}`);
    }
    return new Tensor(this.data, dims);
  }

  /** A copy with its own data. */
  clone(): Tensor {
    attachedArg('clone', 'the tensor', this);
    return new Tensor(this.data.slice(), this.shape);
  }

  /** A copy converted to `dtype` (a plain copy when it already has that dtype). */
  astype(dtype: DType): Tensor {
    const target = dtypeArg('astype', 'dtype', dtype);
    attachedArg('astype', 'the tensor', this);
    return new Tensor(ARRAY_TYPES[target].from(this.data), this.shape);
  }

  /** The values as nested arrays, one level per dimension (a number for a 0-d tensor). */
  toArray(): NestedArray {
    attachedArg('toArray', 'the tensor', this);
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = product(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }
}

/** A tensor of zeros: `zeros([2, 3])` or `zeros(2, 3)`, float64 unless a dtype follows (`zeros(2, 3, 'float32')`). */
export function zeros(...args: ShapeArgs): Tensor {
  const [dims, dtype] = shapeArgs('zeros', args);
  return new Tensor(new ARRAY_TYPES[dtype](product(dims)), dims);
}

/**
 * A tensor whose values are whatever the memory held, like numpy's empty: for
 * outputs a kernel overwrites entirely, where zero-filling a large array would
 * cost as much as the kernel's own work. Its data is a whole ArrayBuffer of
 * its own (allocUnsafeSlow, not allocUnsafe's shared pool): posting or
 * cloning `t.data.buffer` sends exactly the tensor's bytes, nothing else.
 * The shape and dtype are given as to zeros.
 */
export function empty(...args: ShapeArgs): Tensor {
  const [dims, dtype] = shapeArgs('empty', args);
  const type = ARRAY_TYPES[dtype];
  const length = product(dims);
  const buffer = Buffer.allocUnsafeSlow(length * type.BYTES_PER_ELEMENT).buffer as ArrayBuffer;
  return new Tensor(new type(buffer, 0, length), dims);
}

/** `value` as a Tensor whose data is still there (validate.ts passes it on with the other checks). */
export function tensorArg(fn: string, name: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) throw invalidType(fn, name, 'a Tensor', value);
  return attachedArg(fn, name, value);
}

/** An uninitialized tensor with the shape and dtype of `t` (see empty). */
export function emptyLike(t: Tensor): Tensor {
  const like = tensorArg('emptyLike', 't', t);
  return empty(like.shape, like.dtype);
}

/**
 * A zero tensor whose data lives in a SharedArrayBuffer, which worker threads
 * can read without a copy; the shape and dtype are given as to zeros.
 */
export function sharedZeros(...args: ShapeArgs): Tensor {
  const [dims, dtype] = shapeArgs('sharedZeros', args);
  const type = ARRAY_TYPES[dtype];
  const buffer = new SharedArrayBuffer(product(dims) * type.BYTES_PER_ELEMENT) as unknown as ArrayBuffer;
  return new Tensor(new type(buffer), dims);
}

/** A zero tensor with the shape and dtype of `t`. */
export function zerosLike(t: Tensor): Tensor {
  const like = tensorArg('zerosLike', 't', t);
  return new Tensor(new ARRAY_TYPES[like.dtype](like.size), like.shape);
}

/** The most dimensions fromArray takes from nested arrays, as numpy 2. */
const MAX_NESTING = 64;

/**
 * A tensor from numbers nested in arrays (rectangular, as numpy requires) or
 * from a flat typed array. The data is copied. Without a dtype, a
 * Float32Array stays float32 and anything else becomes float64, as numpy's
 * `np.array` keeps a float32 array's dtype.
 */
export function fromArray(values: NestedArray | ArrayLike<number>, dtype?: DType): Tensor {
  const fn = 'fromArray';
  const type = ARRAY_TYPES[dtypeArg(fn, 'dtype', dtype ?? (values instanceof Float32Array ? 'float32' : 'float64'))];
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    return new Tensor(type.from(values as ArrayLike<number>), [(values as ArrayLike<number>).length]);
  }
  const shape: number[] = [];
  for (let level: unknown = values; Array.isArray(level); level = level[0]) {
    // Bounds the recursion below (and ends on an array that holds itself).
    if (shape.length === MAX_NESTING) throw invalidValue(fn, 'values', `arrays nested at most ${MAX_NESTING} deep (numpy's limit on dimensions)`, values);
    shape.push(level.length);
  }
  const out = new type(product(shape));
  let k = 0;
  const fill = (value: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof value !== 'number') throw invalidType(fn, path, 'a number', value);
      out[k++] = value;
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[dim]) {
      throw new RangeError(
        `${fn}: ragged array: ${path} is ${describe(value)} but dimension ${dim} has length ${shape[dim]}`,
      );
    }
    value.forEach((v, i) => fill(v, dim + 1, `${path}[${i}]`));
  };
  fill(values, 0, 'values');
  return new Tensor(out, shape);
}

/**
 * `num` evenly spaced values from `start` to `stop` inclusive, computed as
 * numpy's linspace does (`start + i * step`, the last value exactly `stop`),
 * so inputs built from it match numpy's bit for bit.
 */
export function linspace(start: number, stop: number, num = 50, dtype: DType = 'float64'): Tensor {
  const fn = 'linspace';
  for (const [name, v] of [['start', start], ['stop', stop]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidType(fn, name, 'a finite number', v);
  }
  nonNegativeIntegerArg(fn, 'num', num);
  const out = new ARRAY_TYPES[dtypeArg(fn, 'dtype', dtype)](num);
  if (num === 1) out[0] = start;
  if (num > 1) {
    const div = num - 1;
    const step = (stop - start) / div;
    for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * (stop - start) + start : i * step + start;
    out[num - 1] = stop;
  }
  return new Tensor(out, [num]);
}
