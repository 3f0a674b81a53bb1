/**
 * The addon called directly, past the TypeScript checks: every length and
 * type is checked again in C++, so bad calls throw instead of reading or
 * writing out of bounds.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

import { addonPath, native, type NativeBinding } from '../lib/native';

const addon = native();
const f64 = (n: number) => new Float64Array(n);
const f32 = (n: number) => new Float32Array(n);

// Errors made by the addon belong to Node's own realm, not to the vm context
// jest runs tests in, so they are told apart by name rather than instanceof.
type Kind = 'TypeError' | 'RangeError';
const isKind = (e: unknown, ...kinds: Kind[]) =>
  typeof e === 'object' && e !== null && kinds.includes((e as Error).name as Kind);

function thrown(call: () => unknown): Error {
  try {
    call();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to throw');
}

describe('the addon checks its arguments again', () => {
  test('argument count', () => {
    const e = thrown(() => (addon.affineForward as unknown as () => void)());
    expect(e.name).toBe('TypeError');
    expect(e.message).toBe('affineForward: expected 7 arguments but received 0');
  });

  test('lengths against the dimensions', () => {
    const e = thrown(() => addon.affineForward(f64(6), f64(6), f64(3), f64(5), 2, 3, 2));
    expect(e.name).toBe('RangeError');
    expect(e.message).toBe('affineForward: b has 3 elements but the dimensions need 2');
    expect(thrown(() => addon.reluBackward(f64(4), f64(3), f64(4))).message).toMatch(/reluBackward: x has 3 elements/);
  });

  test('dimensions are positive integers BLAS can take', () => {
    for (const bad of [0, -1, 1.5, NaN, 2 ** 31, Infinity]) {
      const e = thrown(() => addon.affineForward(f64(1), f64(1), f64(1), f64(1), bad, 1, 1));
      expect(e.name).toBe('RangeError');
      expect(e.message).toMatch(/^affineForward: n must be an integer in \[1, 2\^31\)/);
    }
    expect(thrown(() => addon.affineForward(f64(1), f64(1), f64(1), f64(1), '1' as never, 1, 1)).name).toBe('TypeError');
  });

  test('one element type per call', () => {
    const e = thrown(() => addon.affineForward(f32(6), f64(6), f64(2), f64(4), 2, 3, 2));
    expect(e.name).toBe('TypeError');
    expect(e.message).toBe('affineForward: w must be a Float32Array');
    expect(thrown(() => addon.reluForward(new Int32Array(3) as never, f64(3))).name).toBe('TypeError');
    expect(thrown(() => addon.reluForward([1, 2] as never, f64(2))).message).toMatch(/x must be a Float32Array or a Float64Array/);
  });

  test('empty arrays', () => {
    expect(thrown(() => addon.reluForward(f64(0), f64(0))).message).toBe('reluForward: x is empty');
  });

  test('labels out of range, even where the TypeScript layer was skipped', () => {
    const e = thrown(() => addon.softmaxLoss(f64(6), new Int32Array([0, 3]), f64(6), 2, 3));
    expect(e.name).toBe('RangeError');
    expect(e.message).toBe('softmaxLoss: y[1] is 3 but must be in [0, 3)');
    expect(thrown(() => addon.svmLoss(f64(6), new Int32Array([-1, 0]), f64(6), 2, 3)).name).toBe('RangeError');
    expect(thrown(() => addon.svmLoss(f64(6), [0, 1] as never, f64(6), 2, 3)).name).toBe('TypeError');
  });

  test('outputs that share memory with inputs', () => {
    const buf = f64(12);
    const x = buf.subarray(0, 6);
    const out = buf.subarray(4, 8);
    const e = thrown(() => addon.affineForward(x, f64(6), f64(2), out, 2, 3, 2));
    expect(e.name).toBe('RangeError');
    expect(e.message).toBe('affineForward: out shares memory with x');
    // dx written first would clobber x before dw reads it.
    const data = f64(6);
    expect(thrown(() => addon.affineBackward(f64(4), data, f64(6), data, f64(6), f64(2), 2, 3, 2)).message).toBe(
      'affineBackward: dx shares memory with x',
    );
    // Elementwise kernels may run exactly in place, but not shifted.
    const a = Float64Array.from([-1, 2, -3, 4]);
    addon.reluForward(a, a);
    expect(Array.from(a)).toEqual([0, 2, 0, 4]);
    const s = f64(5);
    expect(thrown(() => addon.reluForward(s.subarray(0, 4), s.subarray(1, 5))).name).toBe('RangeError');
  });

  test('typed arrays with a byte offset are read where they start', () => {
    const buf = Float64Array.from([9, 9, -1, 2, 9]);
    const out = f64(2);
    addon.reluForward(buf.subarray(2, 4), out);
    expect(Array.from(out)).toEqual([0, 2]);
  });

  test('a generator state that would loop forever is refused', () => {
    const e = thrown(() => addon.randomGauss(new Uint32Array(625), f64(2), f64(1)));
    expect(e.name).toBe('RangeError');
    expect(e.message).toBe('randomGauss: state is all zero: seed it first');
    const state = new Uint32Array(625);
    state[624] = 625;
    expect(thrown(() => addon.randomUniform(state, f64(1))).message).toMatch(/position is past the key/);
  });

  test('valid calls with random arguments swapped in never crash the process', () => {
    const seeded = () => {
      const state = new Uint32Array(625);
      addon.randomSeed(state, 1);
      return state;
    };
    const valid: Record<keyof NativeBinding, () => unknown[]> = {
      affineForward: () => [f64(6), f64(6), f64(2), f64(4), 2, 3, 2],
      affineBackward: () => [f64(4), f64(6), f64(6), f64(6), f64(6), f64(2), 2, 3, 2],
      affineReluForward: () => [f64(6), f64(6), f64(2), f64(4), 2, 3, 2],
      affineReluBackward: () => [f64(4), f64(6), f64(6), f64(4), f64(6), f64(6), f64(2), 2, 3, 2],
      affineBackwardSgd: () => [f64(4), f64(6), f64(6), f64(2), f64(6), 2, 3, 2, 0.1, 0.01],
      affineReluBackwardSgd: () => [f64(4), f64(6), f64(6), f64(2), f64(4), f64(6), 2, 3, 2, 0.1, 0.01],
      adviseHugePages: () => [f64(4)],
      reluForward: () => [f64(4), f64(4)],
      reluBackward: () => [f64(4), f64(4), f64(4)],
      leakyReluForward: () => [f64(4), f64(4), 0.1],
      leakyReluBackward: () => [f64(4), f64(4), f64(4), 0.1],
      sigmoidForward: () => [f64(4), f64(4)],
      sigmoidBackward: () => [f64(4), f64(4), f64(4)],
      tanhForward: () => [f64(4), f64(4)],
      tanhBackward: () => [f64(4), f64(4), f64(4)],
      softmaxLoss: () => [f64(6), new Int32Array([0, 2]), f64(6), 2, 3],
      svmLoss: () => [f64(6), new Int32Array([0, 2]), f64(6), 2, 3],
      randomSeed: () => [new Uint32Array(625), 7],
      randomUniform: () => [seeded(), f64(3)],
      randomGauss: () => [seeded(), f64(2), f64(3)],
      randomBounded: () => [seeded(), new Int32Array(3), 0, 9],
      randomSwaps: () => [seeded(), new Int32Array(3)],
      gemm: () => [false, true, 2, 2, 3, 1, f64(6), f64(6), 0, f64(4)],
      sgd: () => [f64(4), f64(4), f64(4), 0.1],
      sgdMomentum: () => [f64(4), f64(4), f64(4), f64(4), 0.1, 0.9],
      rmsprop: () => [f64(4), f64(4), f64(4), f64(4), 0.1, 0.99, 1e-8],
      adam: () => [f64(4), f64(4), f64(4), f64(4), f64(4), 0.1, 0.9, 0.999, 1e-8, 1],
      batchnormForwardTrain: () => [f64(6), f64(3), f64(3), f64(3), f64(3), f64(6), f64(6), f64(3), 2, 3, 1e-5, 0.9],
      batchnormForwardTest: () => [f64(6), f64(3), f64(3), f64(3), Float64Array.from([1, 1, 1]), f64(6), 2, 3, 1e-5],
      batchnormBackward: () => [f64(6), f64(6), f64(3), f64(3), f64(6), f64(3), f64(3), 2, 3],
      dropoutForward: () => [seeded(), f64(4), f64(4), f64(4), 0.5],
      dropoutBackward: () => [f64(4), f64(4), f64(4)],
      sumSquares: () => [f64(4)],
      axpy: () => [0.5, f64(4), f64(4)],
      columnSums: () => [f64(6), f64(3), 2, 3],
      subtractRowVector: () => [f64(6), f64(3), 2, 3],
      gatherRows: () => [f64(6), new Int32Array([1, 0, 1]), f32(9), 3],
      gatherByteRows: () => [new Uint8Array(6), new Int32Array([1, 0, 1]), f64(3), f32(9), 3],
      blasInfo: () => [],
      engineInfo: () => [],
      cholesky: () => [Float64Array.from([4, 2, 2, 3]), 2],
      choleskySolve: () => [Float64Array.from([2, 0, 1, 1.5]), f64(4), 2, 2],
      symmetricEigen: () => [Float64Array.from([2, 1, 1, 2]), f64(2), 2],
      setThreads: () => [2],
      pixelMean: () => [new Uint8Array(12), 1, 2, 2, 2, true, f64(4)],
      pixelsToFloat: () => [new Uint8Array(12), 0, 3, 2, 2, false, f64(4), f32(12)],
    };
    expect(Object.keys(valid).sort()).toEqual(Object.keys(addon).sort());
    const threads = addon.blasInfo().threads ?? 1;
    const shared = f64(8);
    const pool: unknown[] = [
      0, 1, 2, 3, 4, 6, -1, 1.5, 2 ** 31, 2 ** 40, NaN, Infinity, true, null, undefined, 'a', {}, [1], 2n,
      f64(0), f64(1), f64(2), f64(3), f64(4), f64(6), f64(9), f32(2), f32(4), f32(6),
      shared.subarray(0, 4), shared.subarray(2, 6), shared, new Int32Array([0, 1]), new Int32Array([5, -7]),
      new Uint8Array(6), new DataView(new ArrayBuffer(8)), new Uint32Array(625), Uint32Array.from({ length: 625 }, () => 9999),
    ];
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    for (const [name, make] of Object.entries(valid)) {
      const fn = (addon as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
      expect(() => fn(...make())).not.toThrow();
      for (let trial = 0; trial < 2000; trial++) {
        const args = make();
        if (args.length === 0) args.push(pool[next() % pool.length]);
        for (let k = 1 + (next() % 3); k > 0; k--) args[next() % args.length] = pool[next() % pool.length];
        if (next() % 20 === 0) args.length = next() % args.length;
        try {
          fn(...args);
        } catch (e) {
          if (!isKind(e, 'TypeError', 'RangeError')) throw new Error(`${name} threw ${String(e)}`);
        }
      }
    }
    addon.setThreads(threads);
  });
});

describe('loading', () => {
  test('an NNDL_ADDON that does not exist is named', () => {
    const saved = process.env.NNDL_ADDON;
    process.env.NNDL_ADDON = '/nonexistent/nndl.node';
    try {
      jest.isolateModules(() => {
        const fresh = require('../lib/native') as { native: () => NativeBinding };
        expect(() => fresh.native()).toThrow('nndl: the native addon /nonexistent/nndl.node does not exist (NNDL_ADDON names it)');
      });
    } finally {
      if (saved === undefined) delete process.env.NNDL_ADDON;
      else process.env.NNDL_ADDON = saved;
    }
  });

  test('the addon path is the package build unless NNDL_ADDON names another', () => {
    expect(addonPath()).toMatch(process.env.NNDL_ADDON ? process.env.NNDL_ADDON : /build[/\\]Release[/\\]nndl\.node$/);
  });
});

describe('OPENBLAS_CORETYPE', () => {
  const avx512 = fs.existsSync('/proc/cpuinfo') && /\bavx512f\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));

  test('kernels this processor cannot run are refused at load, not met with an illegal instruction', () => {
    if (avx512 || process.arch !== 'x64' || !fs.existsSync('/proc/cpuinfo')) {
      console.log('skipped: this processor runs SkylakeX kernels (or is not x86-64 Linux), so nothing is refused');
      return;
    }
    const script = `try { require(${JSON.stringify(addonPath())}); console.log('loaded'); } catch (e) { console.log(e.message); }`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, OPENBLAS_CORETYPE: 'SkylakeX' }, encoding: 'utf8' });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^nndl: OpenBLAS is set to run its SkylakeX kernels \(OPENBLAS_CORETYPE\), which need avx512f/);
  });
});
