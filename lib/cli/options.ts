/** Parsers for option values: each rejects a bad value with one line saying what was expected. */
import { InvalidArgumentError } from 'commander';

/**
 * Decimal notation only (`3`, `-0.5`, `1e-3`, `.25`): Number() would also
 * take `0x10`, `0b11`, `Infinity` and an empty string (as 0).
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function number(v: string): number {
  const s = v.trim();
  const n = DECIMAL.test(s) ? Number(s) : NaN;
  return Number.isFinite(n) ? n : NaN;
}

export function positiveNumber(v: string): number {
  const n = number(v);
  if (!(n > 0)) throw new InvalidArgumentError(`Expected a positive number but received ${v}`);
  return n;
}

export function nonNegativeNumber(v: string): number {
  const n = number(v);
  if (!(n >= 0)) throw new InvalidArgumentError(`Expected a non-negative number but received ${v}`);
  return n;
}

export function positiveInt(v: string): number {
  const n = number(v);
  if (!(Number.isSafeInteger(n) && n > 0)) throw new InvalidArgumentError(`Expected a positive integer but received ${v}`);
  return n;
}

/** The largest seed: numpy's generator takes seeds in [0, 2^32). */
export const MAX_SEED = 2 ** 32 - 1;

export function seed(v: string): number {
  const n = number(v);
  if (!(Number.isSafeInteger(n) && n >= 0 && n <= MAX_SEED)) throw new InvalidArgumentError(`Expected an integer seed in [0, ${MAX_SEED}] but received ${v}`);
  return n;
}

export function probability(v: string): number {
  const n = number(v);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError(`Expected a drop probability in [0, 1) but received ${v}`);
  return n;
}

function list<T>(parse: (v: string) => T, what: string): (v: string) => T[] {
  return (v: string) => {
    try {
      return v.split(',').map((p) => parse(p.trim()));
    } catch {
      throw new InvalidArgumentError(`Expected a comma-separated list of ${what} but received ${v}`);
    }
  };
}

export const positiveIntList = list(positiveInt, 'positive integers');
export const positiveNumberList = list(positiveNumber, 'positive numbers');
export const nonNegativeNumberList = list(nonNegativeNumber, 'non-negative numbers');

/** --queue: a redis:// or rediss:// URL with a host, and a database number if any. */
export function redisUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidArgumentError(`Expected a redis://host:port[/db] URL but received ${v}`);
  }
  if ((u.protocol !== 'redis:' && u.protocol !== 'rediss:') || u.hostname === '') {
    throw new InvalidArgumentError(`Expected a redis://host:port[/db] URL but received ${v}`);
  }
  if (u.pathname !== '' && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname)) {
    throw new InvalidArgumentError(`Expected a database number after the port (redis://host:port/0) but received ${v}`);
  }
  return v;
}

/** --name: what BullMQ takes as a queue name (no ':'), and short. */
export function queueName(v: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(v)) {
    throw new InvalidArgumentError(`Expected a name of 1 to 64 letters, digits, '.', '_' or '-' but received ${v}`);
  }
  return v;
}
