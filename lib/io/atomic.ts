/**
 * The one way nndl writes a file: models, checkpoints, run files, reports and
 * downloads all come through here. The bytes go to a temporary file beside
 * the target and are written until every one is out (a write can return
 * short: on a full disk, past a file-size limit, and for any single write
 * over 2 GiB on Linux) or an error is thrown; the file is flushed to the disk
 * (fsync) and only then renamed over the target. A reader sees the old file
 * or the whole new one, never part of either. On failure the temporary file
 * is removed and the error names the target, not the temporary name.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The most bytes handed to one write(2) or read(2): Linux moves at most
 * 2 GiB - 4 KiB per call, and Node refuses lengths over 2^31 - 1.
 */
export const IO_CHUNK = 2 ** 30;

/** What a file is written from: byte arrays (written from their own memory, not copied) and strings (UTF-8). */
export type Piece = Uint8Array | string;

export interface WriteOptions {
  /** Names the caller in errors (default 'writeFileAtomic'). */
  fn?: string;
  /** The most bytes per write call (default IO_CHUNK); smaller values exist for the tests. */
  chunkBytes?: number;
}

/**
 * Writes every byte of `bytes` at the file's current position, in calls of
 * at most chunkBytes, resuming after short writes; throws when the system
 * refuses (EFBIG, ENOSPC, EIO, ...).
 */
export function writeAll(fd: number, bytes: Uint8Array, chunkBytes = IO_CHUNK): void {
  let at = 0;
  while (at < bytes.length) {
    const n = fs.writeSync(fd, bytes, at, Math.min(chunkBytes, bytes.length - at));
    // A write that moves nothing would loop forever; a disk that takes no bytes is full.
    if (n <= 0) throw Object.assign(new Error('ENOSPC: the write took no bytes, write'), { code: 'ENOSPC', syscall: 'write' });
    at += n;
  }
}

/**
 * Fills `into` from the file at `position`, in calls of at most chunkBytes;
 * throws when the file ends first. `what` names the data in that error.
 */
export function readAll(fd: number, into: Uint8Array, position: number, what: string, chunkBytes = IO_CHUNK): void {
  let at = 0;
  while (at < into.length) {
    const n = fs.readSync(fd, into, at, Math.min(chunkBytes, into.length - at), position + at);
    if (n === 0) throw new Error(`${what}: the file ends after ${position + at} bytes, before the ${into.length} bytes at ${position}`);
    at += n;
  }
}

/** Beside the target, so the rename stays within one file system; short enough for any name limit. */
function temporaryName(file: string): string {
  const base = path.basename(file).slice(0, 180);
  return path.join(path.dirname(file), `.${base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** A system error's code and description, without the path Node puts in its message (the temporary name). */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === 'string' && typeof err.syscall === 'string') {
    const description = /^\w+: (.*?), \w+/.exec(err.message)?.[1] ?? 'failed';
    return `${err.code} (${description}) on ${err.syscall}`;
  }
  return err instanceof Error ? err.message : String(e);
}

/** The error a failed write throws: `fn: cannot write <target>: <reason>`, with the system's code kept. */
export function writeError(fn: string, file: string, e: unknown): Error {
  const error = new Error(`${fn}: cannot write ${file}: ${reason(e)}`, { cause: e });
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === undefined ? error : Object.assign(error, { code });
}

/**
 * Makes a rename durable: without this a power cut can lose the new name. Some
 * file systems cannot sync a directory (EINVAL); the rename itself is done
 * and atomic there, so that is not an error.
 */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Durability of the name only; the file's bytes are already synced.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Closes a file already failed: the first error is the one to report. */
export function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    fs.closeSync(fd);
  } catch {
    // The caller is throwing the error that made it close the file.
  }
}

/** Renames a finished, synced file over `file` and makes the new name durable. */
export function renameIntoPlace(from: string, file: string): void {
  fs.renameSync(from, file);
  syncDirectory(path.dirname(path.resolve(file)));
}

/** A file written in full under a temporary name, waiting to be renamed over its target. */
export interface StagedFile {
  readonly file: string;
  /** Renames it over the target (once); on failure the temporary file is removed and the error names the target. */
  commit(): void;
  /** Removes the temporary file instead. */
  discard(): void;
}

/**
 * Writes the pieces, in order, to a temporary file beside `file` and syncs
 * it, without touching `file`: several files can be staged, and committed
 * only once all of them are written. Pieces may be produced lazily (a
 * generator), so a file larger than any one buffer, such as a model over
 * 2 GiB, is written without ever being whole in memory.
 */
export function stageFile(file: string, pieces: Iterable<Piece>, options: WriteOptions = {}): StagedFile {
  const fn = options.fn ?? 'writeFileAtomic';
  const tmp = temporaryName(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx');
    for (const piece of pieces) writeAll(fd, typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece, options.chunkBytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
  } catch (e) {
    closeQuietly(fd);
    fs.rmSync(tmp, { force: true });
    throw writeError(fn, file, e);
  }
  return {
    file,
    commit() {
      try {
        renameIntoPlace(tmp, file);
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        throw writeError(fn, file, e);
      }
    },
    discard() {
      fs.rmSync(tmp, { force: true });
    },
  };
}

/** Writes `file` from the pieces atomically (see above). */
export function writeFileAtomic(file: string, pieces: Iterable<Piece>, options: WriteOptions = {}): void {
  stageFile(file, pieces, options).commit();
}
