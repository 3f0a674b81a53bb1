/**
 * Opening files a user names as input. Only regular files (and, where a
 * caller takes them, directories) are read: /dev/zero never ends, a FIFO
 * blocks until someone writes to it, a socket cannot be opened at all. The
 * kind is checked on the opened descriptor, opened without blocking, so a
 * FIFO put in place between a check and the open cannot hang the reader.
 */
import fs from 'node:fs';

/** What a file system entry is, for error messages. */
export function kindOf(stats: fs.Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'a special file';
}

/** `fn: <file> does not exist` and the like, for an fs error on a path a user gave. */
function openError(fn: string, file: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const what = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be opened (${code ?? (e as Error).message})`;
  return Object.assign(new Error(`${fn}: ${file} ${what}`, { cause: e }), code === undefined ? {} : { code });
}

/**
 * Opens a regular file for reading: its descriptor and size. Anything else
 * is an error naming the path and what it is instead.
 */
export function openInputFile(fn: string, file: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A socket cannot be opened (ENXIO); say what it is rather than the errno.
    if (code === 'ENXIO') throw notRegular(fn, file, fs.statSync(file));
    throw openError(fn, file, e);
  }
  const stats = fs.fstatSync(fd);
  if (!stats.isFile()) {
    fs.closeSync(fd);
    throw notRegular(fn, file, stats);
  }
  return { fd, size: stats.size };
}

function notRegular(fn: string, file: string, stats: fs.Stats): Error {
  return new Error(`${fn}: ${file} is ${kindOf(stats)}, not a regular file`);
}

/** What a path a user gave as input is: a directory or a regular file, else an error naming it. */
export function inputKind(fn: string, file: string, what = 'a regular file or a directory'): 'directory' | 'file' {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch (e) {
    throw openError(fn, file, e);
  }
  if (stats.isDirectory()) return 'directory';
  if (stats.isFile()) return 'file';
  throw new Error(`${fn}: ${file} is ${kindOf(stats)}, not ${what}`);
}
