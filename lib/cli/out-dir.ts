/** The output directory of a command: made ready before any work, and cleared of a previous run's files. */
import fs from 'node:fs';
import path from 'node:path';

import { CliError } from './errors';

/** Makes sure the output directory exists and can be written, before any work. */
export function prepareOut(out: string): void {
  try {
    // Created one level at a time: a recursive mkdir can spin forever on
    // special file systems such as /proc.
    const missing: string[] = [];
    let dir = path.resolve(out);
    while (!fs.existsSync(dir)) {
      missing.unshift(dir);
      dir = path.dirname(dir);
    }
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: `${dir} is not a directory` });
    for (const d of missing) fs.mkdirSync(d);
    const probe = path.join(out, `.nndl-write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (e) {
    throw new CliError(`cannot write to output directory ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Removes the files a run of this command writes, before the new run writes
 * its own: the directory then never mixes two runs (a file the new run does
 * not write, such as a model when no trial gave one, is not left from the old).
 */
export function clearRun(out: string, files: readonly string[]): void {
  for (const f of files) fs.rmSync(path.join(out, f), { force: true });
}
