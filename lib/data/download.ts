/**
 * Fetching the CIFAR-10 archives into a cache directory. The bytes stream to
 * `<name>.part` beside the final file; an interrupted download resumes from
 * there (HTTP Range) or starts over when the server will not resume; the
 * whole file's md5 is checked before it is renamed into place, so a loader
 * never finds a partial or wrong file under the final name.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

import { invalidType, invalidValue } from '../validate';

export const CIFAR10_ARCHIVES = {
  binary: {
    file: 'cifar-10-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  },
  python: {
    file: 'cifar-10-python.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz',
    md5: 'c58f30108f718f92721af3b95e74349a',
  },
} as const;

/** The cache directory: NNDL_HOME, else ~/.cache/nndl. */
export function cacheDir(): string {
  return process.env.NNDL_HOME || path.join(os.homedir(), '.cache', 'nndl');
}

export interface DownloadOptions {
  /** Directory to put the archive in (default: the cache directory). */
  dest?: string;
  /** Which release (default 'binary'). */
  format?: 'binary' | 'python';
  /** Where to fetch it from (default: NNDL_CIFAR10_URL, a mirror of the official file, else the official address). */
  url?: string;
  /** Expected md5 of the whole file (default: the official archive's; required with another url). */
  md5?: string;
  /** Called as bytes arrive; total is undefined when the server does not say. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Give up on a silent connection after this many milliseconds (default 60,000). */
  timeoutMs?: number;
}

const MAX_REDIRECTS = 5;

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

function request(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const get = u.protocol === 'https:' ? https.get : u.protocol === 'http:' ? http.get : undefined;
    if (!get) {
      reject(new Error(`downloadCifar10: ${url} is not an http or https address`));
      return;
    }
    const req = get(u, { headers }, (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }));
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** GET with redirects followed; asks for the bytes from `from` on when resuming. */
async function open(url: string, from: number, timeoutMs: number): Promise<Response> {
  let target = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await request(target, from > 0 ? { Range: `bytes=${from}-` } : {}, timeoutMs);
    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      res.body.resume();
      target = new URL(res.headers.location, target).toString();
      continue;
    }
    return res;
  }
  throw new Error(`downloadCifar10: more than ${MAX_REDIRECTS} redirects from ${url}`);
}

function md5Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    fs.createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Appends (or writes from the start) the response body to the partial file.
 * When the connection breaks, what did arrive is still flushed to the file,
 * for the next attempt to resume from.
 */
function save(res: Response, part: string, append: boolean, received: number, total: number | undefined,
  onProgress: DownloadOptions['onProgress']): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(part, { flags: append ? 'a' : 'w' });
    let got = received;
    let broken: Error | undefined;
    res.body.on('data', (chunk: Buffer) => {
      got += chunk.length;
      onProgress?.(got, total);
      if (!out.write(chunk)) {
        res.body.pause();
        out.once('drain', () => res.body.resume());
      }
    });
    res.body.on('error', (e) => {
      broken ??= e;
    });
    res.body.on('close', () => {
      if (!res.body.complete) broken ??= new Error('the connection closed before the end of the file');
      out.end();
    });
    out.on('error', reject);
    out.on('finish', () => {
      if (broken) reject(broken);
      else if (total !== undefined && got !== total) reject(new Error(`the connection closed after ${got} of ${total} bytes`));
      else resolve();
    });
  });
}

/**
 * Downloads a CIFAR-10 archive and returns its path; when the file is
 * already in `dest` it is returned at once. Resumes a partial download left by
 * an interrupted one; a finished file whose md5 differs is deleted and the
 * error says so.
 */
export async function downloadCifar10(options: DownloadOptions = {}): Promise<string> {
  const fn = 'downloadCifar10';
  const format = options.format ?? 'binary';
  if (format !== 'binary' && format !== 'python') throw invalidValue(fn, 'options.format', "'binary' or 'python'", format);
  const release = CIFAR10_ARCHIVES[format];
  // NNDL_CIFAR10_URL names a mirror of the official archive (same md5).
  const url = options.url ?? process.env.NNDL_CIFAR10_URL ?? release.url;
  if (typeof url !== 'string') throw invalidType(fn, 'options.url', 'a URL string', url);
  if (options.url !== undefined && options.url !== release.url && options.md5 === undefined) {
    throw new TypeError(`${fn}: options.md5 is required with another url, to check what it serves`);
  }
  const md5 = (options.md5 ?? release.md5).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(md5)) throw invalidValue(fn, 'options.md5', 'an md5 of 32 hex digits', options.md5);
  const dest = options.dest ?? cacheDir();
  const timeoutMs = options.timeoutMs ?? 60_000;
  fs.mkdirSync(dest, { recursive: true });
  const file = path.join(dest, path.basename(new URL(url).pathname) || release.file);
  if (fs.existsSync(file)) return file;
  const part = `${file}.part`;

  const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  let res: Response;
  try {
    res = await open(url, have, timeoutMs);
  } catch (e) {
    throw new Error(`${fn}: cannot reach ${url}: ${(e as Error).message}`, { cause: e });
  }
  const resumed = res.status === 206;
  if (res.status !== 200 && !resumed) {
    res.body.resume();
    if (res.status === 416 && have > 0) {
      // The partial file is already as long as the whole: check it below.
    } else {
      throw new Error(`${fn}: ${url} answered HTTP ${res.status}`);
    }
  } else {
    const length = Number(res.headers['content-length']);
    const total = Number.isFinite(length) ? (resumed ? have : 0) + length : undefined;
    try {
      await save(res, part, resumed, resumed ? have : 0, total, options.onProgress);
    } catch (e) {
      // The partial file stays for the next attempt to resume from.
      throw new Error(`${fn}: downloading ${url} failed: ${(e as Error).message}; run again to resume`, { cause: e });
    }
  }
  const digest = await md5Of(part);
  if (digest !== md5) {
    fs.rmSync(part, { force: true });
    throw new Error(`${fn}: ${url} gave a file with md5 ${digest}, expected ${md5}; it was deleted`);
  }
  fs.renameSync(part, file);
  return file;
}

/**
 * The binary archive in the cache, downloaded first if it is not there.
 * Errors say what to do when there is no network.
 */
export async function cachedCifar10Archive(options: Pick<DownloadOptions, 'onProgress' | 'url' | 'md5'> = {}): Promise<string> {
  const dir = cacheDir();
  for (const release of Object.values(CIFAR10_ARCHIVES)) {
    const file = path.join(dir, release.file);
    if (fs.existsSync(file)) return file;
  }
  try {
    return await downloadCifar10({ ...options, dest: dir });
  } catch (e) {
    throw new Error(
      `${(e as Error).message}. Put cifar-10-binary.tar.gz or cifar-10-python.tar.gz in ${dir} (or set NNDL_HOME), ` +
        'or pass a path to the data instead of "cifar10"',
      { cause: e },
    );
  }
}
