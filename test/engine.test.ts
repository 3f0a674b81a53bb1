/**
 * The float32 engine: which one loads (NNDL_ENGINE), what engineInfo says,
 * that every engine built in agrees with the float64 OpenBLAS path, that
 * oneDNN's cached primitives stay right past the cache, and that setThreads
 * governs both engines in every thread.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { blasInfo, setBlasThreads } from '../lib/blas';
import { engineInfo, setThreads, type EngineName } from '../lib/engine';
import { OPENMP_SPIN, addonPath, native } from '../lib/native';

const info = engineInfo();

/** Runs a script in a fresh Node process with NNDL_ENGINE set (or unset); its stdout or the failure. */
function withEngine(engine: string | undefined, script: string): { stdout: string; status: number | null } {
  const env = { ...process.env };
  if (engine === undefined) delete env.NNDL_ENGINE;
  else env.NNDL_ENGINE = engine;
  const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  return { stdout: r.stdout.trim(), status: r.status };
}

describe('choosing the engine', () => {
  test('engineInfo names the engine, its version, ISA and threads', () => {
    expect(info.available).toContain('openblas');
    expect(info.available).toContain(info.engine);
    if (process.env.NNDL_ENGINE) expect(info.engine).toBe(process.env.NNDL_ENGINE);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof info.isa).toBe('string');
    expect(Number.isInteger(info.threads) && (info.threads as number) >= 1).toBe(true);
  });

  test('unset, the best engine built in; each engine built in when named', () => {
    const report = `console.log(require(${JSON.stringify(addonPath())}).engineInfo().engine)`;
    const best = info.available.includes('onednn') ? 'onednn' : 'openblas';
    expect(withEngine(undefined, report)).toEqual({ stdout: best, status: 0 });
    for (const engine of info.available) expect(withEngine(engine, report)).toEqual({ stdout: engine, status: 0 });
  });

  test('an unknown engine, or oneDNN in a build without it, is one clear error at load', () => {
    const load = `try { require(${JSON.stringify(addonPath())}); console.log('loaded'); } catch (e) { console.log(e.message); }`;
    expect(withEngine('mkl', load).stdout).toBe("nndl: NNDL_ENGINE must be openblas or onednn but is 'mkl'");
    if (!info.available.includes('onednn')) {
      expect(withEngine('onednn', load).stdout).toMatch(/^nndl: NNDL_ENGINE=onednn, but this build of nndl has no oneDNN: install libdnnl-dev/);
    }
  });
});

describe('OpenMP\'s wait between parallel regions', () => {
  // libgomp prints what it read from the environment when OMP_DISPLAY_ENV is set.
  const spin = (chosen: Record<string, string>) => {
    const env: Record<string, string | undefined> = { ...process.env, ...chosen, OMP_DISPLAY_ENV: 'VERBOSE' };
    for (const k of ['OMP_WAIT_POLICY', 'GOMP_SPINCOUNT']) if (!(k in chosen)) delete env[k];
    const native = JSON.stringify(path.resolve(__dirname, '..', 'dist', 'lib', 'native.js'));
    const r = spawnSync(process.execPath, ['-e', `require(${native}).native()`], { env, encoding: 'utf8' });
    return /GOMP_SPINCOUNT = '(\d+)'/.exec(r.stderr)?.[1];
  };

  test('is short unless the user chose one, set before OpenMP reads it', () => {
    if (!info.available.includes('onednn')) {
      console.log('skipped: this build has no oneDNN, so no OpenMP team');
      return;
    }
    expect(spin({})).toBe(OPENMP_SPIN);
    expect(spin({ GOMP_SPINCOUNT: '12345' })).toBe('12345');
    expect(spin({ OMP_WAIT_POLICY: 'ACTIVE' })).not.toBe(OPENMP_SPIN);
  });
});

// Run in a fresh process per engine: float32 kernels against float64 (always
// OpenBLAS) on the same values, as max |f32 - f64| / max |f64| per output.
const AGREEMENT = `
const addon = require(process.argv[1]);
const errors = {};
const fill = (len, k) => Float64Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + k) * (1 + (i % 7)));
const same = (a) => [Float32Array.from(a), Float64Array.from(Float32Array.from(a))];
const scaled = (a, b) => {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return diff / scale;
};
// One call in both precisions, on the same values; outputs (and arrays updated in place) after the inputs.
const both = (name, fn, inputs, outputs, tail) => {
  const run = (k) => {
    const ins = inputs.map((a) => same(a)[k]);
    const outs = outputs.map((a) => (k === 0 ? Float32Array.from(a) : Float64Array.from(Float32Array.from(a))));
    fn(...ins, ...outs, ...tail);
    return [...ins, ...outs];
  };
  const r32 = run(0), r64 = run(1);
  for (let i = inputs.length; i < r32.length; i++) errors[name + ' output ' + (i - inputs.length)] = scaled(r32[i], r64[i]);
};
// Below and above the size at which products go threaded (2^18 multiply-adds).
for (const [n, d, m] of [[7, 13, 5], [200, 3072, 100], [100, 100, 10]]) {
  const shape = n + 'x' + d + 'x' + m;
  const x = fill(n * d, 1), w = fill(d * m, 2).map((v) => v / Math.sqrt(d)), b = fill(m, 3), dout = fill(n * m, 4);
  both('affineForward ' + shape, addon.affineForward, [x, w, b], [new Float64Array(n * m)], [n, d, m]);
  both('affineReluForward ' + shape, addon.affineReluForward, [x, w, b], [new Float64Array(n * m)], [n, d, m]);
  both('affineBackward ' + shape, addon.affineBackward, [dout, x, w], [new Float64Array(n * d), new Float64Array(d * m), new Float64Array(m)], [n, d, m]);
  const out = fill(n * m, 5).map((v) => Math.max(v, 0));
  both('affineReluBackward ' + shape, addon.affineReluBackward, [dout, x, w, out], [new Float64Array(n * d), new Float64Array(d * m), new Float64Array(m)], [n, d, m]);
  // The fused SGD steps update w and b in place: they are outputs here.
  both('affineBackwardSgd ' + shape, (dout, x, w, b, dx) => addon.affineBackwardSgd(dout, x, w, b, dx, n, d, m, 0.1, 0.5), [dout, x], [w, b, new Float64Array(n * d)], []);
  both('affineReluBackwardSgd ' + shape, (dout, x, out, w, b, dx) => addon.affineReluBackwardSgd(dout, x, w, b, out, dx, n, d, m, 0.1, 0.5), [dout, x, out], [w, b, new Float64Array(n * d)], []);
  for (const ta of [false, true]) for (const tb of [false, true]) {
    both('gemm ' + ta + ' ' + tb + ' ' + shape, (a, b, c) => addon.gemm(ta, tb, n, m, d, 1.5, a, b, 0.5, c), [x, fill(d * m, 6)], [fill(n * m, 7)], []);
  }
}
console.log(JSON.stringify({ engine: addon.engineInfo().engine, errors }));
`;

describe.each(info.available.map((e) => [e]))('the %s engine', (engine: EngineName) => {
  test('float32 kernels agree with the float64 OpenBLAS path within 1e-5 relative', () => {
    const r = spawnSync(process.execPath, ['-e', AGREEMENT, addonPath()], { env: { ...process.env, NNDL_ENGINE: engine }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const { engine: ran, errors } = JSON.parse(r.stdout) as { engine: string; errors: Record<string, number> };
    expect(ran).toBe(engine);
    // 3 shapes x (forward 1 + 1, backward 3 + 3, fused SGD 3 + 3, gemm 4) outputs.
    expect(Object.keys(errors)).toHaveLength(54);
    const worst = Object.entries(errors).filter(([, e]) => !(e < 1e-5));
    expect(worst).toEqual([]);
  });
});

describe('the affine map past oneDNN\'s cache of shapes', () => {
  test('after more shapes than are kept, a shape used before gives the same values', () => {
    const addon = native();
    const fill = (len: number, k: number) => Float32Array.from({ length: len }, (_, i) => Math.cos(i * 0.11 + k));
    const run = (n: number) => {
      const x = fill(n * 40, n);
      const w = fill(40 * 30, 1);
      const b = fill(30, 2);
      const out = new Float32Array(n * 30);
      addon.affineForward(x, w, b, out, n, 40, 30);
      return out;
    };
    const first = run(3);
    const expected = new Float64Array(3 * 30);
    addon.affineForward(Float64Array.from(fill(3 * 40, 3)), Float64Array.from(fill(40 * 30, 1)), Float64Array.from(fill(30, 2)), expected, 3, 40, 30);
    for (let n = 4; n < 4 + 40; n++) run(n);
    const again = run(3);
    expect(Array.from(again)).toEqual(Array.from(first));
    for (let i = 0; i < expected.length; i++) expect(Math.abs(again[i] - expected[i])).toBeLessThan(1e-5 * 40);
  });
});

describe('convolutions past oneDNN\'s cache of shapes', () => {
  test('after more shapes than are kept, a shape used before gives the same values, forward and backward', () => {
    const addon = native();
    const fill = (len: number, k: number) => Float32Array.from({ length: len }, (_, i) => Math.cos(i * 0.13 + k));
    // (n, c, 6, 6) by four 3x3 filters, stride 1, pad 1; backward with dx.
    const run = (n: number, c: number) => {
      const x = fill(n * c * 36, n + c);
      const w = fill(4 * c * 9, c);
      const out = new Float32Array(n * 4 * 36);
      addon.convForward(x, w, fill(4, 1), out, n, c, 6, 6, 4, 3, 3, 1, 1);
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(w.length);
      const db = new Float32Array(4);
      addon.convBackward(fill(out.length, 2), x, w, dx, dw, db, n, c, 6, 6, 4, 3, 3, 1, 1);
      return [out, dx, dw, db].map((a) => Array.from(a));
    };
    const first = run(2, 16);
    for (let n = 3; n < 3 + 10; n++) run(n, 16);
    expect(run(2, 16)).toEqual(first);
  });
});

describe('setThreads', () => {
  const saved = info.threads ?? 1;
  afterEach(() => setThreads(saved));

  test('governs both engines, in the main thread and in worker threads', async () => {
    setThreads(1);
    expect(engineInfo().threads).toBe(1);
    expect(blasInfo().threads).toBe(1);
    const seen = await new Promise<number>((resolve, reject) => {
      const worker = new Worker(
        `const { parentPort, workerData } = require('node:worker_threads');
         parentPort.postMessage(require(workerData).engineInfo().threads);`,
        { eval: true, workerData: addonPath() },
      );
      worker.once('message', (m) => {
        resolve(m as number);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
    expect(seen).toBe(1);
    setBlasThreads(2);
    expect(engineInfo().threads).toBe(2);
    expect(blasInfo().threads).toBe(2);
  });

  test('products small enough to run on one thread leave the count engineInfo reports alone', () => {
    const addon = JSON.stringify(addonPath());
    const report = `const a = require(${addon}); console.log(a.engineInfo().threads)`;
    const smallFirst = `const a = require(${addon}); const f = () => new Float32Array(4);
      a.gemm(false, false, 2, 2, 2, 1, f(), f(), 0, f()); console.log(a.engineInfo().threads)`;
    expect(withEngine(info.engine, smallFirst)).toEqual(withEngine(info.engine, report));
  });

  test('refuses what is not a thread count, naming setThreads', () => {
    expect(() => setThreads(0)).toThrow(/^setThreads: Expected a positive integer for n but received number 0$/);
    expect(() => setThreads(1.5)).toThrow(RangeError);
    expect(() => setThreads('2' as never)).toThrow(TypeError);
    expect(() => setThreads(5000)).toThrow(/^setThreads: Expected an integer in \[1, 1024\] for n but received number 5000$/);
    expect(() => setBlasThreads(0)).toThrow(/^setThreads: /);
    expect(() => native().setThreads(5000)).toThrow(/^setThreads: n must be at most 1024 but is 5000$/);
  });
});
