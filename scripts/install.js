#!/usr/bin/env node
// `npm install` of nndl: keeps the prebuilt addon of this platform when it
// loads here, and otherwise builds the addon from source with cmake-js (which
// needs cmake, a C++17 compiler and OpenBLAS). `npm install --build-from-source`
// (or npm_config_build_from_source=true) always builds.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** The prebuilt addon node-gyp-build would load, or null when a source build or nothing is found. */
function prebuilt() {
  try {
    const file = require('node-gyp-build').path(root);
    return file.startsWith(path.join(root, 'prebuilds') + path.sep) ? file : null;
  } catch {
    return null;
  }
}

const fromSource = ['true', 'nndl'].includes(process.env.npm_config_build_from_source ?? '');
const file = fromSource ? null : prebuilt();
if (file) {
  // Loaded in a child, so a crash or a missing library cannot take the installer down.
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { encoding: 'utf8' });
  if (probe.status === 0) {
    console.log(`nndl: using the prebuilt addon ${path.relative(root, file)}`);
    process.exit(0);
  }
  const reason = (probe.stderr.split('\n').find((line) => /Error/.test(line)) ?? `exit code ${probe.status}`).trim();
  console.log(`nndl: the prebuilt addon does not load here (${reason}); building from source`);
}

const build = spawnSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error(
    'nndl: building the addon from source failed; it needs cmake, a C++17 compiler and OpenBLAS ' +
      '(Debian/Ubuntu: apt-get install cmake g++ libopenblas-dev; Homebrew: brew install cmake openblas)',
  );
  process.exit(build.status ?? 1);
}
