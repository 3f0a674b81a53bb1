/**
 * Calls of the fuzz run that take long: on arguments this small every call
 * should end in milliseconds, and one that does not is a hang in the making.
 * Each is printed as it ends (straight to stderr, past jest's console).
 */
import fs from 'node:fs';

const SLOW_MS = 1000;

export function reportSlow(ms: number, what: () => string): void {
  if (ms > SLOW_MS) fs.writeSync(2, `fuzz: a call took ${(ms / 1000).toFixed(1)} s: ${what()}\n`);
}
