/**
 * Where a function's results go. By default each call allocates its outputs;
 * on hot paths the caller may pass tensors to be overwritten instead (like
 * numpy's `out=`), so a training loop reuses the same memory every step.
 */
import { Tensor, empty, type DType, type Shape } from './tensor';
import { formatShape, invalidType, objectArg, tensorArg } from './validate';

/** Options of every forward pass. */
export interface ForwardOptions {
  /** Tensor to write the output into (same shape and dtype) instead of a new one. */
  out?: Tensor;
}

/** Options of every backward pass. */
export interface BackwardOptions {
  /**
   * `false` skips the input gradient (returned as null): the first layer of a
   * network does not need it. A tensor receives it instead of a new one.
   */
  dx?: boolean | Tensor;
}

/** Backward options of layers with parameters: tensors to receive their gradients. */
export interface ParamBackwardOptions extends BackwardOptions {
  dw?: Tensor;
  db?: Tensor;
}

/** Options of a backward pass fused with a plain SGD step on the layer's parameters. */
export interface SgdStepOptions extends BackwardOptions {
  /** Step size. */
  learningRate: number;
  /** L2 strength folded into the same step: w <- (1 - learningRate * reg) w - learningRate dL/dw (default 0). */
  reg?: number;
}

export function optionsArg(fn: string, value: unknown): Record<string, unknown> {
  return value === undefined ? {} : objectArg(fn, 'options', value);
}

/** options[name] checked against the output's shape and dtype, or a fresh tensor. */
export function output(fn: string, options: Record<string, unknown>, name: string, shape: Shape, dtype: DType): Tensor {
  const value = options[name];
  if (value === undefined || value === true) return empty(shape, dtype);
  const t = tensorArg(fn, `options.${name}`, value);
  if (t.dtype !== dtype) throw new TypeError(`${fn}: options.${name} is ${t.dtype} but the output is ${dtype}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(
      `${fn}: options.${name} has shape ${formatShape(t.shape)} but the output has shape ${formatShape(shape)}`,
    );
  }
  return t;
}

/** The input gradient's destination: null when options.dx is false. */
export function dxOutput(fn: string, options: Record<string, unknown>, shape: Shape, dtype: DType): Tensor | null {
  const dx = options.dx;
  if (dx === false) return null;
  if (dx !== undefined && dx !== true && !(dx instanceof Tensor)) {
    throw invalidType(fn, 'options.dx', 'a boolean or a Tensor', dx);
  }
  return output(fn, options, 'dx', shape, dtype);
}
