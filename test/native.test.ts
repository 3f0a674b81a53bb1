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

  test('convolution shapes: exact output sizes, no overflowing products, pad >= 0', () => {
    // x (1, 1, 3, 3), w (1, 1, 2, 2): out (1, 1, 2, 2).
    const conv = (...dims: number[]) => () =>
      addon.convForward(f64(9), f64(4), f64(1), f64(4), ...(dims as [number, number, number, number, number, number, number, number, number]));
    expect(conv(1, 1, 3, 3, 1, 2, 2, 1, 0)).not.toThrow();
    expect(thrown(conv(1, 1, 3, 3, 1, 2, 2, 2, 0)).message).toBe(
      'convForward: h + 2 pad - hh = 1 is not a multiple of the stride 2',
    );
    expect(thrown(conv(1, 1, 3, 3, 1, 4, 2, 1, 0)).message).toBe('convForward: hh = 4 is larger than h + 2 pad = 3');
    for (const pad of [-1, 0.5, 2 ** 31]) {
      const e = thrown(conv(1, 1, 3, 3, 1, 2, 2, 1, pad));
      expect(e.name).toBe('RangeError');
      expect(e.message).toMatch(/^convForward: pad must be an integer in \[0, 2\^31\) but is/);
    }
    // n c h w = 2^62 2^20 wraps a 64-bit size: refused before any length is compared.
    expect(thrown(conv(2 ** 31 - 1, 2 ** 31 - 1, 1024, 1024, 1, 1, 1, 1, 0)).message).toBe('convForward: n c h w is too large');
    expect(thrown(conv(1, 1, 65536, 65536, 1, 1, 1, 1, 0)).message).toBe(
      'convForward: ho wo is 4294967296 but must be at most 2147483647',
    );
    expect(thrown(conv(1, 1, 3, 3, 1, 2, 2, 1, 1)).message).toBe('convForward: out has 4 elements but the dimensions need 16');
    const data = f64(9);
    expect(thrown(() => addon.convBackward(f64(4), data, f64(4), data, f64(4), f64(1), 1, 1, 3, 3, 1, 2, 2, 1, 0)).message).toBe(
      'convBackward: dx shares memory with x',
    );
  });

  test('max pooling: exact output sizes, argmax offsets checked where they are used', () => {
    // x (1, 2, 4, 4) pooled 2x2 by 2: out and argmax (1, 2, 2, 2).
    const x = Float64Array.from({ length: 32 }, (_, i) => (i * 7) % 11);
    const out = f64(8);
    const argmax = new Int32Array(8);
    addon.maxPoolForward(x, out, argmax, 1, 2, 4, 4, 2, 2, 2);
    expect(Array.from(argmax).every((k) => k >= 0 && k < 16)).toBe(true);
    expect(thrown(() => addon.maxPoolForward(x, out, argmax, 1, 2, 4, 4, 3, 2, 2)).message).toBe(
      'maxPoolForward: h - poolHeight = 1 is not a multiple of the stride 2',
    );
    expect(thrown(() => addon.maxPoolForward(x, out, argmax, 1, 2, 4, 4, 5, 2, 2)).message).toBe(
      'maxPoolForward: poolHeight = 5 is larger than h = 4',
    );
    // Offsets past the plane, or negative, are refused rather than written through.
    for (const bad of [16, -1, 2 ** 31 - 1]) {
      const tampered = argmax.slice();
      tampered[5] = bad;
      const e = thrown(() => addon.maxPoolBackward(f64(8), tampered, f64(32), 1, 2, 4, 4, 2, 2, 2));
      expect(e.name).toBe('RangeError');
      expect(e.message).toBe('maxPoolBackward: argmax holds an offset outside its 4x4 plane');
    }
    // Arrays of different element types are compared by their bytes.
    const bytes = new ArrayBuffer(8 * 8 + 8 * 4);
    expect(thrown(() => addon.maxPoolForward(x, new Float64Array(bytes, 0, 8), new Int32Array(bytes, 60, 8), 1, 2, 4, 4, 2, 2, 2)).message).toBe(
      'maxPoolForward: out shares memory with argmax',
    );
    expect(() => addon.maxPoolForward(x, new Float64Array(bytes, 0, 8), new Int32Array(bytes, 64, 8), 1, 2, 4, 4, 2, 2, 2)).not.toThrow();
  });

  test('conv-ReLU-pool: the pool checked against the convolution output, argmax checked where it is used', () => {
    // x (1, 1, 4, 4), w (2, 1, 3, 3), pad 1: conv (1, 2, 4, 4), pooled 2x2 by 2 to (1, 2, 2, 2).
    const x = Float64Array.from({ length: 16 }, (_, i) => Math.sin(i));
    const w = Float64Array.from({ length: 18 }, (_, i) => Math.cos(i));
    const out = f64(8);
    const argmax = new Int32Array(8);
    addon.convReluPoolForward(x, w, f64(2), out, argmax, 1, 1, 4, 4, 2, 3, 3, 1, 1, 2, 2, 2);
    expect(thrown(() => addon.convReluPoolForward(x, w, f64(2), out, argmax, 1, 1, 4, 4, 2, 3, 3, 1, 1, 3, 3, 2)).message).toBe(
      'convReluPoolForward: ho - poolHeight = 1 is not a multiple of the stride 2',
    );
    const backward = (a: Int32Array) => () =>
      addon.convReluPoolBackward(f64(8).fill(1), x, w, Float64Array.from({ length: 8 }, () => 1), a, f64(16), f64(18), f64(2),
        1, 1, 4, 4, 2, 3, 3, 1, 1, 2, 2, 2);
    expect(backward(argmax)).not.toThrow();
    const tampered = argmax.slice();
    tampered[7] = 16;
    expect(thrown(backward(tampered)).message).toBe('convReluPoolBackward: argmax holds an offset outside its 4x4 plane');
    const bytes = new ArrayBuffer(8 * 8 + 16 * 8);
    expect(thrown(() => addon.convReluPoolForward(new Float64Array(bytes, 64, 16), w, f64(2), out, new Int32Array(bytes, 96, 8),
      1, 1, 4, 4, 2, 3, 3, 1, 1, 2, 2, 2)).message).toBe('convReluPoolForward: argmax shares memory with x');
  });

  test('spatial batchnorm: train mode keeps x for backward, so out may not be x', () => {
    const x = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const run = (out: Float64Array) => () =>
      addon.spatialBatchnormForwardTrain(x, f64(3), f64(3), f64(3), f64(3), out, f64(3), f64(3), 1, 3, 2, 1e-5, 0.9);
    expect(thrown(run(x)).message).toBe('spatialBatchnormForwardTrain: out shares memory with x');
    expect(run(f64(6))).not.toThrow();
    expect(() => addon.spatialBatchnormForwardTest(x, f64(3), f64(3), f64(3), f64(3), x, 1, 3, 2, 1e-5)).not.toThrow();
    expect(thrown(() => addon.spatialBatchnormBackward(f64(6), f64(6), f64(3), f64(3), f64(3), f64(6), f64(3), f64(3), 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1)).message).toBe(
      'spatialBatchnormBackward: n c hw is too large',
    );
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
      gatherRowsAugmented: () => [f64(8), new Int32Array([1, 0]), f32(8), 1, 2, 2, 1, new Int32Array([0, 2, 1, 1]), new Uint8Array([1, 0])],
      gatherByteRowsAugmented: () => [
        new Uint8Array(8), new Int32Array([1, 0]), f64(4), f32(8), 1, 2, 2, 1, new Int32Array([0, 2, 1, 1]), new Uint8Array([1, 0]),
      ],
      blasInfo: () => [],
      cholesky: () => [Float64Array.from([4, 2, 2, 3]), 2],
      choleskySolve: () => [Float64Array.from([2, 0, 1, 1.5]), f64(4), 2, 2],
      symmetricEigen: () => [Float64Array.from([2, 1, 1, 2]), f64(2), 2],
      setBlasThreads: () => [2],
      pixelMean: () => [new Uint8Array(12), 1, 2, 2, 2, true, f64(4)],
      pixelsToFloat: () => [new Uint8Array(12), 0, 3, 2, 2, false, f64(4), f32(12)],
      convForward: () => [f64(9), f64(4), f64(1), f64(4), 1, 1, 3, 3, 1, 2, 2, 1, 0],
      convBackward: () => [f64(4), f64(9), f64(4), f64(9), f64(4), f64(1), 1, 1, 3, 3, 1, 2, 2, 1, 0],
      convReluForward: () => [f64(9), f64(4), f64(1), f64(4), 1, 1, 3, 3, 1, 2, 2, 1, 0],
      convReluBackward: () => [f64(4), f64(9), f64(4), f64(4), f64(9), f64(4), f64(1), 1, 1, 3, 3, 1, 2, 2, 1, 0],
      convReluPoolForward: () => [f64(9), f64(4), f64(1), f64(1), new Int32Array(1), 1, 1, 3, 3, 1, 2, 2, 1, 0, 2, 2, 2],
      convReluPoolBackward: () => [
        f64(1), f64(9), f64(4), Float64Array.from([1]), new Int32Array([3]), f64(9), f64(4), f64(1), 1, 1, 3, 3, 1, 2, 2, 1, 0, 2, 2, 2,
      ],
      maxPoolForward: () => [f64(4), f64(1), new Int32Array(1), 1, 1, 2, 2, 2, 2, 2],
      maxPoolBackward: () => [f64(1), new Int32Array([3]), f64(4), 1, 1, 2, 2, 2, 2, 2],
      spatialBatchnormForwardTrain: () => [f64(6), f64(3), f64(3), f64(3), f64(3), f64(6), f64(3), f64(3), 1, 3, 2, 1e-5, 0.9],
      spatialBatchnormForwardTest: () => [f64(6), f64(3), f64(3), f64(3), Float64Array.from([1, 1, 1]), f64(6), 1, 3, 2, 1e-5],
      spatialBatchnormBackward: () => [f64(6), f64(6), f64(3), f64(3), f64(3), f64(6), f64(3), f64(3), 1, 3, 2],
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
    addon.setBlasThreads(threads);
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
