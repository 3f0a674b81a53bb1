/**
 * The cost of `require('nndl')` for a service that imports the library:
 * milliseconds to import it, and to make the first kernel call (which loads
 * the addon and OpenBLAS), each in a fresh process, with the modules that
 * were loaded. Target: the import and the addon together within 30 ms.
 *
 *   npm run bench:import
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { fmt, machine, table, writeResults } from './harness';

const INDEX = path.resolve(__dirname, '..', 'lib', 'index.js');
const ROUNDS = 15;
const TARGET_MS = 30;

interface Sample {
  importMs: number;
  addonMs: number;
  /** Files loaded by the import (the library's own and any package's). */
  files: number;
  packages: string[];
}

/** Runs in a fresh process: times the import, then the first kernel call. */
const CHILD = `
  const t0 = process.hrtime.bigint();
  const nndl = require(${JSON.stringify(INDEX)});
  const t1 = process.hrtime.bigint();
  const files = Object.keys(require.cache);
  nndl.reluForward(nndl.fromArray([1, -1]));
  const t2 = process.hrtime.bigint();
  const packages = [...new Set(Object.keys(require.cache).filter((f) => f.includes('/node_modules/'))
    .map((f) => f.split('/node_modules/').pop().split('/')[0]))];
  console.log(JSON.stringify({ importMs: Number(t1 - t0) / 1e6, addonMs: Number(t2 - t1) / 1e6, files: files.length, packages }));
`;

function main(): void {
  const samples: Sample[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    samples.push(JSON.parse(execFileSync(process.execPath, ['-e', CHILD], { encoding: 'utf8' })) as Sample);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const importMs = median(samples.map((s) => s.importMs));
  const addonMs = median(samples.map((s) => s.addonMs));
  const total = median(samples.map((s) => s.importMs + s.addonMs));
  console.log(`require('nndl'), medians of ${ROUNDS} fresh processes\n`);
  console.log(table(['step', 'ms'], [
    ['import', fmt(importMs, 1)],
    ['first kernel call (loads the addon)', fmt(addonMs, 1)],
    ['both', fmt(total, 1)],
  ]));
  console.log(`\nthe import loads ${samples[0].files} files of the library and packages: ${samples[0].packages.join(', ') || 'none'} after the first call`);
  console.log(`target: both within ${TARGET_MS} ms: ${total <= TARGET_MS ? 'met' : 'MISSED'}`);
  console.log(`wrote ${writeResults('import', { machine: machine(), rounds: ROUNDS, importMs, addonMs, total, samples, target: { limitMs: TARGET_MS, met: total <= TARGET_MS } })}`);
}

main();
