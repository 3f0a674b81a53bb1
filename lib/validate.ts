/**
 * Every argument check, from one module: the checks of plain values and the
 * form of every message come from value-checks.ts (which tensor.ts uses too,
 * so the dependency goes one way: validate -> tensor -> value-checks), that a
 * value is a Tensor from tensor.ts, and the checks between tensors are here.
 */
import { tensorArg, type DType, type Tensor } from './tensor';
import { formatShape, invalidValue } from './value-checks';

export {
  attachedArg, booleanArg, describe, dtypeArg, formatShape, invalidType, invalidValue, labelsArg,
  nonNegativeIntegerArg, nonNegativeNumberArg, numberArg, objectArg, optionsObjectArg, positiveIntegerArg, positiveNumberArg,
} from './value-checks';
export type { KeySet, Labels } from './value-checks';
export { tensorArg } from './tensor';

/** A tensor with at least one element, as every kernel needs. */
export function nonEmptyTensorArg(fn: string, name: string, value: unknown): Tensor {
  const t = tensorArg(fn, name, value);
  if (t.size === 0) throw invalidValue(fn, name, 'a non-empty Tensor', t);
  return t;
}

export function ndimArg(fn: string, name: string, t: Tensor, ndim: number): void {
  if (t.shape.length !== ndim) {
    throw new RangeError(`${fn}: Expected a ${ndim}-d Tensor for ${name} but received shape ${formatShape(t.shape)}`);
  }
}

/** All tensors share the dtype of the first one. */
export function sameDtype(fn: string, tensors: Record<string, Tensor>): DType {
  const entries = Object.entries(tensors);
  const [firstName, first] = entries[0];
  for (const [name, t] of entries.slice(1)) {
    if (t.dtype !== first.dtype) {
      throw new TypeError(`${fn}: ${name} is ${t.dtype} but ${firstName} is ${first.dtype}; convert one with .astype()`);
    }
  }
  return first.dtype;
}

export function sameShape(fn: string, name: string, t: Tensor, otherName: string, other: Tensor): void {
  if (t.shape.length !== other.shape.length || t.shape.some((d, i) => d !== other.shape[i])) {
    throw new RangeError(
      `${fn}: ${name} has shape ${formatShape(t.shape)} but ${otherName} has shape ${formatShape(other.shape)}`,
    );
  }
}

