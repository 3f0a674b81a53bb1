/**
 * Loading CIFAR-10: seconds and peak resident memory to load the full
 * archive, and to build the float32 split (getCifar10Data), each in a fresh
 * process so its peak is its own, next to the size of what it returns.
 * Target: the split's peak under 1.2x its arrays (images are converted as
 * they are decompressed, so the raw bytes never exist all at once).
 *
 *   npm run bench:data [-- path/to/cifar-10-binary.tar.gz]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { getCifar10Data, loadCifar10 } from '../lib/index';
import { fmt, machine, table, writeResults } from './harness';

const RAW_BYTES = 60000 * 3073;
const DEFAULT = path.resolve(__dirname, '..', '..', '..', 'shared', 'datasets', 'cifar-10-binary.tar.gz');

interface Step {
  seconds: number;
  peakRssMB: number;
  returnedMB: number;
}

/** Runs one step in this process (called as a child) and prints its figures. */
async function child(step: string, source: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  let returned = 0;
  if (step === 'load') {
    const d = await loadCifar10(source);
    returned = d.XTrain.data.byteLength + d.XTest.data.byteLength + d.yTrain.byteLength + d.yTest.byteLength;
  } else {
    const d = await getCifar10Data({ source, dtype: 'float32' });
    returned = [d.XTrain, d.XVal, d.XTest].reduce((s, t) => s + t.data.byteLength, 0) +
      d.yTrain.byteLength + d.yVal.byteLength + d.yTest.byteLength + (d.meanImage?.data.byteLength ?? 0);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const result: Step = { seconds, peakRssMB: process.resourceUsage().maxRSS / 1024, returnedMB: returned / 2 ** 20 };
  process.stdout.write(JSON.stringify(result));
}

function run(step: string, source: string): Step {
  return JSON.parse(execFileSync(process.execPath, [__filename, '--child', step, source], { encoding: 'utf8' })) as Step;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await child(process.argv[3], process.argv[4]);
    return;
  }
  const source = process.argv[2] ?? DEFAULT;
  if (!fs.existsSync(source)) {
    console.log(`skipped: ${source} is absent (pass the path of cifar-10-binary.tar.gz)`);
    return;
  }
  const baseline = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS / 1024))'], { encoding: 'utf8' }));
  const rounds = 3;
  const steps: Record<string, Step[]> = { load: [], split: [] };
  for (let r = 0; r < rounds; r++) for (const step of ['load', 'split']) steps[step].push(run(step, source));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rawMB = RAW_BYTES / 2 ** 20;
  const rows = Object.entries(steps).map(([name, s]) => {
    const returned = s[0].returnedMB;
    const peak = median(s.map((x) => x.peakRssMB));
    return {
      step: name === 'load' ? 'loadCifar10 (uint8, 60,000 images)' : 'getCifar10Data float32 (49k/1k/1k)',
      seconds: median(s.map((x) => x.seconds)),
      peakRssMB: peak,
      returnedMB: returned,
      budgetMB: 1.2 * returned,
    };
  });
  console.log(`CIFAR-10 from ${source}; medians of ${rounds} fresh processes; an empty Node process peaks at ${fmt(baseline, 0)} MiB (counted in the peaks)\n`);
  console.log(table(
    ['step', 's', 'peak RSS MiB', 'returned MiB', 'budget MiB (1.2x returned)'],
    rows.map((r) => [r.step, fmt(r.seconds, 2), fmt(r.peakRssMB, 0), fmt(r.returnedMB, 0), fmt(r.budgetMB, 0)]),
  ));
  const split = rows[1];
  const met = split.peakRssMB <= split.budgetMB;
  console.log(`\ntarget: the split's peak within budget: ${met ? 'met' : 'MISSED'}`);
  console.log(`wrote ${writeResults('data', { machine: machine(), source, baselineMB: baseline, rawMB, steps: rows, target: { met } })}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
