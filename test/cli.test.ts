/**
 * The command line run as a user runs it: the compiled binary in a child
 * process (`npm test` compiles first), on generated data and fixtures.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { XMLValidator } from 'fast-xml-parser';
import { PNG } from 'pngjs';

import { CONV_LAYERS, buildModel, checkModelConfig, resolveModel } from '../lib/cli/model-config';
import { loadModel } from '../lib/models/load';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { fixtureSet, writeRelease } from './cifar-fixtures';

const BIN = path.resolve(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
let root: string;

beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-cli-'));
  spawnSync('mkfifo', [path.join(root, 'fifo')]);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function nndl(...args: string[]) {
  // NNDL_HOME points at an empty cache, so nothing depends on this machine's.
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NNDL_HOME: path.join(root, 'cache') }, timeout: 120000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const expectSvg = (file: string) => {
  const svg = fs.readFileSync(file, 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(XMLValidator.validate(svg)).toBe(true);
};

test('a short train writes every file, with sane contents', () => {
  const out = path.join(root, 'train');
  const r = nndl('train', '--data', 'synthetic', '--epochs', '2', '--hidden', '30', '--out', out);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  // Not a terminal: plain lines, one per check, then the summary.
  expect(r.stdout).toMatch(/^start {2}train acc \d\.\d{3} {2}val acc \d\.\d{3}$/m);
  expect(r.stdout).toMatch(/^epoch 2\/2 {2}loss \d+\.\d{4} {2}train acc/m);
  expect(r.stdout).toMatch(/train acc \d+\.\d%, val acc \d+\.\d%, test acc \d+\.\d%; \d+\.\d{2} s per epoch/);
  expect(fs.readdirSync(out).sort()).toEqual(['accuracy.svg', 'history.json', 'loss.svg', 'model.safetensors', 'report.html', 'weights.png']);

  const history = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8'));
  expect(history.lossHistory).toHaveLength(2 * 50);
  expect(history.trainAccHistory).toHaveLength(3);
  expect(history.valAccHistory).toHaveLength(3);
  expect(history.epochSeconds).toHaveLength(2);
  expect(history.config).toMatchObject({ model: 'two-layer', hidden: [30], epochs: 2, lr: 1e-3, update: 'sgd' });
  expect(history.summary.testAcc).toBeGreaterThan(0.1);

  expectSvg(path.join(out, 'loss.svg'));
  expectSvg(path.join(out, 'accuracy.svg'));
  // 30 tiles of 32 x 32, 6 to a row, 3 pixels apart.
  const png = PNG.sync.read(fs.readFileSync(path.join(out, 'weights.png')));
  expect([png.width, png.height]).toEqual([6 * 32 + 5 * 3, 5 * 32 + 4 * 3]);
  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  expect(html).toContain('<svg');
  expect(html).toContain('data:image/png;base64,');
  expect(html).toContain('two-layer');

  const model = loadModel(path.join(out, 'model.safetensors'));
  expect(model.params.W1.shape).toEqual([3072, 30]);
});

test('fc with batchnorm and dropout trains on a CIFAR-10 fixture directory, and eval reads the model back', () => {
  const data = path.dirname(writeRelease(path.join(root, 'fixture'), fixtureSet(2, [60, 60, 60, 60, 60], 50), 'bin'));
  const out = path.join(root, 'fc');
  const r = nndl('train', '--data', data, '--model', 'fc', '--hidden', '20,10', '--batchnorm', '--dropout', '0.2',
    '--update', 'adam', '--epochs', '2', '--batch-size', '30', '--out', out);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/training FullyConnectedNet \[20, 10\] on CIFAR-10 .*: 270 train \/ 30 val \/ 50 test/);
  const e = nndl('eval', '--model', path.join(out, 'model.safetensors'), '--data', data);
  expect(e.code).toBe(0);
  expect(e.stdout).toMatch(/FullyConnectedNet on the test split of CIFAR-10 .*: accuracy \d+\.\d{2}% \(\d+ of 50\)/);
  const table = e.stdout.split('\n').filter((l) => /^(airplane|automobile|bird|cat|deer|dog|frog|horse|ship|truck) /.test(l));
  expect(table).toHaveLength(10);
});

test('a short sweep ranks its trials by validation accuracy and keeps the best model', () => {
  const out = path.join(root, 'sweep');
  const r = nndl('sweep', '--data', 'synthetic', '--lr', '1e-5,1e-3,3e-3', '--epochs', '1', '--hidden', '20', '--workers', '2', '--out', out);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const sweep = JSON.parse(fs.readFileSync(path.join(out, 'sweep.json'), 'utf8'));
  expect(sweep.trials).toHaveLength(3);
  const accs = sweep.trials.map((t: { valAcc: number }) => t.valAcc);
  expect(accs).toEqual([...accs].sort((a, b) => b - a));
  expect(new Set(sweep.trials.map((t: { seed: number }) => t.seed)).size).toBe(3);
  expect(sweep.best.valAcc).toBe(accs[0]);
  expect(sweep.best.lr).not.toBe(1e-5);
  expectSvg(path.join(out, 'sweep.svg'));
  expect(loadModel(path.join(out, 'model.safetensors')).params.W1.shape).toEqual([3072, 20]);
  expect(r.stdout).toMatch(/^ {3}1 .*\n {3}2 .*\n {3}3 /m);
});

test('a sweep whose every trial diverges exits non-zero, saves no non-finite model and keeps nothing of the run before', () => {
  const out = path.join(root, 'sweep-diverged');
  expect(nndl('sweep', '--data', 'synthetic', '--lr', '1e-3', '--epochs', '1', '--hidden', '20', '--out', out).code).toBe(0);
  expect(fs.existsSync(path.join(out, 'model.safetensors'))).toBe(true);
  // A learning rate past float32's range makes every weight infinite at the first step.
  const r = nndl('sweep', '--data', 'synthetic', '--lr', '1e39,1e300', '--epochs', '1', '--hidden', '20', '--workers', '2', '--out', out);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('every trial diverged (a non-finite loss); no model saved');
  expect(fs.readdirSync(out).sort()).toEqual(['sweep.json', 'sweep.svg']);
  const sweep = JSON.parse(fs.readFileSync(path.join(out, 'sweep.json'), 'utf8'));
  expect(sweep.best).toBe(null);
  for (const t of sweep.trials) {
    expect(t.status).toBe('diverged');
    expect(t.error).toMatch(/^Solver: the loss is (NaN|Infinity|-Infinity) at iteration \d+/);
  }
});

test('a trial that throws is a failure, printed as such, and the others go on', () => {
  const out = path.join(root, 'sweep-failed');
  // 3,072 x 2e9 weights cannot be allocated.
  const r = nndl('sweep', '--data', 'synthetic', '--lr', '1e-3', '--hidden-sizes', '20,2000000000', '--epochs', '1', '--workers', '2', '--out', out);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^trial 2\/2 \(lr 0\.001 reg 0 hidden \[2000000000\]\): failed: \S/m);
  expect(r.stdout).not.toMatch(/diverged/);
  expect(r.stdout).toContain('1 of 2 trials failed');
  const sweep = JSON.parse(fs.readFileSync(path.join(out, 'sweep.json'), 'utf8'));
  expect(sweep.trials.map((t: { status: string }) => t.status)).toEqual(['done', 'failed']);
  expect(sweep.best.hidden).toEqual([20]);
  expect(loadModel(path.join(out, 'model.safetensors')).params.W1.shape).toEqual([3072, 20]);
});

test('Ctrl-C in a sweep ends the running trials and writes the finished ones', async () => {
  const out = path.join(root, 'sweep-interrupted');
  const child = spawn(process.execPath, [BIN, 'sweep', '--data', 'synthetic', '--lr', '1e-3,2e-3,3e-3,4e-3', '--epochs', '8', '--hidden', '50',
    '--workers', '1', '--out', out], { cwd: root, env: { ...process.env, NNDL_HOME: path.join(root, 'cache') } });
  let stdout = '';
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (/^trial 1\/4 .*: val acc \d\.\d{3} \(/m.test(stdout) && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (c) => resolve(c));
  });
  expect(code).toBe(130);
  expect(stdout).toContain('interrupted: writing the finished trials');
  const sweep = JSON.parse(fs.readFileSync(path.join(out, 'sweep.json'), 'utf8'));
  expect(sweep.interrupted).toBe(true);
  expect(sweep.planned).toBe(4);
  expect(sweep.finished).toBeGreaterThanOrEqual(1);
  expect(sweep.finished).toBeLessThan(4);
  expect(sweep.trials).toHaveLength(sweep.finished);
  expect(sweep.trials.map((t: { trial: number }) => t.trial)).toContain(1);
  expect(loadModel(path.join(out, 'model.safetensors')).params.W1.shape).toEqual([3072, 50]);
}, 120000);

test('without the optional bullmq and ioredis, a queued sweep says what to install and a local one still runs', () => {
  // A copy of the package whose node_modules has everything but those two.
  const project = path.join(root, 'no-queue-packages');
  const repo = path.resolve(__dirname, '..');
  fs.cpSync(path.join(repo, 'dist', 'lib'), path.join(project, 'dist', 'lib'), { recursive: true });
  fs.copyFileSync(path.join(repo, 'package.json'), path.join(project, 'package.json'));
  fs.mkdirSync(path.join(project, 'node_modules'));
  for (const name of fs.readdirSync(path.join(repo, 'node_modules'))) {
    if (name.startsWith('.') || name === 'bullmq' || name === 'ioredis') continue;
    fs.symlinkSync(path.join(repo, 'node_modules', name), path.join(project, 'node_modules', name));
  }
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(project, 'dist', 'lib', 'cli', 'main.js'), ...args], {
    cwd: root, encoding: 'utf8', timeout: 120000,
    env: { ...process.env, NNDL_HOME: path.join(root, 'cache'), NNDL_ADDON: path.join(repo, 'build', 'Release', 'nndl.node') },
  });
  const pins = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).optionalDependencies;
  const message = 'nndl: sweeps on a queue need the optional packages bullmq and ioredis, which are not installed here; ' +
    `install them with \`npm install bullmq@${pins.bullmq} ioredis@${pins.ioredis}\`\n`;
  for (const args of [['worker', '--queue', 'redis://127.0.0.1:9'], ['sweep', '--queue', 'redis://127.0.0.1:9', '--status']]) {
    const r = run(...args);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(message);
  }
  const local = run('sweep', '--data', 'synthetic', '--lr', '1e-3', '--epochs', '1', '--hidden', '10', '--workers', '1', '--out', path.join(project, 'out'));
  expect(local.stderr).toBe('');
  expect(local.status).toBe(0);
});

test.each([
  [['train', '--bogus'], /^nndl: unknown option '--bogus'\n$/],
  [['train', '--lr', '-1'], /^nndl: option '--lr <rate>' argument '-1' is invalid\. Expected a positive number but received -1\n$/],
  [['train', '--epochs', '2.5'], /Expected a positive integer but received 2\.5\n$/],
  [['train', '--dropout', '1'], /Expected a drop probability in \[0, 1\)/],
  [['train', '--model', 'cnn'], /argument 'cnn' is invalid\. Allowed choices are two-layer, fc, conv\./],
  [['train', '--hidden', '10,x'], /Expected a comma-separated list of positive integers but received 10,x/],
  [['train', '--data', '/no/such/path'], /^nndl: data path \/no\/such\/path does not exist\n$/],
  [['train', '--data', 'synthetic', '--out', '/etc/passwd/run'], /^nndl: cannot write to output directory \/etc\/passwd\/run: /],
  [['train', '--batchnorm', '--data', 'synthetic'], /^nndl: --batchnorm needs --model fc\n$/],
  [['sweep', '--data', 'synthetic'], /required option '--lr <rates>' not specified/],
  [['sweep', '--data', 'synthetic', '--lr', '1e-3', '--attempts', '2'], /^nndl: --attempts needs --queue\n$/],
  [['sweep', '--status'], /^nndl: --status needs --queue\n$/],
  [['sweep', '--queue', 'http://localhost:6379', '--status'], /argument 'http:\/\/localhost:6379' is invalid\. Expected a redis:\/\/host:port\[\/db\] URL/],
  [['sweep', '--queue', 'redis://127.0.0.1:9', '--name', 'a:b', '--status'], /argument 'a:b' is invalid\. Expected a name of 1 to 64 letters/],
  [['sweep', '--queue', 'redis://127.0.0.1:9', '--workers', '2', '--lr', '1e-3'], /^nndl: --workers is for sweeps on this machine/],
  [['worker'], /required option '--queue <url>' not specified/],
  [['eval', '--model', 'missing.safetensors'], /^nndl: model file missing\.safetensors does not exist\n$/],
  [['eval', '--model', '.'], /^nndl: model file \. is a directory, expected a regular file \(a model\.safetensors\)\n$/],
  [['eval', '--model', 'fifo'], /^nndl: model file fifo is a FIFO, expected a regular file/],
  [['train', '--lr', '0x10'], /argument '0x10' is invalid\. Expected a positive number but received 0x10\n$/],
  [['train', '--epochs', 'Infinity'], /Expected a positive integer but received Infinity\n$/],
  [['train', '--seed', '4294967296'], /argument '4294967296' is invalid\. Expected an integer seed in \[0, 4294967295\] but received 4294967296\n$/],
  [['train', '--data', 'synthetic', '--batch-size', '1e9'],
    /^nndl: --batch-size 1000000000 is invalid: expected at most the 5000 training images of synthetic \(seed 0\)\n$/],
  [['train', '--data', 'synthetic', '--hidden', '1e9'],
    /^nndl: --hidden 1000000000 is too large: the model's 3\.08e\+12 weights need 22\.4 TiB with the Solver's copy, more than this machine's [\d.]+ [GT]iB of memory\n$/],
  [['train', '--data', '/dev/zero'], /^nndl: data path \/dev\/zero is a character device, expected a CIFAR-10 directory or \.tar\.gz file\n$/],
  [['train', '--data', 'fifo'], /^nndl: data path fifo is a FIFO, expected a CIFAR-10 directory or \.tar\.gz file\n$/],
  [['frobnicate'], /^nndl: unknown command 'frobnicate'\n$/],
  [['train', '--layers', 'affine10,conv3x3'], /^nndl: --layers: unknown layer "conv3x3" \(layer 2 of 2\); a layer is one of affine<units>, /],
  [['train', '--layers', 'affine10', '--model', 'fc'], /^nndl: --layers gives the whole network; leave out --model fc\n$/],
  [['train', '--model', 'conv', '--hidden', '10'], /^nndl: --hidden configures two-layer and fc networks, not --model conv\n$/],
  [['train', '--layers', 'affine10', '--dropout', '0.5'], /^nndl: --dropout needs --model fc; with --layers the layer list has its dropout<p> layers\n$/],
  [['train', '--layers', 'affine7', '--data', 'synthetic'], /^nndl: --layers: options\.numClasses is 10 but the layers give 7 scores per example\n$/],
])('nndl %j: one line and a non-zero exit', (args, message) => {
  const r = nndl(...(args as string[]));
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(message as RegExp);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
});

test('--layers trains a conv net, with --augment; the model file holds its layers, weights.png its filters', () => {
  const out = path.join(root, 'layers');
  const layers = 'conv4k3p1,bn,relu,pool2,dropout0.2,affine10';
  const r = nndl('train', '--data', 'synthetic', '--layers', layers, '--augment', '--update', 'adam', '--lr', '1e-2', '--epochs', '2', '--out', out);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^training Sequential conv4k3p1,bn,relu,pool2,dropout0\.2,affine10 on .*augmented$/m);
  const history = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8'));
  expect(history.config).toMatchObject({ model: 'layers', layers, augment: true, hidden: [] });
  const model = loadModel(path.join(out, 'model.safetensors'));
  expect(String(model)).toBe(`${layers},softmax`);
  expect(model.params.W1.shape).toEqual([4, 3, 3, 3]);
  expect(history.summary.valAcc).toBeGreaterThan(0.25);
  // Four filters of 3 x 3 drawn 10 pixels a weight, two to a row, 3 pixels apart.
  const png = PNG.sync.read(fs.readFileSync(path.join(out, 'weights.png')));
  expect([png.width, png.height]).toEqual([63, 63]);
});

test("--model conv is the README's network: three 3x3 convolutions with batchnorm, two pools, affine 256 with dropout, std 1e-2", () => {
  const asked = { batchnorm: false, dropout: 0, dtype: 'float32' as const, reg: 0 };
  const c = resolveModel({ ...asked, model: 'conv' as const });
  expect(c).toMatchObject({ model: 'conv', layers: CONV_LAYERS, hidden: [], weightScale: 1e-2 });
  expect(resolveModel({ ...asked, model: 'conv' as const, weightScale: 0.05 }).weightScale).toBe(0.05);
  expect(resolveModel({ ...asked, layers: 'affine10' })).not.toHaveProperty('weightScale');
  checkModelConfig(c);
  const model = buildModel(c, [3, 32, 32], 10, 0);
  expect(String(model)).toBe('conv32k3p1,bn,relu,conv32k3p1,bn,relu,pool2,conv64k3p1,bn,relu,pool2,affine256,relu,dropout0.5,affine10,softmax');
  expect(Object.fromEntries(Object.entries(model.params).filter(([k]) => k.startsWith('W')).map(([k, t]) => [k, t.shape]))).toEqual({
    W1: [32, 3, 3, 3], W2: [32, 32, 3, 3], W3: [64, 32, 3, 3], W4: [64 * 8 * 8, 256], W5: [256, 10],
  });
  expect(Object.keys(model.buffers())).toEqual(['runningMean1', 'runningVar1', 'runningMean2', 'runningVar2', 'runningMean3', 'runningVar3']);
  expect(model.weightScale).toBe(1e-2);
});

test('without --data and without CIFAR-10 it says so in one line and trains on generated data', () => {
  const out = path.join(root, 'default');
  const r = spawnSync(process.execPath, [BIN, 'train', '--epochs', '1', '--hidden', '10', '--out', out], {
    cwd: root, encoding: 'utf8', timeout: 120000,
    // An empty cache and an unreachable download address.
    env: { ...process.env, NNDL_HOME: path.join(root, 'empty-cache'), NNDL_CIFAR10_URL: 'http://127.0.0.1:9/cifar-10-binary.tar.gz' },
  });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^no CIFAR-10 in .*empty-cache and none could be downloaded \(.*\); training on generated data instead \(--data synthetic\)$/m);
  expect(fs.existsSync(path.join(out, 'model.safetensors'))).toBe(true);
});

test('Ctrl-C stops after the current iteration and still writes the history and a loadable model', async () => {
  const out = path.join(root, 'interrupted');
  const child = spawn(process.execPath, [BIN, 'train', '--data', 'synthetic', '--epochs', '200', '--hidden', '20', '--out', out], {
    cwd: root, env: { ...process.env, NNDL_HOME: path.join(root, 'cache') },
  });
  let stdout = '';
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (/epoch 2\/200/.test(stdout) && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (c) => resolve(c));
  });
  expect(code).toBe(130);
  expect(stdout).toContain('stopping after this iteration');
  const history = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8'));
  expect(history.summary.stopped).toBe(true);
  expect(history.lossHistory.length).toBeLessThan(200 * 50);
  expect(loadModel(path.join(out, 'model.safetensors')).params.W1.shape).toEqual([3072, 20]);
}, 120000);

test('gradcheck prints every relative error and passes', () => {
  const r = nndl('gradcheck');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^affine dx +relative error \d\.\d{2}e-\d+$/m);
  expect(r.stdout).toMatch(/^FullyConnectedNet batchnorm gamma1 +relative error/m);
  expect(r.stdout).toMatch(/all \d+ checks pass/);
});

test('a loss that stops being finite writes every file with the best model so far, then exits non-zero', () => {
  const out = path.join(root, 'diverged');
  const r = nndl('train', '--data', 'synthetic', '--lr', '1e6', '--epochs', '1', '--hidden', '10', '--out', out);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^nndl: Solver: the loss is (NaN|-?Infinity) at iteration \d+ \(epoch 1\); training stopped, the parameters of the best validation accuracy so far \([\d.]+\) are restored; the best model so far is saved\n$/);
  expect(r.stdout).toMatch(/^failed; train acc/m);
  expect(fs.readdirSync(out).sort()).toEqual(['accuracy.svg', 'history.json', 'loss.svg', 'model.safetensors', 'report.html', 'weights.png']);
  const history = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8'));
  expect(history.summary.error).toMatch(/^Solver: the loss is/);
  expect(history.model.saved).toBe(true);
  const model = loadModel(path.join(out, 'model.safetensors'));
  for (const t of Object.values(model.params)) expect(t.data.every(Number.isFinite)).toBe(true);
});

test('a diverged model that is not finite is not saved, and the earlier run in the directory is replaced, not mixed in', () => {
  const out = path.join(root, 'not-finite');
  expect(nndl('train', '--data', 'synthetic', '--model', 'fc', '--epochs', '1', '--hidden', '10', '--out', out).code).toBe(0);
  expect(fs.readdirSync(out)).toContain('model.safetensors');
  fs.writeFileSync(path.join(out, 'notes.txt'), 'the user\'s own file');
  // A learning rate past float32's range makes every weight infinite at the first step, before the first check.
  const r = nndl('train', '--data', 'synthetic', '--model', 'fc', '--batchnorm', '--lr', '1e39', '--epochs', '1', '--hidden', '10', '--out', out);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/; no model was saved: it is not finite \(its parameters or batchnorm statistics\)\n$/);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(fs.readdirSync(out).sort()).toEqual(['accuracy.svg', 'history.json', 'loss.svg', 'notes.txt', 'report.html']);
  const history = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8'));
  expect(history.config.batchnorm).toBe(true);
  expect(history.model.saved).toBe(false);
});

test('every numpy seed is taken, the largest too', () => {
  const r = nndl('train', '--data', 'synthetic', '--seed', '4294967295', '--epochs', '1', '--hidden', '5', '--out', path.join(root, 'seed'));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});

test('eval of a model with other classes than the data says so', () => {
  const file = path.join(root, 'twenty.safetensors');
  new TwoLayerNet({ hiddenDims: 5, numClasses: 20, dtype: 'float32', rng: 0 }).save(file);
  const r = nndl('eval', '--model', file, '--data', 'synthetic');
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`nndl: ${file} predicts 20 classes but synthetic (seed 0) has 10\n`);
});

test('a corrupt archive in the cache is an error, not a reason to train on generated data', () => {
  const cache = path.join(root, 'corrupt-cache');
  fs.mkdirSync(cache);
  fs.writeFileSync(path.join(cache, 'cifar-10-binary.tar.gz'), Buffer.alloc(5000, 7));
  const out = path.join(root, 'corrupt-run');
  const r = spawnSync(process.execPath, [BIN, 'train', '--epochs', '1', '--hidden', '5', '--out', out], {
    cwd: root, encoding: 'utf8', timeout: 120000, env: { ...process.env, NNDL_HOME: cache },
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^nndl: the cached CIFAR-10 archive is corrupt: .*cifar-10-binary\.tar\.gz: not a readable \.tar\.gz .*; delete it to download it again, or pass --data synthetic\n$/);
  expect(r.stdout).not.toMatch(/training/);
  expect(fs.readdirSync(out)).toEqual([]);
});
