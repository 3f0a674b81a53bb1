/**
 * Sweeps on a BullMQ queue, run as a user runs them: the compiled `nndl` in
 * child processes (`npm test` compiles first), a real redis-server started
 * here, and real faults: a worker killed with SIGKILL mid-trial, Ctrl-C,
 * trials that throw or diverge, jobs written by hand, data that differs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

import type { TrainConfig } from '../lib/cli/model-config';
import { syntheticData } from '../lib/cli/synthetic';
import { arraysMd5 } from '../lib/cli/queue/data-md5';
import { TRIAL_JOB_FORMAT, type TrialJobData } from '../lib/cli/queue/jobs';
import { fixtureSet, writeRelease } from './cifar-fixtures';
import { redisServerMissing, startRedis, type RedisServer } from './redis-server';

const BIN = path.resolve(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
const missing = redisServerMissing();
if (missing) console.log(`skipping the queue tests: ${missing}`);
const withRedis = missing ? test.skip : test;

let root: string;
let redis: RedisServer;

beforeAll(async () => {
  if (missing) return;
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-queue-'));
  redis = await startRedis();
}, 30000);

const children: ChildProcess[] = [];
afterAll(async () => {
  if (missing) return;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

const env = () => ({ ...process.env, NNDL_HOME: path.join(root, 'cache') });

function nndl(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: root, encoding: 'utf8', env: env(), timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once it matches (rejects if the process ends first). */
  waitFor(pattern: RegExp): Promise<string>;
  exit: Promise<number | null>;
}

/** Starts `nndl ...args` in the background, collecting stdout and stderr together. */
function start(...args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env: env() });
  children.push(child);
  let out = '';
  const waiters: { pattern: RegExp; resolve: (s: string) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.pattern.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(out);
      }
    }
  };
  child.stdout.on('data', (d) => {
    out += d;
    check();
  });
  child.stderr.on('data', (d) => {
    out += d;
    check();
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`nndl ${args.join(' ')} ended before printing ${w.pattern}:\n${out}`));
    resolve(code);
  }));
  return {
    child,
    output: () => out,
    waitFor: (pattern) => new Promise((resolve, reject) => {
      waiters.push({ pattern, resolve, reject });
      check();
    }),
    exit,
  };
}

const worker = (name: string, ...more: string[]) =>
  start('worker', '--queue', redis.url, '--name', name, '--threads', '1', '--stalled-seconds', '2', ...more);

/** Resolves once `ready()` holds (the lines a worker prints when a trial ends may arrive after the sweep has ended). */
async function eventually(ready: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !ready(); waited += 50) {
    if (waited > 20000) throw new Error(`still not the case after 20 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Lines saying a trial ended (done or diverged), by trial number. */
function completions(output: string): number[] {
  return [...output.matchAll(/^trial (\d+)\/\d+ \(.*\): (?:diverged, )?val acc \d\.\d{3} \(/gm)].map((m) => Number(m[1]));
}

interface SweepJson {
  trials: {
    trial: number; lr: number; status: string; valAcc: number; trainAcc: number | null; error?: string; attempts?: number; worker?: string;
    history: { loss: number[]; valAcc: number[] };
  }[];
  finished: number;
}
const readSweep = (dir: string): SweepJson => JSON.parse(fs.readFileSync(path.join(dir, 'sweep.json'), 'utf8'));
const byTrial = (s: SweepJson) => [...s.trials].sort((a, b) => a.trial - b.trial);

const GRID = ['--data', 'synthetic', '--lr', '5e-4,1e-3,2e-3', '--reg', '0,0.1', '--hidden', '20', '--epochs', '10'];

withRedis('six trials on two workers, one killed with SIGKILL mid-trial: each completes exactly once, as in the local sweep', async () => {
  const local = nndl('sweep', ...GRID, '--workers', '2', '--out', path.join(root, 'local'));
  expect(local.stderr).toBe('');
  expect(local.code).toBe(0);

  const a = worker('kill');
  const b = worker('kill');
  const out = path.join(root, 'queued');
  const sweep = start('sweep', '--queue', redis.url, '--name', 'kill', ...GRID, '--out', out);
  // A is killed once it is inside a trial: after its first accuracy check past the start.
  const aOut = await a.waitFor(/^trial \d+\/6 .*: epoch 1\/10/m);
  const killed = Number(/^trial (\d+)\/6 .*: epoch 1\/10/m.exec(aOut)![1]);
  a.child.kill('SIGKILL');
  expect(await a.exit).toBe(null);
  expect(await sweep.exit).toBe(0);

  // The killed trial was found stalled and run again by B; no trial ended twice, none was lost.
  expect(sweep.output()).toContain(`trial ${killed}: its worker stopped answering; the trial goes back to the queue`);
  expect(completions(a.output())).not.toContain(killed);
  const ended = () => [...completions(a.output()), ...completions(b.output())].sort();
  await eventually(() => ended().length >= 6, 'six trials ended');
  expect(ended()).toEqual([1, 2, 3, 4, 5, 6]);

  // The same numbers as the local sweep, trial by trial, and the same best model, byte for byte.
  const queued = byTrial(readSweep(out));
  const reference = byTrial(readSweep(path.join(root, 'local')));
  expect(queued.map((t) => [t.trial, t.status, t.valAcc, t.trainAcc])).toEqual(reference.map((t) => [t.trial, t.status, t.valAcc, t.trainAcc]));
  expect(queued.map((t) => t.history.loss)).toEqual(reference.map((t) => t.history.loss));
  expect(fs.readFileSync(path.join(out, 'model.safetensors')).equals(fs.readFileSync(path.join(root, 'local', 'model.safetensors')))).toBe(true);
  expect(queued.find((t) => t.trial === killed)!.worker).toMatch(new RegExp(`:${b.child.pid}$`));

  // Again: nothing is redone, the results are collected as they are.
  const again = nndl('sweep', '--queue', redis.url, '--name', 'kill', ...GRID, '--out', path.join(root, 'again'));
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('0 added, 6 already there');
  expect(byTrial(readSweep(path.join(root, 'again'))).map((t) => t.valAcc)).toEqual(queued.map((t) => t.valAcc));
  expect(ended()).toEqual([1, 2, 3, 4, 5, 6]);

  const status = nndl('sweep', '--queue', redis.url, '--name', 'kill', '--status');
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/nndl:kill at redis:\/\/127\.0\.0\.1:\d+\/?: 6 trials: 6 completed/);
  expect(status.stdout.match(/^ {2}trial-\d .*completed, 1 attempts, last on .*: val acc \d\.\d{3}$/gm)).toHaveLength(6);

  b.child.kill('SIGINT');
  expect(await b.exit).toBe(130);
  const clean = nndl('sweep', '--queue', redis.url, '--name', 'kill', '--clean');
  expect(clean.stdout).toMatch(/removed nndl:kill at .* \(6 trials\)/);
  expect(nndl('sweep', '--queue', redis.url, '--name', 'kill', '--status').stdout).toMatch(/nndl:kill at .* holds no trials/);
}, 180000);

withRedis('a trial that throws is retried up to its attempts, then failed with its error; a malformed job is failed with a reason; the worker goes on', async () => {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue('faults', { connection, prefix: 'nndl' });
  try {
    const data = { source: 'synthetic', md5: arraysMd5(syntheticData(0, 'float32')), seed: 0, description: 'synthetic (seed 0)' };
    const config: TrainConfig = {
      model: 'two-layer', hidden: [20], batchnorm: false, dropout: 0, dtype: 'float32', reg: 0, update: 'sgd',
      lr: 1e-3, lrDecay: 0.95, epochs: 1, batchSize: 100, seed: 0,
    };
    const job = (trial: number, c: Partial<TrainConfig>): TrialJobData =>
      ({ format: TRIAL_JOB_FORMAT, trial, trials: 4, config: { ...config, ...c }, data, maxModelBytes: 2 ** 26 });
    await queue.add('trial', { hello: 'world' }, { jobId: 'trial-1', attempts: 3 });
    await queue.add('trial', job(2, { lr: -1 }), { jobId: 'trial-2', attempts: 3 });
    // A model of 3072 x 2e9 weights cannot be allocated: the trial throws on every attempt.
    await queue.add('trial', job(3, { hidden: [2e9] }), { jobId: 'trial-3', attempts: 2 });
    await queue.add('trial', job(4, {}), { jobId: 'trial-4', attempts: 3 });

    const w = worker('faults');
    await w.waitFor(/^trial 4\/4 .*: val acc \d\.\d{3} \(/m);
    // A retry goes back into the queue: trial 3's second attempt may still be running when trial 4 ends.
    await w.waitFor(/^trial 3\/4 .*: attempt 2 of 2 failed/m);
    const one = (await queue.getJob('trial-1'))!;
    expect(await one.getState()).toBe('failed');
    expect(one.failedReason).toBe('malformed trial job: unknown field job.hello');
    expect(one.attemptsMade).toBe(1);
    const two = (await queue.getJob('trial-2'))!;
    expect(await two.getState()).toBe('failed');
    expect(two.failedReason).toBe('malformed trial job: expected a positive number for job.config.lr but received number -1');
    const three = (await queue.getJob('trial-3'))!;
    expect(await three.getState()).toBe('failed');
    expect(three.attemptsMade).toBe(2);
    expect(three.failedReason).toMatch(/typed array length|Array buffer allocation failed/);
    expect(w.output()).toMatch(/^trial 3\/4 .*: attempt 1 of 2 failed: .*; it will be retried$/m);
    expect(w.output()).toMatch(/^trial 3\/4 .*: attempt 2 of 2 failed: [^;]*$/m);
    expect(await (await queue.getJob('trial-4'))!.getState()).toBe('completed');
    // Still serving.
    expect(w.child.exitCode).toBe(null);
    w.child.kill('SIGTERM');
    expect(await w.exit).toBe(143);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}, 120000);

withRedis('a diverged trial is a result, not a retry; a model over the size limit fails its trial once, with the limit named', async () => {
  const w = worker('diverge');
  const out = path.join(root, 'diverge');
  const r = nndl('sweep', '--queue', redis.url, '--name', 'diverge', '--data', 'synthetic', '--lr', '1e6,1e-3', '--hidden', '20', '--epochs', '2', '--out', out);
  expect(r.code).toBe(0);
  const trials = byTrial(readSweep(out));
  expect(trials[0]).toMatchObject({ lr: 1e6, status: 'diverged', attempts: 1 });
  expect(trials[0].error).toMatch(/^Solver: the loss is (NaN|Infinity) at iteration \d+/);
  expect(trials[1]).toMatchObject({ lr: 1e-3, status: 'done', attempts: 1 });
  expect(r.stdout).toMatch(/trial 1\/2 .*: diverged, val acc/);
  w.child.kill('SIGTERM');
  await w.exit;

  const w2 = worker('big');
  const big = nndl('sweep', '--queue', redis.url, '--name', 'big', '--data', 'synthetic', '--lr', '1e-3', '--hidden', '20', '--epochs', '1',
    '--max-model-mb', '0.1', '--out', path.join(root, 'big'));
  expect(big.code).toBe(1);
  const [t] = readSweep(path.join(root, 'big')).trials;
  expect(t).toMatchObject({ status: 'failed', attempts: 1 });
  expect(t.error).toBe("trial 1's model file is 0.2 MiB, over the sweep's limit of 0.1 MiB (nndl sweep --max-model-mb): results are stored in Redis");
  expect(fs.existsSync(path.join(root, 'big', 'model.safetensors'))).toBe(false);
  w2.child.kill('SIGTERM');
  await w2.exit;
}, 120000);

withRedis('Ctrl-C in a worker finishes its trial; twice, hands it back; either way the trial ends once', async () => {
  const args = ['--data', 'synthetic', '--lr', '1e-3,2e-3', '--hidden', '50', '--epochs', '30'];
  expect(nndl('sweep', '--queue', redis.url, '--name', 'ctrlc', ...args, '--no-wait').code).toBe(0);

  const first = worker('ctrlc');
  await first.waitFor(/^trial 1\/2 .*: epoch 1\/30/m);
  first.child.kill('SIGINT');
  expect(await first.exit).toBe(130);
  expect(first.output()).toContain('finishing the running trials, then stopping');
  expect(completions(first.output())).toEqual([1]);
  expect(first.output()).not.toMatch(/^trial 2\/2 .*: started/m);

  const second = worker('ctrlc');
  await second.waitFor(/^trial 2\/2 .*: epoch 1\/30/m);
  second.child.kill('SIGINT');
  await second.waitFor(/finishing the running trials/);
  second.child.kill('SIGINT');
  expect(await second.exit).toBe(130);
  expect(second.output()).toContain('handing the running trials back to the queue');
  expect(completions(second.output())).toEqual([]);
  expect(nndl('sweep', '--queue', redis.url, '--name', 'ctrlc', '--status').stdout).toMatch(/^ {2}trial-2 .*: waiting, 0 attempts/m);

  const third = worker('ctrlc');
  const out = path.join(root, 'ctrlc');
  const r = nndl('sweep', '--queue', redis.url, '--name', 'ctrlc', ...args, '--out', out);
  expect(r.code).toBe(0);
  await third.waitFor(/^trial 2\/2 .*: val acc \d\.\d{3} \(/m);
  expect(completions(third.output())).toEqual([2]);
  expect(readSweep(out).trials.map((t) => t.attempts)).toEqual([1, 1]);
  third.child.kill('SIGTERM');
  await third.exit;
}, 180000);

withRedis('a worker refuses the trials of a sweep whose data md5 differs from its own, and hands them back', async () => {
  const sweepData = path.join(root, 'md5-data');
  writeRelease(sweepData, fixtureSet(2, [60, 60, 60, 60, 60], 50), 'bin');
  const args = ['--data', sweepData, '--lr', '1e-3', '--hidden', '10', '--epochs', '1', '--batch-size', '30'];
  expect(nndl('sweep', '--queue', redis.url, '--name', 'md5', ...args, '--no-wait').code).toBe(0);
  // The same path now holds other images; a copy of the original is elsewhere.
  const copy = path.join(root, 'md5-copy');
  fs.cpSync(sweepData, copy, { recursive: true });
  writeRelease(sweepData, fixtureSet(3, [60, 60, 60, 60, 60], 50), 'bin');

  const refusing = worker('md5');
  expect(await refusing.exit).toBe(1);
  const lines = refusing.output().trim().split('\n');
  expect(lines[lines.length - 1]).toMatch(
    new RegExp(`^nndl: refused the trials of nndl:md5: the data ${sweepData} here has md5 [0-9a-f]{32} but the sweep's has [0-9a-f]{32}$`),
  );
  expect(nndl('sweep', '--queue', redis.url, '--name', 'md5', '--status').stdout).toMatch(/^ {2}trial-1 .*: waiting, 0 attempts/m);

  // The same sweep is now refused here too: the data at its path has changed.
  const changed = nndl('sweep', '--queue', redis.url, '--name', 'md5', ...args, '--out', path.join(root, 'md5'));
  expect(changed.code).toBe(1);
  expect(changed.stderr).toMatch(/^nndl: the queue nndl:md5 holds another sweep \(on other data: md5 [0-9a-f]{32}, the data now has [0-9a-f]{32}\); /);

  // A worker given its own copy of the sweep's data takes the trial.
  const w = worker('md5', '--data', copy);
  await w.waitFor(/^trial 1\/1 .*: val acc \d\.\d{3} \(/m);
  expect(nndl('sweep', '--queue', redis.url, '--name', 'md5', '--status').stdout).toMatch(/^ {2}trial-1 .*: completed, 1 attempts/m);
  w.child.kill('SIGTERM');
  await w.exit;
}, 120000);

withRedis('trials that leave the queue unfinished (--clean while the sweep waits) end the wait with one line naming them', async () => {
  const args = ['--queue', redis.url, '--name', 'gone', '--data', 'synthetic', '--lr', '1e-3,2e-3', '--hidden', '10', '--epochs', '1'];
  // No worker: the trials wait until the queue is removed under the sweep.
  const sweep = start('sweep', ...args, '--out', path.join(root, 'gone'));
  await sweep.waitFor(/2 added, 0 already there/);
  expect(nndl('sweep', '--queue', redis.url, '--name', 'gone', '--clean').stdout).toMatch(/removed nndl:gone at .* \(2 trials\)/);
  expect(await sweep.exit).toBe(1);
  expect(sweep.output()).toMatch(/^nndl: trials 1, 2 of nndl:gone left the queue unfinished \(removed with --clean, or lost by a Redis restarted without persistence\); run this command again to put them back$/m);
  expect(readSweep(path.join(root, 'gone')).finished).toBe(0);
}, 60000);

withRedis('an unreachable Redis fails fast with one line naming it', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const url = `redis://127.0.0.1:${port}`;
  for (const args of [
    ['sweep', '--queue', url, '--data', 'synthetic', '--lr', '1e-3', '--out', path.join(root, 'unreachable')],
    ['sweep', '--queue', url, '--status'],
    ['worker', '--queue', url],
  ]) {
    const started = Date.now();
    const r = nndl(...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`nndl: cannot reach Redis at ${url}: ECONNREFUSED\n`);
    expect(Date.now() - started).toBeLessThan(10000);
  }
}, 60000);
