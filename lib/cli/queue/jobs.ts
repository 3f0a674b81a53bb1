/**
 * What travels through the queue: a trial's job (its config, its data and
 * the sweep's limits) and its result (metrics, history and the model file's
 * bytes). Both are checked field by field when read, since anyone who can
 * write to the Redis can write a job.
 */
import { describe } from '../../validate';
import { UPDATE_RULES, checkModelConfig, type TrainConfig } from '../model-config';
import type { TrialHistory, TrialResult } from '../sweep/trial';
import type { SweepData } from './data-source';

export const TRIAL_JOB_FORMAT = 'nndl-trial/1';

export interface TrialJobData {
  format: typeof TRIAL_JOB_FORMAT;
  /** 1-based position in the grid, and the grid's size. */
  trial: number;
  trials: number;
  config: TrainConfig;
  data: SweepData;
  /** A result whose model file is larger fails the trial (it would be stored in Redis). */
  maxModelBytes: number;
}

/** When the trial passed each point, in ms since the epoch on the worker's clock. */
export interface TrialTiming {
  /** The worker's processor got the job. */
  received: number;
  /** The trial's thread began training. */
  started: number;
  /** Training ended. */
  ended: number;
}

/** A job's return value: the TrialResult with the model as base64, and where and when it ran. */
export interface TrialJobResult extends Omit<TrialResult, 'model'> {
  model: string;
  worker: string;
  timing: TrialTiming;
}

/** A job that cannot be run, whatever worker takes it. */
export class MalformedJobError extends Error {
  constructor(message: string) {
    super(`malformed trial job: ${message}`);
    this.name = 'MalformedJobError';
  }
}

type Check<T> = (value: unknown, name: string) => T;

function expected(name: string, what: string, value: unknown): never {
  throw new MalformedJobError(`expected ${what} for ${name} but received ${describe(value)}`);
}

const object: Check<Record<string, unknown>> = (v, name) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : expected(name, 'an object', v);
const string: Check<string> = (v, name) => (typeof v === 'string' && v.length > 0 ? v : expected(name, 'a non-empty string', v));
const boolean: Check<boolean> = (v, name) => (typeof v === 'boolean' ? v : expected(name, 'a boolean', v));
const number = (test: (n: number) => boolean, what: string): Check<number> => (v, name) =>
  typeof v === 'number' && Number.isFinite(v) && test(v) ? v : expected(name, what, v);
const positive = number((n) => n > 0, 'a positive number');
const nonNegative = number((n) => n >= 0, 'a non-negative number');
const positiveInt = number((n) => Number.isSafeInteger(n) && n > 0, 'a positive integer');
/** A trial's seed counts up from the sweep's and wraps past numpy's range when used; generated data's is within it. */
const seed = number((n) => Number.isSafeInteger(n) && n >= 0, 'a non-negative integer seed');
const dataSeed = number((n) => Number.isSafeInteger(n) && n >= 0 && n < 2 ** 32, 'an integer seed in [0, 2^32)');
const oneOf = <T extends string>(values: readonly T[]): Check<T> => (v, name) =>
  (values as readonly unknown[]).includes(v) ? (v as T) : expected(name, `one of ${values.join(', ')}`, v);
const optional = <T>(check: Check<T>): Check<T | undefined> => (v, name) => (v === undefined ? undefined : check(v, name));
/** Hidden sizes: none for conv and --layers networks. */
const sizes: Check<number[]> = (v, name) => {
  if (!Array.isArray(v)) expected(name, 'an array of positive integers', v);
  return v.map((item, i) => positiveInt(item, `${name}[${i}]`));
};
const numbers: Check<number[]> = (v, name) => {
  if (!Array.isArray(v)) expected(name, 'an array of numbers', v);
  // null stands for a non-finite number in JSON.
  return v.map((item, i) => (item === null ? NaN : typeof item === 'number' ? item : expected(`${name}[${i}]`, 'a number', item)));
};

/** The fields of an object, checked; any other field is refused (a job of another version or a typo). */
function fields<T>(v: unknown, name: string, checks: { [K in keyof T]-?: Check<T[K]> }): T {
  const o = object(v, name);
  for (const key of Object.keys(o)) {
    if (!Object.prototype.hasOwnProperty.call(checks, key)) throw new MalformedJobError(`unknown field ${name}.${key}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, check] of Object.entries(checks) as [string, Check<unknown>][]) {
    const value = check(o[key], `${name}.${key}`);
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

const trainConfig: Check<TrainConfig> = (v, name) => {
  const c = fields<TrainConfig>(v, name, {
    model: oneOf(['two-layer', 'fc', 'conv', 'layers'] as const),
    layers: optional(string),
    hidden: sizes,
    batchnorm: boolean,
    dropout: number((n) => n >= 0 && n < 1, 'a drop probability in [0, 1)'),
    dtype: oneOf(['float32', 'float64'] as const),
    weightScale: optional(positive),
    reg: nonNegative,
    update: oneOf(UPDATE_RULES),
    lr: positive,
    lrDecay: nonNegative,
    epochs: positiveInt,
    batchSize: positiveInt,
    seed,
    augment: optional(boolean),
  });
  // Two-layer and fc networks have hidden layers; conv and --layers networks none.
  if ((c.model === 'two-layer' || c.model === 'fc') && c.hidden.length === 0) expected(`${name}.hidden`, 'a non-empty array', c.hidden);
  try {
    checkModelConfig(c);
  } catch (e) {
    throw new MalformedJobError(`${name}: ${(e as Error).message}`);
  }
  return c;
};

const md5: Check<string> = (v, name) => (typeof v === 'string' && /^[0-9a-f]{32}$/.test(v) ? v : expected(name, 'an md5 (32 hex digits)', v));

/** A job's data, checked; throws a MalformedJobError naming the first field that is wrong. */
export function parseTrialJob(raw: unknown): TrialJobData {
  const job = fields<TrialJobData>(raw, 'job', {
    format: oneOf([TRIAL_JOB_FORMAT] as const),
    trial: positiveInt,
    trials: positiveInt,
    config: trainConfig,
    data: (v, name) => fields<SweepData>(v, name, { source: string, md5, seed: dataSeed, description: string }),
    maxModelBytes: positiveInt,
  });
  if (job.trial > job.trials) throw new MalformedJobError(`job.trial is ${job.trial} but job.trials is ${job.trials}`);
  return job;
}

const MIB = 2 ** 20;

/** The job's return value; throws when the model file is over the sweep's limit. */
export function encodeResult(r: TrialResult, job: TrialJobData, worker: string, timing: TrialTiming): TrialJobResult {
  if (r.model.byteLength > job.maxModelBytes) {
    throw new Error(
      `trial ${job.trial}'s model file is ${(r.model.byteLength / MIB).toFixed(1)} MiB, over the sweep's limit of ` +
        `${(job.maxModelBytes / MIB).toFixed(1)} MiB (nndl sweep --max-model-mb): results are stored in Redis`,
    );
  }
  return { ...r, model: Buffer.from(r.model.buffer, r.model.byteOffset, r.model.byteLength).toString('base64'), worker, timing };
}

/** A job's return value read back, checked. */
export function decodeResult(raw: unknown): TrialResult & { worker: string; timing: TrialTiming } {
  const r = fields<TrialJobResult>(raw, 'result', {
    status: oneOf(['done', 'diverged'] as const),
    valAcc: number((n) => n >= 0 && n <= 1, 'an accuracy in [0, 1]'),
    trainAcc: (v, name) => (v === null ? null : number((n) => n >= 0 && n <= 1, 'an accuracy in [0, 1] or null')(v, name)),
    seconds: nonNegative,
    error: optional(string),
    history: (v, name) => fields<TrialHistory>(v, name, { loss: numbers, trainAcc: numbers, valAcc: numbers }),
    model: (v, name) => (typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) ? v : expected(name, 'base64 bytes', v)),
    worker: string,
    timing: (v, name) => fields<TrialTiming>(v, name, { received: nonNegative, started: nonNegative, ended: nonNegative }),
  });
  const bytes = Buffer.from(r.model, 'base64');
  return { ...r, model: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}
