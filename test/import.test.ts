/**
 * `require('nndl')` loads the library alone: none of the command line's
 * packages (commander, cli-progress, piscina, vega), not tar until an archive
 * is read, and the addon (through node-gyp-build) on the first kernel call.
 * The import time itself is measured by `npm run bench:import`, not here.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const INDEX = path.resolve(__dirname, '..', 'dist', 'lib', 'index.js');

/** The packages under node_modules that a fresh process has loaded after `script`. */
function packagesLoaded(script: string): string[] {
  const out = execFileSync(process.execPath, ['-e', `
    const nndl = require(${JSON.stringify(INDEX)});
    ${script}
    const names = Object.keys(require.cache).filter((f) => f.includes('/node_modules/'))
      .map((f) => f.split('/node_modules/').pop().split('/').slice(0, f.split('/node_modules/').pop().startsWith('@') ? 2 : 1).join('/'));
    console.log(JSON.stringify([...new Set(names)].sort()));
  `], { encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

test('importing nndl loads no package', () => {
  expect(packagesLoaded('')).toEqual([]);
});

test('the first kernel call loads the addon through node-gyp-build and nothing else', () => {
  expect(packagesLoaded('nndl.reluForward(nndl.fromArray([1, -1]));')).toEqual(['node-gyp-build']);
});
