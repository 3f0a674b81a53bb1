/** The output directory of a command: made ready before any work, and a run's files put in place of the previous run's. */
import fs from 'node:fs';
import path from 'node:path';

import type { StagedFile } from '../io/atomic';
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
 * Puts a run's files in place of the previous run's. The new files come
 * staged (written whole and synced under temporary names, see io/atomic);
 * only then are the previous run's files (any of `runFiles`) removed and the
 * new ones renamed into place, in order. A failure while staging leaves the
 * previous run as it was; a crash among the renames leaves part of the new
 * run, never files of two runs. The directory itself is neither replaced nor
 * emptied, as it may hold the user's own files (`--out .`). Returns the names
 * of the files written.
 */
export function replaceRun(out: string, runFiles: readonly string[], stage: readonly (() => StagedFile)[]): string[] {
  const staged: StagedFile[] = [];
  try {
    for (const s of stage) staged.push(s());
  } catch (e) {
    for (const s of staged) s.discard();
    throw e;
  }
  let committed = 0;
  try {
    for (const name of runFiles) fs.rmSync(path.join(out, name), { force: true });
    for (const s of staged) {
      s.commit();
      committed++;
    }
  } catch (e) {
    for (const s of staged.slice(committed)) s.discard();
    throw e;
  }
  return staged.map((s) => path.basename(s.file));
}
