/**
 * The md5 that identifies a sweep's data, so a worker trains on exactly the
 * data the sweep was started with: the bytes of a file (an archive); for a
 * directory, every regular file under it (relative name and bytes, in sorted
 * order); for 'cifar10', the archive in the cache; for generated data, the
 * arrays themselves.
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { SplitData } from '../data';

async function hashFile(hash: Hash, file: string): Promise<void> {
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
}

/** Regular files under dir, as paths relative to it, sorted. */
function filesUnder(dir: string, prefix = ''): string[] {
  const names: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) names.push(...filesUnder(dir, rel));
    else if (entry.isFile()) names.push(rel);
  }
  return names.sort();
}

/** md5 of a file, or of a directory's files (names and bytes). */
export async function pathMd5(source: string): Promise<string> {
  const hash = createHash('md5');
  if (fs.statSync(source).isDirectory()) {
    for (const rel of filesUnder(source)) {
      hash.update(`${rel}\0${fs.statSync(path.join(source, rel)).size}\0`);
      await hashFile(hash, path.join(source, rel));
    }
  } else {
    await hashFile(hash, source);
  }
  return hash.digest('hex');
}

/** md5 of the training and validation arrays a trial trains on (for data that is generated, not read). */
export function arraysMd5(data: SplitData): string {
  const hash = createHash('md5');
  for (const a of [data.XTrain.data, data.yTrain, data.XVal.data, data.yVal]) {
    hash.update(`${a.constructor.name}:${a.length}\0`);
    hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return hash.digest('hex');
}
