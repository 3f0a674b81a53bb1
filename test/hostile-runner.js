/**
 * Runs hostile-file cases against the compiled library, in a process of its
 * own so its time and peak memory are the cases' alone (test/hostile-files).
 * argv[2]: a JSON file of cases { name, kind, file }. Prints one JSON line
 * per case as it ends (what it threw, or null, and how long it took), then
 * one with the baseline RSS and the peak RSS of the whole run. A case that
 * never settles leaves its line missing.
 */
const fs = require('node:fs');
const path = require('node:path');

const nndl = require(path.resolve(__dirname, '..', 'dist', 'lib', 'index.js'));

const KINDS = {
  pickle: (file) => nndl.readPickle(fs.readFileSync(file), file),
  safetensors: (file) => nndl.readSafetensors(file),
  'safetensors-bytes': (file) => nndl.decodeSafetensors(fs.readFileSync(file), file),
  model: (file) => nndl.loadModel(file),
  cifar: (file) => nndl.loadCifar10(file),
  'cifar-split': (file) => nndl.getCifar10Data({ source: file, numTraining: 10, numValidation: 5, numTest: 5 }),
};

/**
 * This process's peak RSS in bytes. On Linux it is read from VmHWM: the
 * maxRSS of getrusage survives execve, so a child spawned by a large jest
 * worker would report the worker's own peak.
 */
function peakRss() {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) * 1024;
  } catch {
    // Not Linux: getrusage is the measure there.
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function main() {
  const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const baselineRss = process.memoryUsage().rss;
  for (const c of cases) {
    const start = process.hrtime.bigint();
    let outcome;
    try {
      await KINDS[c.kind](c.file);
      outcome = { error: null, message: 'ok' };
    } catch (e) {
      // Anything but an Error (a string, undefined) is reported as null, which no case expects.
      outcome = e instanceof Error ? { error: e.constructor.name, message: e.message } : { error: null, message: `threw ${String(e)}` };
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    process.stdout.write(`${JSON.stringify({ name: c.name, ...outcome, ms, rss: process.memoryUsage().rss })}\n`);
  }
  process.stdout.write(`${JSON.stringify({ baselineRss, peakRss: peakRss() })}\n`);
}

main();
