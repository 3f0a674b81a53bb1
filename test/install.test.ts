/**
 * The package as a user gets it: `npm pack` (which builds the prebuilt addon
 * into the tarball), installed into fresh projects with and without install
 * scripts, then required from CommonJS, imported from ESM and type-checked
 * from strict TypeScript. Faults are real: the prebuilt binary's reference to
 * libopenblas.so.0 is rewritten to a library that does not exist, as on a
 * machine without the OpenBLAS runtime.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const TUPLE = `${process.platform}-${process.arch}`;
const supported = process.platform === 'linux' && process.arch === 'x64';
/** What `npm pack` needs of a clone: the package's files and what compiles them. */
const SOURCES = [
  'package.json', 'package-lock.json', 'tsconfig.json', 'LICENSE', 'README.md', 'CMakeLists.txt', 'binding.gyp',
  'lib', 'native', 'scripts', 'examples', 'benchmarks', 'test',
];

/** The environment of a user's shell: none of the npm_* variables of the `npm test` running this. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^INIT_CWD$/i.test(k)));

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
}

function ok(cmd: string, args: string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

function newProject(dir: string, type: 'commonjs' | 'module' = 'commonjs'): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: path.basename(dir), version: '1.0.0', private: true, type }));
  return dir;
}

/** Replaces the prebuilt addon's dependency on libopenblas.so.0 with libopenblas.so.9, which no machine has. */
function breakOpenblasDependency(addon: string): void {
  const bytes = fs.readFileSync(addon);
  const from = Buffer.from('libopenblas.so.0\0');
  const at = bytes.indexOf(from);
  expect(at).toBeGreaterThan(0);
  Buffer.from('libopenblas.so.9\0').copy(bytes, at);
  fs.writeFileSync(addon, bytes);
}

const CJS = `
const nndl = require('nndl');
const x = nndl.fromArray([[1, -2], [3, 4]]);
const [out] = nndl.affineForward(x, nndl.fromArray([[1, 0], [0, 1]]), nndl.fromArray([0.5, 0.5]));
console.log(JSON.stringify({ out: out.toArray(), addon: require('nndl/dist/lib/native').addonPath() }));
`;

const ESM = `
import { fromArray, reluForward, Solver, TwoLayerNet } from 'nndl';
const [out] = reluForward(fromArray([-1, 2]));
console.log(JSON.stringify({ out: out.toArray(), classes: [typeof Solver, typeof TwoLayerNet] }));
`;

const TS = `
import { fromArray, affineForward, type Tensor, type SolverOptions } from 'nndl';
const x: Tensor = fromArray([[1, 2]]);
const [out] = affineForward(x, fromArray([[1], [1]]), fromArray([0]));
const options: SolverOptions = { updateRule: 'adam', batchSize: 2 };
console.log(out.shape, options.batchSize);
`;

(supported ? describe : describe.skip)('the packed package', () => {
  if (!supported) console.log(`skipped: prebuilt binaries are made for linux-x64, not ${TUPLE}`);
  let tmp: string;
  let tarball: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-pack-'));
    // Packed from a copy of the sources: `npm pack` compiles into dist/ and
    // builds into build-prebuild/, which other tests running meanwhile read.
    const source = path.join(tmp, 'source');
    for (const entry of SOURCES) fs.cpSync(path.join(ROOT, entry), path.join(source, entry), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(source, 'node_modules'));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: source, env, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] })) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(tmp, packed[0].filename);
    const files = packed[0].files.map((f) => f.path);
    expect(files).toContain(`prebuilds/${TUPLE}/node.napi.glibc.node`);
    expect(files).toContain('LICENSE');
    // Source maps ship the sources they point to (inlined), or they would point nowhere.
    const map = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/dist/lib/index.js.map'], { encoding: 'utf8' })) as { sourcesContent?: string[] };
    expect(map.sourcesContent?.[0]).toMatch(/export/);
  }, 600_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('installs without install scripts and runs on the prebuilt addon from CommonJS, ESM and strict TypeScript', () => {
    const project = newProject(path.join(tmp, 'no-scripts'));
    ok('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball], project);
    const cjs = JSON.parse(ok(process.execPath, ['-e', CJS], project)) as { out: number[][]; addon: string };
    expect(cjs.out).toEqual([[1.5, -1.5], [3.5, 4.5]]);
    expect(cjs.addon).toBe(path.join(project, 'node_modules', 'nndl', 'prebuilds', TUPLE, 'node.napi.glibc.node'));

    fs.writeFileSync(path.join(project, 'main.mjs'), ESM);
    expect(JSON.parse(ok(process.execPath, ['main.mjs'], project))).toEqual({ out: [0, 2], classes: ['function', 'function'] });

    fs.writeFileSync(path.join(project, 'main.ts'), TS);
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    ok(process.execPath, [tsc, '--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), 'main.ts'], project);
  }, 600_000);

  test('a missing runtime library or a missing addon is one line saying what to install or run', () => {
    const project = newProject(path.join(tmp, 'faults'));
    ok('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball], project);
    const prebuilds = path.join(project, 'node_modules', 'nndl', 'prebuilds');
    breakOpenblasDependency(path.join(prebuilds, TUPLE, 'node.napi.glibc.node'));
    let r = run(process.execPath, ['-e', CJS], project);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/nndl: the native addon needs the OpenBLAS runtime library: install libopenblas0 \(Debian\/Ubuntu: apt-get install libopenblas0\) or openblas \(Homebrew: brew install openblas\)/);

    fs.rmSync(prebuilds, { recursive: true });
    r = run(process.execPath, ['-e', CJS], project);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/nndl: no native addon for linux-x64 .*`npm rebuild nndl`/);
    // The command line reports it once, without `nndl: nndl:`.
    r = run(path.join(project, 'node_modules', '.bin', 'nndl'), ['gradcheck'], project);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^nndl: no native addon for linux-x64/);
    expect(r.stderr).not.toMatch(/nndl: nndl:/);
  }, 600_000);

  test('the install script keeps a prebuilt addon that loads and builds from source when it does not', () => {
    const project = newProject(path.join(tmp, 'scripts'));
    const installed = ok('npm', ['install', '--foreground-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball], project);
    expect(installed).toMatch(`nndl: using the prebuilt addon prebuilds/${TUPLE}/node.napi.glibc.node`);
    expect(JSON.parse(ok(process.execPath, ['-e', CJS], project)).out).toEqual([[1.5, -1.5], [3.5, 4.5]]);

    const pkg = path.join(project, 'node_modules', 'nndl');
    breakOpenblasDependency(path.join(pkg, 'prebuilds', TUPLE, 'node.napi.glibc.node'));
    const rebuilt = ok('npm', ['rebuild', 'nndl', '--foreground-scripts'], project);
    expect(rebuilt).toMatch(/nndl: the prebuilt addon does not load here \(.*libopenblas\.so\.9.*\); building from source/);
    const cjs = JSON.parse(ok(process.execPath, ['-e', CJS], project)) as { out: number[][]; addon: string };
    expect(cjs.out).toEqual([[1.5, -1.5], [3.5, 4.5]]);
    expect(cjs.addon).toBe(path.join(pkg, 'build', 'Release', 'nndl.node'));
  }, 600_000);
});
