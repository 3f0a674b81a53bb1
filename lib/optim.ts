/**
 * First-order update rules, the reference's `optim.py`: each takes the
 * parameters w, their gradient dw and a config holding hyper-parameters and
 * state, and returns [nextW, config]. The config object is the one passed in
 * (created when absent), filled with defaults on first use, and its state
 * tensors are updated in place on every step. A config that cannot be
 * written (frozen, sealed, read-only properties: shared constants) is copied
 * first and the copy returned, so callers keep the config they get back.
 * `{out: w}` updates w in place.
 */
import { native } from './native';
import { optionsArg, output, type ForwardOptions } from './outputs';
import { Tensor, zerosLike } from './tensor';
import {
  invalidType, invalidValue, nonEmptyTensorArg, nonNegativeIntegerArg, numberArg, objectArg, sameDtype, sameShape,
} from './validate';

export interface OptimConfig {
  /** Step size (default 1e-2, 1e-3 for adam). */
  learningRate?: number;
  /** sgdMomentum: momentum (default 0.9). */
  momentum?: number;
  /** sgdMomentum: velocity, shape of w (zeros at first). */
  velocity?: Tensor;
  /** rmsprop: decay of the squared-gradient average (default 0.99). */
  decayRate?: number;
  /** rmsprop and adam: added to the denominator (default 1e-8). */
  epsilon?: number;
  /** rmsprop: moving average of squared gradients, shape of w. */
  cache?: Tensor;
  /** adam: decay of the first moment (default 0.9). */
  beta1?: number;
  /** adam: decay of the second moment (default 0.999). */
  beta2?: number;
  /** adam: first moment, shape of w. */
  m?: Tensor;
  /** adam: second moment, shape of w. */
  v?: Tensor;
  /** adam: steps taken so far; incremented before each step's bias correction. */
  t?: number;
}

/** The signature every update rule has. */
export type UpdateRule = (w: Tensor, dw: Tensor, config?: OptimConfig, options?: ForwardOptions) => [Tensor, OptimConfig];

/** The names an update rule is given by: the reference's (snake_case) and the camelCase of sgdMomentum. */
export type UpdateRuleName = 'sgd' | 'sgd_momentum' | 'sgdMomentum' | 'rmsprop' | 'adam';

interface Checked {
  w: Tensor;
  dw: Tensor;
  config: OptimConfig;
  out: Tensor;
}

function checked(fn: string, wv: unknown, dwv: unknown, configv: unknown, options: unknown): Checked {
  const w = nonEmptyTensorArg(fn, 'w', wv);
  const dw = nonEmptyTensorArg(fn, 'dw', dwv);
  sameDtype(fn, { w, dw });
  sameShape(fn, 'dw', dw, 'w', w);
  const out = output(fn, optionsArg(fn, options), 'out', w.shape, w.dtype);
  return { w, dw, config: configArg(fn, configv), out };
}

/** The config a rule writes its defaults and state into: the caller's when it can be written, else a copy. */
function configArg(fn: string, value: unknown): OptimConfig {
  if (value === undefined) return {};
  const config = objectArg(fn, 'config', value);
  const writable =
    Object.isExtensible(config) && Object.values(Object.getOwnPropertyDescriptors(config)).every((d) => d.writable === true);
  return (writable ? config : { ...config }) as OptimConfig;
}

/** config[key], defaulted and checked to be a finite number. */
function hyper(fn: string, config: OptimConfig, key: keyof OptimConfig, fallback: number): number {
  const value = config[key] ?? fallback;
  (config as Record<string, unknown>)[key] = numberArg(fn, `config.${key}`, value);
  return value as number;
}

/** config[key], a state tensor of w's shape and dtype, created as zeros when absent. */
function stateTensor(fn: string, config: OptimConfig, key: 'velocity' | 'cache' | 'm' | 'v', w: Tensor): Tensor {
  const existing = config[key];
  if (existing === undefined) {
    const t = zerosLike(w);
    config[key] = t;
    return t;
  }
  const t = nonEmptyTensorArg(fn, `config.${key}`, existing);
  sameDtype(fn, { w, [`config.${key}`]: t });
  sameShape(fn, `config.${key}`, t, 'w', w);
  return t;
}

/** Vanilla stochastic gradient descent: w - learningRate * dw. */
export function sgd(w: Tensor, dw: Tensor, config?: OptimConfig, options?: ForwardOptions): [Tensor, OptimConfig] {
  const fn = 'sgd';
  const a = checked(fn, w, dw, config, options);
  const lr = hyper(fn, a.config, 'learningRate', 1e-2);
  native().sgd(a.w.data, a.dw.data, a.out.data, lr);
  return [a.out, a.config];
}

/** SGD with momentum: v = momentum * v - learningRate * dw; w + v. */
export function sgdMomentum(w: Tensor, dw: Tensor, config?: OptimConfig, options?: ForwardOptions): [Tensor, OptimConfig] {
  const fn = 'sgdMomentum';
  const a = checked(fn, w, dw, config, options);
  const lr = hyper(fn, a.config, 'learningRate', 1e-2);
  const momentum = hyper(fn, a.config, 'momentum', 0.9);
  const velocity = stateTensor(fn, a.config, 'velocity', a.w);
  native().sgdMomentum(a.w.data, a.dw.data, velocity.data, a.out.data, lr, momentum);
  return [a.out, a.config];
}

/** RMSProp: a moving average of squared gradients scales each parameter's step. */
export function rmsprop(w: Tensor, dw: Tensor, config?: OptimConfig, options?: ForwardOptions): [Tensor, OptimConfig] {
  const fn = 'rmsprop';
  const a = checked(fn, w, dw, config, options);
  const lr = hyper(fn, a.config, 'learningRate', 1e-2);
  const decay = hyper(fn, a.config, 'decayRate', 0.99);
  const eps = hyper(fn, a.config, 'epsilon', 1e-8);
  const cache = stateTensor(fn, a.config, 'cache', a.w);
  native().rmsprop(a.w.data, a.dw.data, cache.data, a.out.data, lr, decay, eps);
  return [a.out, a.config];
}

/** Adam with bias correction; t counts the steps taken, from the config. */
export function adam(w: Tensor, dw: Tensor, config?: OptimConfig, options?: ForwardOptions): [Tensor, OptimConfig] {
  const fn = 'adam';
  const a = checked(fn, w, dw, config, options);
  const lr = hyper(fn, a.config, 'learningRate', 1e-3);
  const beta1 = hyper(fn, a.config, 'beta1', 0.9);
  const beta2 = hyper(fn, a.config, 'beta2', 0.999);
  const eps = hyper(fn, a.config, 'epsilon', 1e-8);
  const m = stateTensor(fn, a.config, 'm', a.w);
  const v = stateTensor(fn, a.config, 'v', a.w);
  const t = nonNegativeIntegerArg(fn, 'config.t', a.config.t ?? 0) + 1;
  a.config.t = t;
  native().adam(a.w.data, a.dw.data, m.data, v.data, a.out.data, lr, beta1, beta2, eps, t);
  return [a.out, a.config];
}

/** The rules by the names the reference's Solver takes (snake_case) and their camelCase exports. */
export const updateRules: Readonly<Record<UpdateRuleName, UpdateRule>> = Object.freeze({
  sgd,
  sgd_momentum: sgdMomentum,
  sgdMomentum,
  rmsprop,
  adam,
});

/** An update rule given by name or as a function. */
export function updateRuleArg(fn: string, name: string, value: unknown): UpdateRule {
  if (typeof value === 'function') return value as UpdateRule;
  if (typeof value !== 'string') throw invalidType(fn, name, 'the name of an update rule or a function', value);
  if (Object.prototype.hasOwnProperty.call(updateRules, value)) return updateRules[value as UpdateRuleName];
  throw invalidValue(fn, name, `one of ${Object.keys(updateRules).join(', ')} or a function`, value);
}
