/**
 * What the command line keeps in a model file and reads back: `nndl train`
 * attaches the data's preprocessing and provenance (the --data that gives the
 * data again, its file's md5, the seed of generated data, the accuracies),
 * `nndl eval` without --data evaluates on the data the file records, and
 * `nndl serve` then takes raw images.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PNG } from 'pngjs';

import { loadModel } from '../lib/models/load';
import { fixtureSet, packRelease, writeRelease } from './cifar-fixtures';

const BIN = path.resolve(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
let root: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-cli-file-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function nndl(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NNDL_HOME: path.join(root, 'cache') }, timeout: 120000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('train --data synthetic, then eval --model alone evaluates on the same generated data', () => {
  const out = path.join(root, 'synthetic');
  const t = nndl('train', '--data', 'synthetic', '--seed', '3', '--epochs', '1', '--hidden', '10', '--out', out);
  expect(t.code).toBe(0);
  const file = path.join(out, 'model.safetensors');
  const p = loadModel(file).preprocessing!;
  expect(p.classNames).toEqual(Array.from({ length: 10 }, (_, i) => `pattern ${i}`));
  expect(Array.from(p.meanImage as Float64Array).every((v) => v === 128)).toBe(true);
  const testAcc = Number(/test acc (\d+\.\d)%/.exec(t.stdout)![1]);
  expect(p.training).toMatchObject({ data: 'synthetic', seed: 3, epochs: 1 });
  expect(100 * p.training!.testAcc!).toBeCloseTo(testAcc, 0);

  const e = nndl('eval', '--model', file);
  expect(e.stderr).toBe('');
  expect(e.code).toBe(0);
  expect(e.stdout).toMatch(/^data: synthetic, as the model file records$/m);
  expect(e.stdout).toMatch(/on the test split of synthetic \(seed 3\): accuracy/);
  expect(Number(/accuracy (\d+\.\d+)%/.exec(e.stdout)![1])).toBeCloseTo(testAcc, 0);
}, 120000);

test('train on an archive records its path and md5; eval finds it; serve classifies a PNG', async () => {
  const dir = writeRelease(path.join(root, 'fixture'), fixtureSet(5, [60, 60, 60, 60, 60], 50), 'bin');
  const archive = await packRelease(dir, path.join(root, 'cifar-10-binary.tar.gz'));
  const out = path.join(root, 'archive');
  expect(nndl('train', '--data', archive, '--epochs', '1', '--hidden', '10', '--out', out).code).toBe(0);
  const file = path.join(out, 'model.safetensors');
  const p = loadModel(file).preprocessing!;
  expect(p.training).toMatchObject({ data: path.resolve(archive), md5: createHash('md5').update(fs.readFileSync(archive)).digest('hex') });
  expect(p.classNames).toHaveLength(10);
  const e = nndl('eval', '--model', file, '--split', 'val');
  expect(e.code).toBe(0);
  expect(e.stdout).toContain(`data: ${path.resolve(archive)}, as the model file records`);

  const server = spawn(process.execPath, [BIN, 'serve', '--model', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout.on('data', (chunk) => {
        stdout += chunk;
        const m = /at (http:\/\/\S+\/) /.exec(stdout);
        if (m) resolve(m[1]);
      });
      server.once('exit', (code) => reject(new Error(`nndl serve exited with ${code}: ${stdout}`)));
    });
    const png = new PNG({ width: 32, height: 32 });
    png.data.fill(200);
    const res = await fetch(new URL('predict', url), { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: PNG.sync.write(png) });
    const body = (await res.json()) as { labels: string[] };
    expect(res.status).toBe(200);
    expect(p.classNames).toContain(body.labels[0]);
  } finally {
    server.kill('SIGTERM');
  }
}, 120000);
