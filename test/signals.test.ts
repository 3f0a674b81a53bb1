/**
 * Signals while the float32 engine runs. oneDNN 2.6's generated gemm kernels
 * point rsp into the heap while they run, so a signal taken inside one wrote
 * its frame into the heap: Ctrl-C aborted about one training run in fifty, and
 * a stream of signals within a second ("corrupted size vs. prev_size"). The
 * engine blocks asynchronous signals while its kernels run; here a child
 * process with a SIGUSR2 listener trains an MLP and a conv net through a
 * stream of SIGUSR2, and must finish with the same numbers as without them.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

import { engineInfo } from '../lib/engine';

const LIB = path.resolve(__dirname, '..', 'dist', 'lib', 'index.js');

// Trains for a fixed number of steps and prints the last losses. Node's handler takes each
// signal on whichever thread the kernel picks (then runs the JS listener once the loop is free).
const CHILD = `
process.on('SIGUSR2', () => {});
const nndl = require(${JSON.stringify(LIB)});
const { TwoLayerNet, ThreeLayerConvNet, NumpyRandomState } = nndl;
const rng = new NumpyRandomState(1);
const X = rng.standardNormal([100, 3072], 'float32');
const y = Int32Array.from({ length: 100 }, (_, i) => i % 10);
const mlp = new TwoLayerNet({ inputDim: 3072, hiddenDims: 100, numClasses: 10, dtype: 'float32', rng: 0 });
const Xc = rng.standardNormal([20, 3, 16, 16], 'float32');
const conv = new ThreeLayerConvNet({ inputDim: [3, 16, 16], numFilters: 8, filterSize: 3, hiddenDim: 20, dtype: 'float32', rng: 0 });
process.stdout.write('ready\\n');
let a = 0, b = 0;
for (let i = 0; i < +process.argv[1]; i++) {
  a = mlp.sgdStep(X, y, 1e-4);
  const [loss, grads] = conv.loss(Xc, y.subarray(0, 20));
  for (const [k, g] of Object.entries(grads)) conv.params[k].data.forEach((v, j, w) => { w[j] = v - 1e-4 * g.data[j]; });
  b = loss;
}
process.stdout.write(JSON.stringify({ a, b }) + '\\n');
`;

interface Result { a: number; b: number }

/** Runs the child for `steps` steps, sending SIGUSR2 every millisecond while it trains when `signal` is set. */
function train(steps: number, signal: boolean): Promise<{ result: Result | undefined; sent: number; code: number | null; sig: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', CHILD, String(steps)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    let sent = 0;
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', (d) => {
      stdout += d;
      if (signal && timer === undefined && stdout.startsWith('ready\n')) timer = setInterval(() => {
        child.kill('SIGUSR2');
        sent++;
      }, 1);
      // The handler goes with the process: no signal once the result is out.
      if (stdout.endsWith('}\n') && timer !== undefined) clearInterval(timer);
    });
    child.on('exit', (code, sig) => {
      if (timer !== undefined) clearInterval(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      resolve({ result: line === undefined ? undefined : (JSON.parse(line) as Result), sent, code, sig, stderr });
    });
  });
}

const info = engineInfo();
const onednn = info.available.includes('onednn') && info.engine === 'onednn';
if (!onednn) console.log(`signals.test: the float32 engine here is ${info.engine}, not oneDNN: the test of oneDNN's kernels under signals does not apply`);

(onednn ? test : test.skip)('training on oneDNN through a stream of signals neither crashes nor changes a number', async () => {
  const quiet = await train(300, false);
  const noisy = await train(300, true);
  expect({ code: noisy.code, sig: noisy.sig, stderr: noisy.stderr }).toEqual({ code: 0, sig: null, stderr: '' });
  expect(noisy.sent).toBeGreaterThan(100);
  expect([noisy.result!.a, noisy.result!.b]).toEqual([quiet.result!.a, quiet.result!.b]);
}, 180000);
