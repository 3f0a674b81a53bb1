/**
 * Sweeps on the queue against sweeps on this machine's threads: the same
 * 12-trial grid run by the local sweep (1 and 2 trials at a time) and by 1
 * and 2 `nndl worker` processes on a Redis started here, in interleaved
 * rounds; and where the queue's time goes, per trial: from enqueue (or the
 * worker's previous trial) to start, inside the worker around the training,
 * and from finish to the sweep's knowing of it, against the training itself.
 * Redis's own CPU time and commands per trial give the capacity of one Redis.
 *
 *   npm run bench:queue [-- --rounds 2]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Redis } from 'ioredis';

import { redisServerMissing, startRedis } from '../test/redis-server';
import { fmt, machine, table, writeResults } from './harness';

const BIN = path.resolve(__dirname, '..', 'lib', 'cli', 'main.js');
const GRID = ['--data', 'synthetic', '--lr', '5e-4,1e-3,2e-3', '--reg', '0,0.01,0.1,0.5', '--hidden', '200', '--epochs', '10'];
const TRIALS = 12;

interface Trial {
  trial: number;
  seconds: number;
  worker?: string;
  queue?: { enqueued: number; started: number; finished: number; learnt: number };
  timing?: { received: number; started: number; ended: number };
}

interface Run {
  runner: string;
  /** Wall seconds of the sweep command, start to exit. */
  wall: number;
  trialsPerMinute: number;
  /** Sum of the trials' training seconds. */
  trainingSeconds: number;
  /** Per-trial medians (ms) of the queue's parts; absent for local sweeps. */
  overhead?: Record<string, number>;
  /** Redis CPU ms and commands per trial, and the size of a result as stored. */
  redis?: { cpuMsPerTrial: number; commandsPerTrial: number; resultKiB: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function runCommand(args: string[], cwd: string): Promise<{ code: number | null; out: string; seconds: number }> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, ...args], { cwd });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out, seconds: Number(process.hrtime.bigint() - t0) / 1e9 }));
  });
}

function readTrials(dir: string): Trial[] {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'sweep.json'), 'utf8')) as { trials: Trial[] }).trials;
}

async function local(workers: number, dir: string): Promise<Run> {
  const r = await runCommand(['sweep', ...GRID, '--workers', String(workers), '--out', dir], dir);
  if (r.code !== 0) throw new Error(`local sweep failed:\n${r.out}`);
  const trials = readTrials(dir);
  return { runner: `local, ${workers} thread${workers > 1 ? 's' : ''}`, wall: r.seconds, trialsPerMinute: (60 * TRIALS) / r.seconds,
    trainingSeconds: trials.reduce((s, t) => s + t.seconds, 0) };
}

/** Redis's CPU seconds and commands processed so far. */
async function redisUsage(client: Redis): Promise<{ cpu: number; commands: number }> {
  const info = await client.info();
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)![1]);
  return { cpu: field('used_cpu_user') + field('used_cpu_sys'), commands: field('total_commands_processed') };
}

/** The queue's parts of each trial, from the timestamps in sweep.json (ms). */
function overheads(trials: Trial[]): Record<string, number> {
  const byWorker = new Map<string, Trial[]>();
  for (const t of trials) byWorker.set(t.worker!, [...(byWorker.get(t.worker!) ?? []), t]);
  const pickup: number[] = [];
  const toProcessor: number[] = [];
  const toThread: number[] = [];
  const storeResult: number[] = [];
  const dataLoad: number[] = [];
  const finishToResult: number[] = [];
  const training: number[] = [];
  for (const list of byWorker.values()) {
    list.sort((a, b) => a.queue!.started - b.queue!.started);
    list.forEach((t, i) => {
      const q = t.queue!;
      const w = t.timing!;
      // From the moment the trial could start (enqueued, or this worker free again) to BullMQ handing it over.
      pickup.push(q.started - Math.max(q.enqueued, i === 0 ? q.enqueued : list[i - 1].queue!.finished));
      // The worker's own steps: to its processor, to the trial's thread (the first trial loads the data), and
      // from training's end to the result stored.
      toProcessor.push(w.received - q.started);
      (i === 0 ? dataLoad : toThread).push(w.started - w.received);
      storeResult.push(q.finished - w.ended);
      finishToResult.push(q.learnt - q.finished);
      training.push(w.ended - w.started);
    });
  }
  const parts = { pickup: median(pickup), toProcessor: median(toProcessor), toThread: median(toThread), storeResult: median(storeResult) };
  return {
    ...parts, perTrial: Object.values(parts).reduce((a, b) => a + b, 0),
    finishToResult: median(finishToResult), dataLoad: median(dataLoad), training: median(training),
  };
}

async function queued(workers: number, url: string, name: string, dir: string, client: Redis): Promise<Run> {
  const threads = String(Math.max(1, Math.floor(os.cpus().length / workers)));
  const procs = Array.from({ length: workers }, () => spawn(process.execPath, [BIN, 'worker', '--queue', url, '--name', name, '--threads', threads], { cwd: dir }));
  await Promise.all(procs.map((p) => new Promise<void>((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes(' trials at a time')) resolve();
    });
    p.on('close', () => reject(new Error(`a worker ended before it was ready:\n${out}`)));
  })));
  const before = await redisUsage(client);
  const r = await runCommand(['sweep', '--queue', url, '--name', name, ...GRID, '--out', dir], dir);
  const after = await redisUsage(client);
  for (const p of procs) p.kill('SIGINT');
  await Promise.all(procs.map((p) => new Promise((resolve) => p.once('close', resolve))));
  if (r.code !== 0) throw new Error(`queued sweep failed:\n${r.out}`);
  const trials = readTrials(dir);
  const resultBytes = await client.hstrlen(`nndl:${name}:trial-1`, 'returnvalue');
  await runCommand(['sweep', '--queue', url, '--name', name, '--clean'], dir);
  return {
    runner: `queue, ${workers} worker process${workers > 1 ? 'es' : ''}`, wall: r.seconds, trialsPerMinute: (60 * TRIALS) / r.seconds,
    trainingSeconds: trials.reduce((s, t) => s + t.seconds, 0),
    overhead: overheads(trials),
    redis: {
      cpuMsPerTrial: (1000 * (after.cpu - before.cpu)) / TRIALS,
      commandsPerTrial: (after.commands - before.commands) / TRIALS,
      resultKiB: resultBytes / 1024,
    },
  };
}

async function main(): Promise<void> {
  const missing = redisServerMissing();
  if (missing) {
    console.log(`bench:queue: ${missing}`);
    return;
  }
  const roundsAt = process.argv.indexOf('--rounds');
  const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 1;
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-bench-queue-'));
  const runs: Run[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [kind, n] of [['local', 1], ['queue', 1], ['local', 2], ['queue', 2]] as const) {
        const dir = fs.mkdtempSync(path.join(scratch, `${kind}-${n}-`));
        const run = kind === 'local' ? await local(n, dir) : await queued(n, redis.url, `bench-${round}-${n}`, dir, client);
        console.log(`round ${round + 1}: ${run.runner}: ${fmt(run.wall)} s, ${fmt(run.trialsPerMinute)} trials/min`);
        runs.push(run);
      }
    }
  } finally {
    client.disconnect();
    await redis.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const redisVersion = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const file = writeResults('queue', { machine: machine(), redis: redisVersion, grid: GRID, trials: TRIALS, rounds, runs });

  console.log(`\n${TRIALS} trials (${GRID.join(' ')}), ${rounds} round(s), median over rounds:\n`);
  const runners = [...new Set(runs.map((r) => r.runner))];
  const of = (runner: string) => runs.filter((r) => r.runner === runner);
  console.log(table(['runner', 'wall s', 'trials / min', 'training s (sum)'], runners.map((name) => [
    name, fmt(median(of(name).map((r) => r.wall))), fmt(median(of(name).map((r) => r.trialsPerMinute))),
    fmt(median(of(name).map((r) => r.trainingSeconds))),
  ])));
  const q = runners.filter((name) => name.startsWith('queue'));
  const ms = (name: string, key: string) => fmt(median(of(name).map((r) => r.overhead![key])), 0);
  console.log(`\nper trial, ms (medians): the queue's part against training\n`);
  console.log(table(
    ['runner', 'enqueue/free to start', 'to processor', 'to thread', 'result stored', 'queue per trial', 'finish to sweep', 'training', 'first data load'],
    q.map((name) => [name, ...['pickup', 'toProcessor', 'toThread', 'storeResult', 'perTrial', 'finishToResult', 'training', 'dataLoad'].map((k) => ms(name, k))]),
  ));
  console.log(`\nRedis per trial: ${q.map((name) => `${name}: ${fmt(median(of(name).map((r) => r.redis!.cpuMsPerTrial)), 2)} ms CPU, ` +
    `${fmt(median(of(name).map((r) => r.redis!.commandsPerTrial)), 0)} commands, result ${fmt(median(of(name).map((r) => r.redis!.resultKiB)), 0)} KiB`).join('; ')}`);
  console.log(`\nwrote ${file}`);
}

void main();
