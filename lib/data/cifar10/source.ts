/**
 * Reading a release from where a user has it: a directory (the release's
 * batches directory, or one holding it), a `.tar.gz` (or plain `.tar`)
 * archive streamed and never unpacked to disk, or the name `'cifar10'` for
 * the download cache. Each file found is handed to an Assembler as it is
 * read.
 *
 * The files are untrusted: only regular files and directories are read, and
 * what a release may cost is bounded before it is allocated or as it
 * streams (a directory's batches by their sizes, an archive by the bytes it
 * decompresses to).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

import type { ReadEntry } from 'tar';

import { inputKind, openInputFile } from '../../io/input-file';
import { invalidType, type KeySet } from '../../validate';
import { cachedCifar10Archive } from '../download';
import type { Assembler, AssemblerFactory, FileSink, Split } from './assemble';
import { FORMAT_DIRECTORIES, MAX_RELEASE_BYTES, type Format } from './release';

export interface LoadOptions {
  /** For `'cifar10'`: progress of a download, if one is needed. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** For `'cifar10'`: a mirror to download from instead of the official address (with its md5). */
  url?: string;
  md5?: string;
}

/** The keys of LoadOptions, checked against the type: an unknown key is an error. */
export const LOAD_OPTIONS = { onProgress: true, url: true, md5: true } as const satisfies KeySet<LoadOptions>;

/** Reads a release from a path or the cache into the assembler the factory makes. */
export async function readSource<S extends Split>(fn: string, source: unknown, options: LoadOptions, make: AssemblerFactory<S>): Promise<Assembler<S>> {
  if (typeof source !== 'string' || source === '') throw invalidType(fn, 'source', 'a path or the name "cifar10"', source);
  if (source === 'cifar10' && !fs.existsSync(source)) {
    const { onProgress, url, md5 } = options;
    return readArchive(fn, await cachedCifar10Archive({ onProgress, url, md5 }), make);
  }
  if (inputKind(fn, source) === 'directory') {
    const found = directoryFormat(source);
    if (!found) {
      throw new Error(`${fn}: ${source} holds neither cifar-10-batches-py/ nor cifar-10-batches-bin/ nor their batch files`);
    }
    return readDirectory(fn, found.dir, found.format, make);
  }
  return readArchive(fn, source, make);
}

/** The release layout of a directory: itself a batches directory, or holding one. */
function directoryFormat(dir: string): { dir: string; format: Format } | undefined {
  for (const [sub, format] of FORMAT_DIRECTORIES) {
    if (fs.existsSync(path.join(dir, sub))) return { dir: path.join(dir, sub), format };
  }
  if (fs.existsSync(path.join(dir, 'data_batch_1.bin')) || fs.existsSync(path.join(dir, 'test_batch.bin'))) return { dir, format: 'bin' };
  if (fs.existsSync(path.join(dir, 'data_batch_1')) || fs.existsSync(path.join(dir, 'test_batch'))) return { dir, format: 'py' };
  return undefined;
}

/** Reads a batches directory file by file: regular files only, the batches within the release's bound. */
async function readDirectory<S extends Split>(fn: string, dir: string, format: Format, make: AssemblerFactory<S>): Promise<Assembler<S>> {
  const assembler = make(format, dir);
  const { train, test, meta } = assembler.names;
  const missing = [...train, test].filter((name) => !fs.existsSync(path.join(dir, name)));
  if (missing.length > 0) throw new Error(`${dir}: missing ${missing.join(', ')}`);
  let total = 0;
  for (const name of [...train, test, meta]) {
    const file = path.join(dir, name);
    if (name === meta && !fs.existsSync(file)) continue;
    const { fd, size } = openInputFile(fn, file);
    total += size;
    const sink = (() => {
      try {
        if (total > MAX_RELEASE_BYTES) throw new Error(`${dir}: the batches hold more than ${MAX_RELEASE_BYTES} bytes, more than a CIFAR-10 release`);
        return assembler.open(name, file, size)!;
      } catch (e) {
        fs.closeSync(fd);
        throw e;
      }
    })();
    if (size > 0) {
      // The stream closes the descriptor. It reads the size checked: a file that grows meanwhile is cut there.
      for await (const chunk of fs.createReadStream(file, { fd, start: 0, end: size - 1, highWaterMark: 1 << 20 })) sink.write(chunk as Buffer);
    } else {
      fs.closeSync(fd);
    }
    sink.end();
  }
  return assembler.finish();
}

/** An archive that decompresses to more than a release can hold. */
class TooLarge extends Error {}

/** Passes bytes on, failing once more than `limit` have passed: the bound on an archive's decompressed size. */
class ByteLimit extends Transform {
  private passed = 0;

  constructor(private readonly limit: number, private readonly file: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.passed += chunk.length;
    if (this.passed > this.limit) {
      done(new TooLarge(`${this.file}: decompresses to more than ${this.limit} bytes, more than a CIFAR-10 release holds`));
    } else {
      done(null, chunk);
    }
  }
}

/**
 * Streams a .tar.gz (or plain .tar) release, filing each batch as it is
 * decompressed. The decompressed stream is counted (at most
 * MAX_RELEASE_BYTES) and the reading stops at the first error.
 */
async function readArchive<S extends Split>(fn: string, file: string, make: AssemblerFactory<S>): Promise<Assembler<S>> {
  const { fd, size } = openInputFile(fn, file);
  const magic = Buffer.alloc(2);
  if (size >= 2) fs.readSync(fd, magic, 0, 2, 0);
  const input = fs.createReadStream(file, { fd, start: 0 });
  let assembler: Assembler<S> | undefined;
  let failure: Error | undefined;
  // Stops the reading with the error: destroying the input without one, once it has
  // been read to its end, leaves the pipeline's promise unsettled.
  const fail = (e: unknown) => {
    failure ??= e as Error;
    input.destroy(failure);
  };
  // tar is loaded when an archive is read, not when the library is imported.
  const { Parser } = await import('tar');
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const parts = entry.path.split('/').filter((p) => p.length > 0);
      const dirName = parts[parts.length - 2];
      const format: Format | undefined = FORMAT_DIRECTORIES.find(([dir]) => dir === dirName)?.[1];
      if (entry.type !== 'File' || format === undefined || failure) {
        entry.resume();
        return;
      }
      assembler ??= make(format, file);
      let sink: FileSink | null = null;
      try {
        if (assembler.format !== format) throw new Error(`${file}: holds both cifar-10-batches-bin and cifar-10-batches-py`);
        sink = assembler.open(parts[parts.length - 1], `${file}:${entry.path}`, entry.size);
      } catch (e) {
        fail(e);
      }
      if (sink === null) {
        entry.resume();
        return;
      }
      const s = sink;
      entry.on('data', (chunk: Buffer) => {
        if (failure) return;
        try {
          s.write(chunk);
        } catch (e) {
          fail(e);
        }
      });
      entry.on('end', () => {
        if (failure) return;
        try {
          s.end();
        } catch (e) {
          fail(e);
        }
      });
    },
  });
  const limit = new ByteLimit(MAX_RELEASE_BYTES, file);
  try {
    // Decompressed here rather than by the parser, so the bound counts the bytes the parser reads.
    if (magic[0] === 0x1f && magic[1] === 0x8b) await pipeline(input, zlib.createGunzip(), limit, parser);
    else await pipeline(input, limit, parser);
  } catch (e) {
    if (failure) throw failure;
    if (e instanceof TooLarge) throw e;
    throw new Error(`${file}: not a readable .tar.gz (${(e as Error).message})`, { cause: e });
  }
  if (failure) throw failure;
  if (!assembler) throw new Error(`${file}: holds no cifar-10-batches-bin/ or cifar-10-batches-py/ directory`);
  return assembler.finish();
}
