/**
 * Fetching the CIFAR-10 archives into a cache directory. The bytes stream to
 * `<name>.part` beside the final file; an interrupted download resumes from
 * there (HTTP Range) or starts over when the server will not resume; the
 * whole file's md5 is checked before it is renamed into place, so a loader
 * never finds a partial or wrong file under the final name.
 *
 * A server cannot make it run or grow forever: the size is the official
 * archive's (or options.size) when known and at most options.maxBytes
 * otherwise, a connection that brings less than 64 KiB in stallMs is given
 * up, the whole download has a deadline, and redirects are limited.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

import { closeQuietly, renameIntoPlace, writeAll, writeError } from '../io/atomic';
import { invalidType, invalidValue, type KeySet, optionsObjectArg, positiveIntegerArg } from '../validate';

/** The official CIFAR-10 archives downloadCifar10 fetches: file name, URL, md5 and size in bytes of each format. */
export const CIFAR10_ARCHIVES = {
  binary: {
    file: 'cifar-10-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    size: 170_052_171,
  },
  python: {
    file: 'cifar-10-python.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz',
    md5: 'c58f30108f718f92721af3b95e74349a',
    size: 170_498_071,
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
  /** Expected size in bytes (default: the official archive's with its md5; unknown with another md5). */
  size?: number;
  /** Largest file accepted when the size is not known (default 1 GiB). */
  maxBytes?: number;
  /** Called as bytes arrive; total is undefined when neither the server nor the options say. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Give up on a connection that brings less than 64 KiB in this many milliseconds (default 60,000). */
  stallMs?: number;
  /** Give up when the whole download takes longer than this many milliseconds (default 3,600,000). */
  deadlineMs?: number;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
}

/** The keys of DownloadOptions, checked against the type: an unknown key is an error. */
const DOWNLOAD_OPTIONS = { dest: true, format: true, url: true, md5: true, size: true, maxBytes: true, onProgress: true, stallMs: true, deadlineMs: true, maxRedirects: true } as const satisfies KeySet<DownloadOptions>;

/** A connection bringing less than this in stallMs is stalled. */
export const STALL_BYTES = 64 * 1024;

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

/** How a download is bounded, and what to tell the one who waits for it. */
interface Limits {
  /** The exact size, when known. */
  size: number | undefined;
  maxBytes: number;
  stallMs: number;
  maxRedirects: number;
  /** Aborted, with the reason, at the deadline. */
  signal: AbortSignal;
}

/** Why an aborted operation stopped: the deadline's message rather than Node's "The operation was aborted". */
function abortReason(limits: Limits, e: unknown): Error {
  return limits.signal.aborted ? (limits.signal.reason as Error) : (e as Error);
}

function request(url: string, headers: Record<string, string>, limits: Limits): Promise<Response> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const get = u.protocol === 'https:' ? https.get : u.protocol === 'http:' ? http.get : undefined;
    if (!get) {
      reject(new Error(`${url} is not an http or https address`));
      return;
    }
    const req = get(u, { headers, signal: limits.signal }, (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }));
    req.setTimeout(limits.stallMs, () => req.destroy(new Error(`no answer in ${limits.stallMs / 1000} s`)));
    req.on('error', (e) => reject(abortReason(limits, e)));
  });
}

/** GET with redirects followed (at most limits.maxRedirects); asks for the bytes from `from` on when resuming. */
async function open(url: string, from: number, limits: Limits): Promise<Response> {
  let target = url;
  for (let hop = 0; hop <= limits.maxRedirects; hop++) {
    const res = await request(target, from > 0 ? { Range: `bytes=${from}-` } : {}, limits);
    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      res.body.resume();
      target = new URL(res.headers.location, target).toString();
      continue;
    }
    return res;
  }
  throw new Error(`more than ${limits.maxRedirects} redirects`);
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

/** A failure to store the bytes (full disk, file-size limit): the partial file is of no use and is removed. */
class WriteFailure extends Error {}

/** A server that sends more than the file can be: what it sent is wrong and is removed. */
class TooLong extends Error {}

/**
 * Appends (or writes from the start) the response body to the partial file,
 * every byte or an error, then flushes it to the disk. When the connection
 * breaks or stalls, what did arrive is kept, for the next attempt to resume from.
 */
function save(res: Response, part: string, append: boolean, received: number, total: number | undefined, limits: Limits,
  onProgress: DownloadOptions['onProgress']): Promise<void> {
  return new Promise((resolve, reject) => {
    let fd: number;
    try {
      fd = fs.openSync(part, append ? 'a' : 'w');
    } catch (e) {
      res.body.destroy();
      reject(new WriteFailure('', { cause: e }));
      return;
    }
    const limit = limits.size ?? limits.maxBytes;
    let got = received;
    let lastCheck = received;
    let failure: Error | undefined;
    const stop = (e: Error) => {
      failure ??= e;
      res.body.destroy();
    };
    const watchdog = setInterval(() => {
      if (got - lastCheck < STALL_BYTES) stop(new Error(`stalled: ${got - lastCheck} bytes in the last ${limits.stallMs / 1000} s`));
      lastCheck = got;
    }, limits.stallMs);
    res.body.on('data', (chunk: Buffer) => {
      if (failure) return;
      if (got + chunk.length > limit) {
        stop(new TooLong(limits.size === undefined ? `the server sent more than maxBytes (${limit} bytes)` : `the server sent more than the file's ${limit} bytes`));
        return;
      }
      try {
        writeAll(fd, chunk);
      } catch (e) {
        stop(new WriteFailure('', { cause: e }));
        return;
      }
      got += chunk.length;
      onProgress?.(got, total);
    });
    res.body.on('error', (e) => {
      failure ??= abortReason(limits, e);
    });
    res.body.on('close', () => {
      clearInterval(watchdog);
      if (!failure && !res.body.complete) failure = limits.signal.aborted ? abortReason(limits, undefined) : new Error('the connection closed before the end of the file');
      if (!failure && total !== undefined && got !== total) failure = new Error(`the connection closed after ${got} of ${total} bytes`);
      if (!failure) {
        try {
          fs.fsyncSync(fd);
        } catch (e) {
          failure = new WriteFailure('', { cause: e });
        }
      }
      closeQuietly(fd);
      if (failure) reject(failure);
      else resolve();
    });
  });
}

/** An archive the cache already holds (either release), or undefined. */
export function cachedArchive(): string | undefined {
  const dir = cacheDir();
  for (const release of Object.values(CIFAR10_ARCHIVES)) {
    const file = path.join(dir, release.file);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

/** Checks the options and settles the url, md5 and size of the file to fetch. */
function settle(fn: string, options: DownloadOptions) {
  optionsObjectArg(fn, 'options', options, DOWNLOAD_OPTIONS);
  const format = options.format ?? 'binary';
  if (format !== 'binary' && format !== 'python') throw invalidValue(fn, 'options.format', "'binary' or 'python'", format);
  const release = CIFAR10_ARCHIVES[format];
  // NNDL_CIFAR10_URL names a mirror of the official archive (same md5).
  const url = options.url ?? process.env.NNDL_CIFAR10_URL ?? release.url;
  if (typeof url !== 'string') throw invalidType(fn, 'options.url', 'a URL string', url);
  if (options.url !== undefined && options.url !== release.url && options.md5 === undefined) {
    throw new TypeError(`${fn}: options.md5 is required with another url, to check what it serves`);
  }
  const md5 = String(options.md5 ?? release.md5).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(md5)) throw invalidValue(fn, 'options.md5', 'an md5 of 32 hex digits', options.md5);
  // The official archive's size goes with its md5; another file's is known only when given.
  const size = options.size === undefined ? (md5 === release.md5 ? release.size : undefined) : positiveIntegerArg(fn, 'options.size', options.size);
  const maxBytes = positiveIntegerArg(fn, 'options.maxBytes', options.maxBytes ?? 2 ** 30);
  const stallMs = positiveIntegerArg(fn, 'options.stallMs', options.stallMs ?? 60_000);
  const deadlineMs = positiveIntegerArg(fn, 'options.deadlineMs', options.deadlineMs ?? 3_600_000);
  const maxRedirects = nonNegative(fn, 'options.maxRedirects', options.maxRedirects ?? 5);
  return { release, url, md5, size, maxBytes, stallMs, deadlineMs, maxRedirects };
}

function nonNegative(fn: string, name: string, v: unknown): number {
  if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) throw invalidValue(fn, name, 'a non-negative integer', v);
  return v;
}

/**
 * Downloads a CIFAR-10 archive and returns its path; when the file is
 * already in `dest` it is returned at once. Resumes a partial download left by
 * an interrupted one; a finished file whose md5 differs is deleted and the
 * error says so.
 */
export async function downloadCifar10(options: DownloadOptions = {}): Promise<string> {
  const fn = 'downloadCifar10';
  const { release, url, md5, size, maxBytes, stallMs, deadlineMs, maxRedirects } = settle(fn, options);
  const dest = options.dest ?? cacheDir();
  fs.mkdirSync(dest, { recursive: true });
  const file = path.join(dest, path.basename(new URL(url).pathname) || release.file);
  if (fs.existsSync(file)) return file;
  const part = `${file}.part`;

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`not finished after ${deadlineMs / 1000} s (options.deadlineMs)`)), deadlineMs);
  const limits: Limits = { size, maxBytes, stallMs, maxRedirects, signal: deadline.signal };
  try {
    let have = fs.existsSync(part) ? fs.statSync(part).size : 0;
    // A partial file longer than the whole is not one: start over.
    if (have > (size ?? maxBytes)) have = 0;
    let res: Response;
    try {
      res = await open(url, have, limits);
    } catch (e) {
      throw new Error(`${fn}: cannot reach ${url}: ${(e as Error).message}`, { cause: e });
    }
    const resumed = res.status === 206;
    if (res.status !== 200 && !resumed) {
      res.body.resume();
      // 416: the partial file is already as long as the whole; its md5 decides below.
      if (!(res.status === 416 && have > 0)) throw new Error(`${fn}: ${url} answered HTTP ${res.status}`);
    } else {
      const from = resumed ? have : 0;
      const length = Number(res.headers['content-length']);
      const announced = Number.isSafeInteger(length) && length >= 0 ? from + length : undefined;
      if (announced !== undefined && (size !== undefined ? announced !== size : announced > maxBytes)) {
        res.body.destroy();
        fs.rmSync(part, { force: true });
        throw new Error(`${fn}: ${url} announces ${announced} bytes, expected ${size !== undefined ? size : `at most ${maxBytes} (options.maxBytes)`}`);
      }
      try {
        await save(res, part, resumed, from, announced ?? size, limits, options.onProgress);
      } catch (e) {
        if (e instanceof WriteFailure) {
          fs.rmSync(part, { force: true });
          throw writeError(fn, file, (e as Error).cause);
        }
        if (e instanceof TooLong) {
          fs.rmSync(part, { force: true });
          throw new Error(`${fn}: downloading ${url} failed: ${(e as Error).message}; the partial file was deleted`, { cause: e });
        }
        // The partial file stays for the next attempt to resume from.
        throw new Error(`${fn}: downloading ${url} failed: ${(e as Error).message}; run again to resume`, { cause: e });
      }
    }
    const digest = await md5Of(part);
    if (digest !== md5) {
      fs.rmSync(part, { force: true });
      throw new Error(`${fn}: ${url} gave a file with md5 ${digest}, expected ${md5}; it was deleted`);
    }
    try {
      renameIntoPlace(part, file);
    } catch (e) {
      throw writeError(fn, file, e);
    }
    return file;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The binary archive in the cache, downloaded first if it is not there.
 * Errors say what to do when there is no network.
 */
export async function cachedCifar10Archive(options: Pick<DownloadOptions, 'onProgress' | 'url' | 'md5'> = {}): Promise<string> {
  const found = cachedArchive();
  if (found !== undefined) return found;
  const dir = cacheDir();
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
