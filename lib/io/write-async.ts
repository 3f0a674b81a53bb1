/**
 * Writing a file without blocking the event loop, with the guarantees of the
 * synchronous writer: the bytes go to a temporary file beside the target,
 * written until every one is out (a write may return short) or an error is
 * thrown, flushed to the disk, then renamed over the target. A reader sees
 * the old file or the whole new one; on failure the temporary file is
 * removed and the error names the target. The work runs on libuv's threads.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** The most bytes handed to one write: Linux moves at most 2 GiB - 4 KiB per call. */
const CHUNK = 2 ** 30;

export async function writeFileAtomicAsync(fn: string, file: string, bytes: Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file).slice(0, 180)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx');
    let at = 0;
    while (at < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, at, Math.min(CHUNK, bytes.length - at));
      // A disk that takes no bytes is full; looping would never end.
      if (bytesWritten <= 0) throw Object.assign(new Error('ENOSPC: the write took no bytes'), { code: 'ENOSPC' });
      at += bytesWritten;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, file);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    throw Object.assign(new Error(`${fn}: cannot write ${file}: ${code ?? (e as Error).message}`, { cause: e }), code === undefined ? {} : { code });
  }
}
