/**
 * `npm run bench:serve [-- --duration 5 --rounds 3 --blas-threads 1]`: the load figure of
 * `nndl serve`, run as a user runs it, on a model as `nndl train` writes it
 * (TwoLayerNet 200, float32, with preprocessing). autocannon, in this
 * process, sends single-image requests to POST /predict on 127.0.0.1 for a
 * bounded time: a 32 x 32 PNG (what the page sends) or JSON (a flat image),
 * from 1 connection and from 16, with batching on (up to 64 images a predict
 * call) and off. Figures (medians over rounds): requests per second, latency
 * p50 and p99, and the requests each predict call answered on average.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';
import { PNG } from 'pngjs';

import { CIFAR10_CLASSES } from '../lib/data/cifar10';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { fmt, machine, table, writeResults } from './harness';

const BIN = path.resolve(__dirname, '..', 'lib', 'cli', 'main.js');

interface Served {
  child: ChildProcess;
  url: string;
  /** Resolves with what nndl serve says it did when it is stopped. */
  stopped: Promise<{ calls: number; requests: number }>;
}

/** `nndl serve --model file --port 0 --max-batch n --blas-threads t`, once it listens. */
function startServer(file: string, maxBatch: number, blasThreads: number): Promise<Served> {
  const args = [BIN, 'serve', '--model', file, '--port', '0', '--max-batch', String(maxBatch), '--blas-threads', String(blasThreads)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  const match = (pattern: RegExp) => new Promise<RegExpMatchArray>((resolve, reject) => {
    const check = () => {
      const m = out.match(pattern);
      if (m) resolve(m);
    };
    child.stdout!.on('data', check);
    child.once('exit', () => {
      check();
      reject(new Error(`nndl serve ended without printing ${pattern}: ${out}`));
    });
  });
  const stopped = match(/answered (\d+) prediction requests in (\d+) predict calls/).then((m) => ({ requests: Number(m[1]), calls: Number(m[2]) }));
  return match(/at (http:\/\/\S+\/) /).then((m) => ({ child, url: m[1], stopped }));
}

function pngBody(): Buffer {
  const image = new PNG({ width: 32, height: 32 });
  for (let i = 0; i < image.data.length; i++) image.data[i] = i % 4 === 3 ? 255 : (i * 37) % 256;
  return PNG.sync.write(image);
}

const BODIES = {
  PNG: { type: 'image/png', body: pngBody() },
  JSON: { type: 'application/json', body: Buffer.from(JSON.stringify({ images: [Array.from({ length: 3072 }, (_, i) => (i * 37) % 256)] })) },
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const option = (name: string, fallback: number) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const duration = option('--duration', 5);
  const rounds = option('--rounds', 3);
  const blasThreads = option('--blas-threads', 1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-bench-serve-'));
  const file = path.join(dir, 'model.safetensors');
  const model = new TwoLayerNet({ hiddenDims: 200, weightScale: 1e-3, dtype: 'float32', rng: 0 });
  model.preprocessing = { meanImage: new Float64Array(3072).fill(120), classNames: CIFAR10_CLASSES };
  model.save(file);
  const configs = Object.entries(BODIES).flatMap(([kind, request]) =>
    [1, 16].flatMap((connections) => [64, 1].map((maxBatch) => ({ kind, request, connections, maxBatch }))));
  const runs: { requestsPerSecond: number; p50: number; p99: number; perCall: number; failed: number }[][] = configs.map(() => []);
  // Rounds interleave the configurations, so the machine's drift touches them alike.
  for (let round = 0; round < rounds; round++) {
    for (const [i, { kind, request, connections, maxBatch }] of configs.entries()) {
      const served = await startServer(file, maxBatch, blasThreads);
      const r = await autocannon({
        url: `${served.url}predict`, method: 'POST', headers: { 'content-type': request.type }, body: request.body, connections, duration,
      });
      served.child.kill('SIGTERM');
      const stats = await served.stopped;
      runs[i].push({
        requestsPerSecond: r.requests.average, p50: r.latency.p50, p99: r.latency.p99,
        perCall: stats.requests / Math.max(1, stats.calls), failed: r.non2xx + r.errors,
      });
      console.log(`round ${round + 1}/${rounds} ${kind}, ${connections} connections, maxBatch ${maxBatch}: ${fmt(r.requests.average, 0)} requests/s, p99 ${r.latency.p99} ms`);
    }
  }
  const rows = configs.map(({ kind, connections, maxBatch }, i) => {
    const m = (pick: (x: (typeof runs)[number][number]) => number) => median(runs[i].map(pick));
    return [kind, String(connections), maxBatch === 1 ? 'off' : `up to ${maxBatch}`, fmt(m((x) => x.requestsPerSecond), 0),
      fmt(m((x) => x.p50), 0), fmt(m((x) => x.p99), 0), fmt(m((x) => x.perCall), 2), String(runs[i].reduce((a, x) => a + x.failed, 0))];
  });
  const md = table(['body', 'connections', 'batching', 'requests/s', 'p50 ms', 'p99 ms', 'requests per predict call', 'failed'], rows);
  console.log(`\nMedians of ${rounds} rounds of ${duration} s, ${blasThreads} BLAS thread(s); ${machine().cpu}, ${machine().cores} cores, server and autocannon on the same machine\n\n${md}`);
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`\nwrote ${writeResults('serve-load', { machine: machine(), duration, rounds, blasThreads, configs: configs.map(({ kind, connections, maxBatch }) => ({ kind, connections, maxBatch })), runs, table: md })}`);
}

void main();
