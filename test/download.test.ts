/** Downloads against a local HTTP server on 127.0.0.1 serving a small fixture archive, and misbehaving. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { loadCifar10 } from '../lib/data/cifar10';
import { downloadCifar10 } from '../lib/data/download';
import { fixtureSet, packRelease, writeRelease } from './cifar-fixtures';

/**
 * ok, cut (half, then the connection drops), wrong (other bytes), no-range
 * (no resuming), missing (404), endless (no length, bytes forever), trickle
 * (the length, then a byte a second), loop (redirects to itself), long (a
 * length one byte more than the file), unannounced (no length, the file and
 * 100 KB more).
 */
type Mode = 'ok' | 'cut' | 'wrong' | 'no-range' | 'missing' | 'endless' | 'trickle' | 'loop' | 'long' | 'unannounced';

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
    if (mode === 'loop') {
      res.writeHead(302, { Location: req.url }).end();
      return;
    }
    if (mode === 'endless') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 0x5a);
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      more();
      return;
    }
    if (mode === 'trickle') {
      res.writeHead(200, { 'Content-Length': archive.length });
      res.flushHeaders();
      let at = 0;
      const timer = setInterval(() => {
        if (res.destroyed || at >= archive.length) clearInterval(timer);
        else res.write(archive.subarray(at, ++at));
      }, 1000);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (mode === 'long') {
      res.writeHead(200, { 'Content-Length': archive.length + 1 }).end(Buffer.concat([archive, Buffer.from([0])]));
      return;
    }
    if (mode === 'unannounced') {
      res.writeHead(200).end(Buffer.concat([archive, Buffer.alloc(100_000)]));
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
  server.closeAllConnections();
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

describe('a server cannot make a download run or grow forever', () => {
  test('an endless body stops at maxBytes when the size is not known, and nothing is kept', async () => {
    const dir = dest('endless');
    mode = 'endless';
    await expect(downloadCifar10({ dest: dir, url: url(), md5, maxBytes: 2 ** 20 }))
      .rejects.toThrow(/downloading .* failed: the server sent more than maxBytes \(1048576 bytes\); the partial file was deleted$/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('an endless body stops at the expected size', async () => {
    const dir = dest('endless-size');
    mode = 'endless';
    await expect(downloadCifar10({ dest: dir, url: url(), md5, size: archive.length }))
      .rejects.toThrow(new RegExp(`the server sent more than the file's ${archive.length} bytes; the partial file was deleted$`));
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a body longer than announced or than the file is refused', async () => {
    const dir = dest('long');
    mode = 'long';
    await expect(downloadCifar10({ dest: dir, url: url(), md5, size: archive.length }))
      .rejects.toThrow(new RegExp(`announces ${archive.length + 1} bytes, expected ${archive.length}$`));
    mode = 'unannounced';
    await expect(downloadCifar10({ dest: dir, url: url(), md5, size: archive.length })).rejects.toThrow(/sent more than the file's/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test("the official archive's size is expected with its md5", async () => {
    const dir = dest('official');
    await expect(downloadCifar10({ dest: dir, url: url(), md5: 'c32a1d4ab5d03f1284b67883e8d87530' }))
      .rejects.toThrow(new RegExp(`announces ${archive.length} bytes, expected 170052171$`));
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a byte a second is a stall: given up, the partial file kept to resume', async () => {
    const dir = dest('trickle');
    mode = 'trickle';
    const started = Date.now();
    await expect(downloadCifar10({ dest: dir, url: url(), md5, stallMs: 1000 }))
      .rejects.toThrow(/failed: stalled: \d bytes in the last 1 s; run again to resume$/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(fs.readdirSync(dir)).toEqual(['cifar-10-binary.tar.gz.part']);
  });

  test('the whole download has a deadline', async () => {
    const dir = dest('deadline');
    mode = 'trickle';
    const started = Date.now();
    await expect(downloadCifar10({ dest: dir, url: url(), md5, deadlineMs: 1500 }))
      .rejects.toThrow(/failed: not finished after 1\.5 s \(options\.deadlineMs\); run again to resume$/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a redirect loop ends at the redirect limit', async () => {
    const dir = dest('loop');
    mode = 'loop';
    await expect(downloadCifar10({ dest: dir, url: url(), md5 })).rejects.toThrow(/cannot reach .*: more than 5 redirects$/);
    expect(requests).toHaveLength(6);
    requests.length = 0;
    await expect(downloadCifar10({ dest: dir, url: url(), md5, maxRedirects: 0 })).rejects.toThrow(/more than 0 redirects$/);
    expect(requests).toHaveLength(1);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('bad limits', async () => {
    const dir = dest('bad');
    await expect(downloadCifar10({ dest: dir, url: url(), md5, maxBytes: 0 })).rejects.toThrow(/Expected a positive integer for options\.maxBytes but received number 0/);
    await expect(downloadCifar10({ dest: dir, url: url(), md5, stallMs: -1 })).rejects.toThrow(/options\.stallMs/);
    await expect(downloadCifar10({ dest: dir, url: url(), md5, maxRedirects: 1.5 })).rejects.toThrow(/options\.maxRedirects/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a full disk (ulimit -f) leaves no partial file and names the archive', async () => {
    const dir = dest('full');
    const script = `require(process.env.NNDL_DIST).downloadCifar10({ dest: ${JSON.stringify(dir)}, url: ${JSON.stringify(url())}, md5: '${md5}' })
      .then(() => process.exit(0), (e) => { process.stderr.write(e.message); process.exit(1); });`;
    // The archive is larger than 4 KiB: the file-size limit stops the .part partway.
    expect(archive.length).toBeGreaterThan(8192);
    const child = spawn('bash', ['-c', 'ulimit -f 4; exec "$0" "$@"', process.execPath, '-e', script], {
      env: { ...process.env, NNDL_DIST: path.resolve(__dirname, '..', 'dist', 'lib', 'index.js') },
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toBe(`downloadCifar10: cannot write ${path.join(dir, 'cifar-10-binary.tar.gz')}: EFBIG (file too large) on write`);
    expect(fs.readdirSync(dir)).toEqual([]);
  }, 60_000);
});
