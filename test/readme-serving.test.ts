/**
 * The README's "Serving a model" section, run as a user would run it: its
 * code blocks are read from README.md (so the README cannot drift from the
 * code), the TypeScript ones type-checked against the package's declarations
 * and run as ES modules importing 'nndl', the shell one line by line, in
 * order, in one directory. They train on the real CIFAR-10, through the
 * cache (NNDL_HOME holding the archive); without the archive the test says
 * so and skips. The only change made to them is the port: 8080 becomes a free one.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { PNG } from 'pngjs';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'dist', 'lib', 'cli', 'main.js');
const ARCHIVE = path.resolve(ROOT, '..', 'shared', 'datasets', 'cifar-10-binary.tar.gz');
const available = fs.existsSync(ARCHIVE);
if (!available) console.log(`skipping the README's serving snippets: they train on CIFAR-10 and ${ARCHIVE} is absent`);
const snippetTest = available ? test : test.skip;

interface Block {
  lang: string;
  code: string;
}

/** The fenced code blocks of the README's "## Serving a model" section, in order. */
function blocks(): Block[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Serving a model\n');
  if (start < 0) throw new Error('README.md has no "## Serving a model" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));
}

/** A free port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** Type errors of the TypeScript snippets, checked as ES modules against the package's declarations. */
function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true, skipLibCheck: true, types: ['node'],
    typeRoots: [path.join(ROOT, 'node_modules', '@types')],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

/** Waits until the child prints a line matching pattern; returns the match. */
function waitFor(child: ChildProcess, output: { text: string }, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = output.text.match(pattern);
      if (m) {
        child.stdout!.off('data', check);
        resolve(m);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}: ${output.text}`)));
    check();
  });
}

function spawnLogged(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): { child: ChildProcess; output: { text: string } } {
  const output = { text: '' };
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => {
    output.text += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output.text += chunk;
  });
  return { child, output };
}

/** A 32 x 32 PNG: a bright disc on a dark background. */
function image(): Buffer {
  const png = new PNG({ width: 32, height: 32 });
  for (let p = 0; p < 1024; p++) {
    const inside = (p % 32 - 15.5) ** 2 + (Math.floor(p / 32) - 15.5) ** 2 < 100;
    png.data.set(inside ? [230, 180, 90, 255] : [40, 60, 80, 255], 4 * p);
  }
  return PNG.sync.write(png);
}

const children: ChildProcess[] = [];
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-readme-'));
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

snippetTest('every snippet of "Serving a model" type-checks and runs', async () => {
  const all = blocks();
  expect(all.map((b) => b.lang)).toEqual(['ts', 'ts', 'ts', 'ts', 'sh']);
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'nndl'));
  fs.symlinkSync(path.join(ROOT, 'node_modules', 'pngjs'), path.join(dir, 'node_modules', 'pngjs'));
  fs.symlinkSync(path.join(ROOT, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'));
  fs.mkdirSync(path.join(dir, 'cache'));
  fs.symlinkSync(ARCHIVE, path.join(dir, 'cache', 'cifar-10-binary.tar.gz'));
  fs.writeFileSync(path.join(dir, 'cat.png'), image());
  const port = await freePort();
  const env = { ...process.env, NNDL_HOME: path.join(dir, 'cache'), PORT: String(port) };

  const scripts = all.filter((b) => b.lang === 'ts').map((b, i) => {
    const file = path.join(dir, `snippet-${i + 1}.mts`);
    fs.writeFileSync(file, b.code);
    return file;
  });
  expect(typeErrors(scripts)).toEqual([]);
  const js = scripts.map((file) => {
    const out = file.replace(/\.mts$/, '.mjs');
    fs.writeFileSync(out, ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText);
    return out;
  });
  const run = (file: string) => {
    const r = spawnSync(process.execPath, [file], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`${path.basename(file)} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  };

  // Saving from training: the file holds the preprocessing, with the Solver's summary.
  run(js[0]);
  const saved = fs.readFileSync(path.join(dir, 'model.safetensors'));
  const header = JSON.parse(saved.subarray(8, 8 + Number(saved.readBigUInt64LE(0))).toString('utf8'));
  const preprocessing = JSON.parse(header.__metadata__.preprocessing);
  expect(preprocessing).toMatchObject({ layout: 'nchw', inputShape: [3, 32, 32], classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] });
  expect(preprocessing.training).toMatchObject({ data: 'cifar10', epochs: 1 });
  expect(preprocessing.training.valAcc).toBeGreaterThan(0.3);

  // Loading from a Buffer and a stream.
  expect(run(js[1])).toMatch(new RegExp(`^FullyConnectedNet \\{.*data: 'cifar10'.*\\} ${saved.length}\\n$`, 's'));

  // Predicting on a raw image.
  expect(run(js[2])).toMatch(/^(airplane|automobile|bird|cat|deer|dog|frog|horse|ship|truck) 0\.\d+/);

  // Training in a worker next to an HTTP server: requests are answered while it trains.
  const worker = spawnLogged(process.execPath, [js[3]], { cwd: dir, env });
  children.push(worker.child);
  const [, url] = await waitFor(worker.child, worker.output, /serving at (http:\/\/\S+)/);
  let answered = 0;
  while (!/epoch 1:/.test(worker.output.text)) {
    const res = await fetch(new URL('predict', url), { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: image() });
    expect(res.status).toBe(200);
    answered++;
    if (worker.child.exitCode !== null) throw new Error(`the snippet ended early: ${worker.output.text}`);
  }
  await waitFor(worker.child, worker.output, /serving the new model/);
  expect(answered).toBeGreaterThan(0);
  const card = (await (await fetch(new URL('model', url))).json()) as { config: { hiddenDims: number[] } };
  expect(card.config.hiddenDims).toEqual([100, 100]);
  expect(fs.existsSync(path.join(dir, 'model-2.safetensors'))).toBe(true);
  worker.child.kill('SIGTERM');

  // The command line: train, serve, and ask with curl.
  const lines = all[4].code.trim().split('\n').map((l) => l.replace(/\s+#.*$/, '').replaceAll('8080', String(port)));
  let server: ReturnType<typeof spawnLogged> | undefined;
  const answers: string[] = [];
  for (const line of lines) {
    if (line.startsWith('npx nndl serve')) {
      const args = line.replace(/^npx nndl /, '').replace(/ &$/, '').split(/\s+/);
      server = spawnLogged(process.execPath, [BIN, ...args], { cwd: dir, env });
      children.push(server.child);
      await waitFor(server.child, server.output, /^serving FullyConnectedNet|^serving TwoLayerNet/m);
    } else if (line.startsWith('npx nndl ')) {
      execFileSync(process.execPath, [BIN, ...line.replace(/^npx nndl /, '').split(/\s+/)], { cwd: dir, env, stdio: 'pipe', timeout: 300_000 });
    } else {
      answers.push(execFileSync('bash', ['-c', line], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 }));
    }
  }
  const [prediction, model] = answers.map((a) => JSON.parse(a));
  expect(prediction.labels[0]).toMatch(/^(airplane|automobile|bird|cat|deer|dog|frog|horse|ship|truck)$/);
  expect(prediction.probabilities[0]).toHaveLength(10);
  expect(model.preprocessing.training).toMatchObject({ data: 'cifar10', epochs: 1 });
  server!.child.kill('SIGTERM');
}, 600_000);
