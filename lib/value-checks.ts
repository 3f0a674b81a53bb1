/**
 * The checks of plain values (numbers, booleans, objects, dtypes, labels) and
 * the form of every argument error:
 * `fn: Expected <what> for <name> but received <what came>`, or for shapes
 * `fn: w has shape [3072, 50] but x flattens to [200, 3000]`.
 * Wrong kinds of values are TypeErrors; right kinds with wrong sizes or values
 * are RangeErrors. tensor.ts builds on this module, and validate.ts adds the
 * checks of tensors above both: the library imports every check from there.
 */

/**
 * The method by which a class says how messages describe its instances
 * (Tensor: `float64 Tensor of shape [2, 3]`), so that this module, which
 * tensor.ts imports, does not import the class.
 */
export const DESCRIBE = Symbol('nndl.describe');

/** A short, human description of any value, for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') {
    const own = describer(value);
    if (own) return own.call(value);
  }
  if (Array.isArray(value)) return `Array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    const length = 'length' in value ? (value as unknown as ArrayLike<unknown>).length : value.byteLength;
    return `${value.constructor.name} of length ${length}`;
  }
  switch (typeof value) {
    case 'number':
      return `number ${value}`;
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'bigint':
      return `bigint ${value}n`;
    case 'boolean':
      return `boolean ${value}`;
    case 'function':
      return 'function';
    case 'symbol':
      return 'symbol';
    default: {
      const name = (value as object).constructor?.name;
      return name && name !== 'Object' ? `${name} object` : 'object';
    }
  }
}

/** The DESCRIBE method a value's class gives it, if any. */
function describer(value: object): (() => string) | undefined {
  const proto: unknown = Object.getPrototypeOf(value);
  const method = proto === null ? undefined : (proto as { [DESCRIBE]?: unknown })[DESCRIBE];
  return typeof method === 'function' ? (method as () => string) : undefined;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** `fn: Expected <expected> for <name> but received <description of value>`. */
export function invalidType(fn: string, name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${fn}: Expected ${expected} for ${name} but received ${describe(value)}`);
}

/** Same form as invalidType, for a value of the right kind that is out of range. */
export function invalidValue(fn: string, name: string, expected: string, value: unknown): RangeError {
  return new RangeError(`${fn}: Expected ${expected} for ${name} but received ${describe(value)}`);
}

/**
 * A tensor whose data is still there. Transferring its buffer (postMessage
 * or structuredClone with `transfer`) detaches it: the typed array is then
 * empty, and a tensor of any other size has lost its values.
 */
export function attachedArg<T extends { readonly shape: readonly number[]; readonly data: ArrayLike<number> }>(
  fn: string, name: string, t: T,
): T {
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== size) {
    throw new TypeError(
      `${fn}: the buffer of ${name} is detached (transferred by postMessage or structuredClone): ` +
        `its data holds ${t.data.length} values of the ${size} its shape ${formatShape(t.shape)} needs`,
    );
  }
  return t;
}

export function objectArg(fn: string, name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidType(fn, name, 'an object', value);
  }
  return value as Record<string, unknown>;
}

/**
 * Every key of an options type, written once as `{a: true, b: true}`; declared
 * `satisfies KeySet<Options>`, so the compiler refuses a list that misses an
 * option or names one the type does not have.
 */
export type KeySet<T> = { readonly [K in keyof Required<T>]: true };

/**
 * `value` as an options object (see objectArg) whose own keys are all in
 * `keys`: an unknown key, most often a misspelt option that would otherwise
 * be ignored without a word, is a TypeError naming it and the nearest known
 * key (by edit distance), or every known key when none is near.
 */
export function optionsObjectArg<T>(fn: string, name: string, value: unknown, keys: KeySet<T>): Record<string, unknown> {
  const o = objectArg(fn, name, value);
  for (const key of Object.keys(o)) {
    if (Object.prototype.hasOwnProperty.call(keys, key)) continue;
    const known = Object.keys(keys);
    const nearest = nearestKey(key, known);
    throw new TypeError(
      `${fn}: Expected a known option for ${name} but received unknown key ${JSON.stringify(key)}; ` +
        (nearest === undefined ? `the options are ${known.join(', ')}` : `did you mean ${nearest}?`),
    );
  }
  return o;
}

/** The key nearest to `key` if a typo could explain it: at most a third of its letters (and one at least) changed. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/**
 * Edit distance counting one for each inserted, deleted or substituted
 * character and for each swap of two neighbours (`alhpa` is one from `alpha`),
 * the optimal-string-alignment form of Damerau-Levenshtein.
 */
function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) next[j] = Math.min(next[j], before[j - 2] + 1);
    }
    [before, row] = [row, next];
  }
  return row[b.length];
}

export function numberArg(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw invalidType(fn, name, 'a number', value);
  if (!Number.isFinite(value)) throw invalidValue(fn, name, 'a finite number', value);
  return value;
}

export function positiveNumberArg(fn: string, name: string, value: unknown): number {
  const v = numberArg(fn, name, value);
  if (v <= 0) throw invalidValue(fn, name, 'a positive number', value);
  return v;
}

export function nonNegativeIntegerArg(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw invalidType(fn, name, 'a non-negative integer', value);
  if (!Number.isSafeInteger(value) || value < 0) throw invalidValue(fn, name, 'a non-negative integer', value);
  return value;
}

export function positiveIntegerArg(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw invalidType(fn, name, 'a positive integer', value);
  if (!Number.isSafeInteger(value) || value < 1) throw invalidValue(fn, name, 'a positive integer', value);
  return value;
}

export function nonNegativeNumberArg(fn: string, name: string, value: unknown): number {
  const v = numberArg(fn, name, value);
  if (v < 0) throw invalidValue(fn, name, 'a non-negative number', value);
  return v;
}

export function booleanArg(fn: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidType(fn, name, 'a boolean', value);
  return value;
}

export function dtypeArg(fn: string, name: string, value: unknown): 'float32' | 'float64' {
  if (value !== 'float32' && value !== 'float64') throw invalidType(fn, name, "'float32' or 'float64'", value);
  return value;
}

/** Class labels accepted wherever the reference takes a `y` vector. */
export type Labels = Int32Array | Uint8Array | readonly number[];

/**
 * Checks n labels, each an integer in [0, c), and returns them as the
 * Int32Array the kernels read (the same array when it already is one).
 */
export function labelsArg(fn: string, name: string, value: unknown, n: number, c: number): Int32Array {
  const isTyped = value instanceof Int32Array || value instanceof Uint8Array;
  if (!isTyped && !Array.isArray(value)) {
    throw invalidType(fn, name, 'an Int32Array, Uint8Array or number[] of class indices', value);
  }
  const y = value as ArrayLike<unknown>;
  if (y.length !== n) {
    throw new RangeError(`${fn}: ${name} has ${y.length} labels but x has ${n} rows`);
  }
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (typeof v !== 'number') throw invalidType(fn, `${name}[${i}]`, 'a class index', v);
    if (!Number.isInteger(v) || v < 0 || v >= c) {
      throw invalidValue(fn, `${name}[${i}]`, `an integer class index in [0, ${c})`, v);
    }
  }
  return value instanceof Int32Array ? value : Int32Array.from(y as ArrayLike<number>);
}
