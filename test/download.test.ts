/** Downloads against a local HTTP server on 127.0.0.1 serving a small fixture archive. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { loadCifar10 } from '../lib/data/cifar10';
import { downloadCifar10 } from '../lib/data/download';
import { fixtureSet, packRelease, writeRelease } from './cifar-fixtures';

type Mode = 'ok' | 'cut' | 'wrong' | 'no-range' | 'missing';

let archive: Buffer;
let md5: string;
let server: http.Server;
let base: string;
let mode: Mode = 'ok';
const requests: { range?: string }[] = [];
let root: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-download-'));
  const set = fixtureSet(11, [8, 8, 8, 8, 8], 6);
  const src = path.join(root, 'src');
  archive = fs.readFileSync(await packRelease(writeRelease(src, set, 'bin'), path.join(src, 'fixture.tar.gz')));
  md5 = createHash('md5').update(archive).digest('hex');
  server = http.createServer((req, res) => {
    requests.push({ range: req.headers.range });
    if (mode === 'missing') {
      res.writeHead(404).end('not here');
      return;
    }
    const body = mode === 'wrong' ? Buffer.from(archive).fill(0x41, 100, 200) : archive;
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (match && mode !== 'no-range') {
      const from = Number(match[1]);
      res.writeHead(206, { 'Content-Length': body.length - from, 'Content-Range': `bytes ${from}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(from));
      return;
    }
    res.writeHead(200, { 'Content-Length': body.length });
    if (mode === 'cut') {
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  mode = 'ok';
  requests.length = 0;
});

function dest(name: string): string {
  return fs.mkdtempSync(path.join(root, `${name}-`));
}

const url = () => `${base}/data/cifar-10-binary.tar.gz`;

test('downloads, checks the md5, and puts the file in place', async () => {
  const dir = dest('ok');
  const progress: number[] = [];
  const file = await downloadCifar10({ dest: dir, url: url(), md5, onProgress: (received) => progress.push(received) });
  expect(file).toBe(path.join(dir, 'cifar-10-binary.tar.gz'));
  expect(Buffer.compare(fs.readFileSync(file), archive)).toBe(0);
  expect(fs.readdirSync(dir)).toEqual(['cifar-10-binary.tar.gz']);
  expect(progress[progress.length - 1]).toBe(archive.length);
  // Already there: no request at all.
  requests.length = 0;
  expect(await downloadCifar10({ dest: dir, url: url(), md5 })).toBe(file);
  expect(requests).toHaveLength(0);
});

test('a connection cut half-way leaves only the partial file, and the next run resumes it', async () => {
  const dir = dest('cut');
  mode = 'cut';
  await expect(downloadCifar10({ dest: dir, url: url(), md5 })).rejects.toThrow(/downloading .* failed: .*run again to resume/);
  expect(fs.readdirSync(dir)).toEqual(['cifar-10-binary.tar.gz.part']);
  const partial = fs.statSync(path.join(dir, 'cifar-10-binary.tar.gz.part')).size;
  expect(partial).toBeGreaterThan(0);
  expect(partial).toBeLessThan(archive.length);
  mode = 'ok';
  requests.length = 0;
  const file = await downloadCifar10({ dest: dir, url: url(), md5 });
  expect(requests).toEqual([{ range: `bytes=${partial}-` }]);
  expect(Buffer.compare(fs.readFileSync(file), archive)).toBe(0);
  expect(fs.readdirSync(dir)).toEqual(['cifar-10-binary.tar.gz']);
});

test('a server that will not resume makes the download start over cleanly', async () => {
  const dir = dest('restart');
  fs.writeFileSync(path.join(dir, 'cifar-10-binary.tar.gz.part'), archive.subarray(0, 500));
  mode = 'no-range';
  const file = await downloadCifar10({ dest: dir, url: url(), md5 });
  expect(Buffer.compare(fs.readFileSync(file), archive)).toBe(0);
});

test('wrong bytes are refused and nothing is kept', async () => {
  const dir = dest('wrong');
  mode = 'wrong';
  await expect(downloadCifar10({ dest: dir, url: url(), md5 })).rejects.toThrow(new RegExp(`gave a file with md5 [0-9a-f]{32}, expected ${md5}; it was deleted`));
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('an HTTP error says so and caches nothing', async () => {
  const dir = dest('missing');
  mode = 'missing';
  await expect(downloadCifar10({ dest: dir, url: url(), md5 })).rejects.toThrow(/answered HTTP 404/);
  expect(fs.readdirSync(dir)).toEqual([]);
});

test("loadCifar10('cifar10') downloads into the cache once, then reads it from there", async () => {
  const home = dest('home');
  const saved = process.env.NNDL_HOME;
  process.env.NNDL_HOME = home;
  try {
    const first = await loadCifar10('cifar10', { url: url(), md5 });
    expect(first.XTrain.shape).toEqual([40, 3, 32, 32]);
    expect(requests).toHaveLength(1);
    const second = await loadCifar10('cifar10', { url: url(), md5 });
    expect(requests).toHaveLength(1);
    expect(Buffer.compare(Buffer.from(second.XTrain.data), Buffer.from(first.XTrain.data))).toBe(0);
    expect(fs.readdirSync(home)).toEqual(['cifar-10-binary.tar.gz']);
  } finally {
    if (saved === undefined) delete process.env.NNDL_HOME;
    else process.env.NNDL_HOME = saved;
  }
});

test('an empty cache with no way to download says what to do', async () => {
  const home = dest('offline');
  const saved = process.env.NNDL_HOME;
  process.env.NNDL_HOME = home;
  try {
    mode = 'missing';
    await expect(loadCifar10('cifar10', { url: url(), md5 })).rejects.toThrow(/Put cifar-10-binary\.tar\.gz or cifar-10-python\.tar\.gz in .* \(or set NNDL_HOME\)/);
    expect(fs.readdirSync(home)).toEqual([]);
  } finally {
    if (saved === undefined) delete process.env.NNDL_HOME;
    else process.env.NNDL_HOME = saved;
  }
});

test('bad options', async () => {
  await expect(downloadCifar10({ url: url() })).rejects.toThrow(/options\.md5 is required with another url/);
  await expect(downloadCifar10({ url: url(), md5: 'xyz' })).rejects.toThrow(/Expected an md5 of 32 hex digits for options\.md5/);
  await expect(downloadCifar10({ format: 'zip' as never })).rejects.toThrow(/options\.format/);
  await expect(downloadCifar10({ dest: dest('ftp'), url: 'ftp://127.0.0.1/x.tar.gz', md5 })).rejects.toThrow(/not an http or https address/);
});
