/**
 * Every writer writes all of its bytes or throws, then renames: checked with
 * a real full disk, a file-size limit (`ulimit -f`) on a child process, which
 * makes writes come back short and then fail with EFBIG (Node ignores
 * SIGXFSZ); and with the chunking that lets files over 2 GiB be written.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { stageFile, writeFileAtomic } from '../lib/io/atomic';
import { readSafetensors, writeSafetensors } from '../lib/io/safetensors';
import { loadModel } from '../lib/models/load';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { Tensor } from '../lib/tensor';

const DIST = path.resolve(__dirname, '..', 'dist', 'lib');
let root: string;

beforeAll(() => {
  if (!fs.existsSync(path.join(DIST, 'index.js'))) throw new Error(`${DIST} is missing: run npm run build (npm test does)`);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-atomic-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function fresh(name: string): string {
  return fs.mkdtempSync(path.join(root, `${name}-`));
}

/** Runs node with these arguments in a child whose files may not exceed `kib` KiB; NNDL_DIST names the compiled library. */
function underFileLimit(kib: number, args: string[], cwd = root) {
  const r = spawnSync('bash', ['-c', `ulimit -f ${kib}; exec "$0" "$@"`, process.execPath, ...args], {
    cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NNDL_DIST: DIST },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('writes are whole or absent', () => {
  test('pieces are written in calls of at most chunkBytes, and short writes are resumed', () => {
    const file = path.join(fresh('chunks'), 'out.bin');
    const pieces = [Buffer.alloc(2500, 1), 'héllo', new Uint8Array(3).fill(7)];
    const realWrite = fs.writeSync;
    const spy = jest.spyOn(fs, 'writeSync');
    try {
      writeFileAtomic(file, pieces, { chunkBytes: 1000 });
      const lengths = spy.mock.calls.map((c) => c[3] as unknown as number);
      expect(lengths).toEqual([1000, 1000, 500, 6, 3]);
      // A write that takes 7 bytes at most, as a filling disk or a pipe would.
      spy.mockImplementation(((fd: number, b: Uint8Array, off: number, len: number) => realWrite(fd, b, off, Math.min(len, 7))) as never);
      writeFileAtomic(file, pieces, { chunkBytes: 1000 });
    } finally {
      spy.mockRestore();
    }
    expect(Buffer.compare(fs.readFileSync(file), Buffer.concat([Buffer.alloc(2500, 1), Buffer.from('héllo'), Buffer.from([7, 7, 7])]))).toBe(0);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['out.bin']);
  });

  test('a write that takes no bytes is an error, not a loop', () => {
    const dir = fresh('zero');
    const spy = jest.spyOn(fs, 'writeSync').mockReturnValue(0);
    try {
      expect(() => writeFileAtomic(path.join(dir, 'f'), ['abc'], { fn: 'test' })).toThrow(/^test: cannot write .*\/f: ENOSPC/);
    } finally {
      spy.mockRestore();
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('an error names the target, never the temporary file, and keeps the system code', () => {
    const target = path.join(root, 'no', 'such', 'dir', 'model.safetensors');
    let error: NodeJS.ErrnoException | undefined;
    try {
      writeSafetensors(target, { w: new Tensor(new Float32Array(4), [4]) });
    } catch (e) {
      error = e as NodeJS.ErrnoException;
    }
    expect(error?.message).toBe(`writeSafetensors: cannot write ${target}: ENOENT (no such file or directory) on open`);
    expect(error?.code).toBe('ENOENT');
  });

  test('a staged file is invisible until committed, and gone when discarded', () => {
    const dir = fresh('staged');
    const file = path.join(dir, 'a.txt');
    fs.writeFileSync(file, 'old');
    const staged = stageFile(file, ['new']);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    staged.commit();
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    stageFile(file, ['newer']).discard();
    expect(fs.readdirSync(dir)).toEqual(['a.txt']);
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
  });
});

describe('a full disk (ulimit -f) replaces no file and leaves no temporary file', () => {
  // A model of 3072 x 30 float32 weights, 369 KB, under a 64 KiB limit.
  const old = () => new TwoLayerNet({ hiddenDims: 3, dtype: 'float32', rng: 1 });

  test.each([
    ['model.save', `const n = require(process.env.NNDL_DIST + '/index.js');
      new n.TwoLayerNet({ hiddenDims: 30, dtype: 'float32', rng: 2 }).save('model.safetensors');`],
    ['a Solver checkpoint', `const n = require(process.env.NNDL_DIST + '/index.js');
      const m = new n.TwoLayerNet({ hiddenDims: 30, dtype: 'float32', rng: 2 });
      const X = new n.NumpyRandomState(0).randn(20, 3072).astype('float32');
      const y = new n.NumpyRandomState(0).randint(0, 10, 20);
      new n.Solver(m, { XTrain: X, yTrain: y, XVal: X, yVal: y }, { numEpochs: 1, batchSize: 10, verbose: false, checkpointName: 'model' }).train();`],
  ])('%s', (_, script) => {
    const dir = fresh('full');
    const file = path.join(dir, script.includes('Solver') ? 'model_epoch_0.safetensors' : 'model.safetensors');
    const before = old();
    before.save(file);
    const r = underFileLimit(64, ['-e', script], dir);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`writeSafetensors: cannot write ${path.basename(file)}: EFBIG (file too large) on write`);
    expect(fs.readdirSync(dir)).toEqual([path.basename(file)]);
    expect(Array.from(loadModel(file).params.W1.data)).toEqual(Array.from(before.params.W1.data));
  });

  test('nndl train over an earlier run: the earlier run stays whole', () => {
    const out = fresh('run');
    const bin = path.join(DIST, 'cli', 'main.js');
    const first = spawnSync(process.execPath, [bin, 'train', '--data', 'synthetic', '--epochs', '1', '--hidden', '3', '--out', out], { encoding: 'utf8' });
    expect(first.status).toBe(0);
    const files = fs.readdirSync(out).sort();
    const history = fs.readFileSync(path.join(out, 'history.json'), 'utf8');
    // The second run's model (3072 x 30 float32) is larger than the limit.
    const r = underFileLimit(200, [bin, 'train', '--data', 'synthetic', '--epochs', '1', '--hidden', '30', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`nndl: writeSafetensors: cannot write ${path.join(out, 'model.safetensors')}: EFBIG (file too large) on write\n`);
    expect(fs.readdirSync(out).sort()).toEqual(files);
    expect(fs.readFileSync(path.join(out, 'history.json'), 'utf8')).toBe(history);
    expect(loadModel(path.join(out, 'model.safetensors')).params.W1.shape).toEqual([3072, 3]);
  }, 120_000);
});

test('a save killed at any moment (SIGKILL) leaves the old model or the new one, whole', async () => {
  const dir = fresh('killed');
  const file = path.join(dir, 'model.safetensors');
  new TwoLayerNet({ hiddenDims: 50, dtype: 'float64', rng: 0 }).save(file);
  // Saves of two different models, one after the other, until killed.
  const script = `const n = require(process.env.NNDL_DIST + '/index.js');
    const models = [1, 2].map((rng) => new n.TwoLayerNet({ hiddenDims: 50, dtype: 'float64', rng }));
    process.stdout.write('ready\\n');
    for (let i = 0; ; i++) models[i % 2].save('model.safetensors');`;
  const { spawn } = await import('node:child_process');
  for (const delay of [5, 20, 50, 120]) {
    const child = spawn(process.execPath, ['-e', script], { cwd: dir, env: { ...process.env, NNDL_DIST: DIST } });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, delay));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const w1 = loadModel(file).params.W1.data;
    const candidates = [0, 1, 2].map((rng) => new TwoLayerNet({ hiddenDims: 50, dtype: 'float64', rng }).params.W1.data);
    expect(candidates.some((c) => c.every((v, i) => v === w1[i]))).toBe(true);
    // A killed process cannot remove its temporary file: at most one is left, beside the model, never under its name.
    const stale = fs.readdirSync(dir).filter((f) => f !== 'model.safetensors');
    expect(stale.length).toBeLessThanOrEqual(1);
    for (const f of stale) {
      expect(f).toMatch(/^\.model\.safetensors\.\d+\.[0-9a-f]{8}\.tmp$/);
      fs.rmSync(path.join(dir, f));
    }
  }
}, 120_000);

/**
 * A model over 2 GiB: one write(2) moves at most 2 GiB - 4 KiB on Linux, so
 * a writer that ignored short writes truncated it, and readFileSync refuses
 * files over 2 GiB. Writing 2 GiB and reading it back takes about 10 s and
 * 5 GiB of memory, too much for every run: it runs with NNDL_TEST_LARGE=1.
 * The chunked loop it relies on is the one tested above with small chunks.
 */
const large = process.env.NNDL_TEST_LARGE === '1' ? test : test.skip;
if (process.env.NNDL_TEST_LARGE !== '1') console.log('skipping the 2 GiB save and load: set NNDL_TEST_LARGE=1 to run it');
large('a model over 2 GiB saves and loads whole', () => {
  const dir = fresh('large');
  const file = path.join(dir, 'big.safetensors');
  const n = 2 ** 29 + 2 ** 20;
  const w = new Float32Array(n);
  for (let i = 0; i < n; i += 4099) w[i] = i;
  writeSafetensors(file, { w: new Tensor(w, [n]) });
  expect(fs.statSync(file).size).toBeGreaterThan(2 ** 31);
  const back = readSafetensors(file).tensors.w.data;
  expect(back.length).toBe(n);
  let wrong = 0;
  for (let i = 0; i < n; i += 4099) if (back[i] !== Math.fround(i)) wrong++;
  expect(wrong).toBe(0);
  expect(back[n - 1]).toBe(w[n - 1]);
  fs.rmSync(file);
}, 300_000);
