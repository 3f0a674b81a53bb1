import fs from 'node:fs';
import path from 'node:path';

import { NumpyRandomState } from '../lib/random';

// A copy of ../shared/reference/numpy-reference.json (computed with numpy), kept
// in the repository so the check runs wherever the tests do.
const REFERENCE = path.join(__dirname, 'fixtures', 'numpy-reference.json');

interface Stream {
  seed: number;
  randn_7: number[];
  rand_5: number[];
  randint_0_10_size_8: number[];
  choice_49000_size_6: number[];
  choice_5_size_12: number[];
  choice_50_size_5_noreplace: number[];
  permutation_10: number[];
  normal_0_2_size_3: number[];
  randn_after_odd_count: number[];
}

const reference: Stream[] = JSON.parse(fs.readFileSync(REFERENCE, 'utf8')).numpy_random;

describe('NumpyRandomState reproduces numpy-reference.json', () => {
  test.each(reference.map((r) => [r.seed, r]))('seed %i, bit for bit', (seed, r) => {
    const g = new NumpyRandomState(seed as number);
    const s = r as Stream;
    expect(Array.from(g.randn(7).data)).toEqual(s.randn_7);
    expect(Array.from(g.rand(5).data)).toEqual(s.rand_5);
    expect(Array.from(g.randint(0, 10, 8))).toEqual(s.randint_0_10_size_8);
    expect(Array.from(g.choice(49000, 6))).toEqual(s.choice_49000_size_6);
    expect(Array.from(g.choice(5, 12))).toEqual(s.choice_5_size_12);
    expect(Array.from(g.choice(50, 5, { replace: false }))).toEqual(s.choice_50_size_5_noreplace);
    expect(Array.from(g.permutation(10))).toEqual(s.permutation_10);
    // normal(0, 2, 3) draws an odd count: the next randn starts with the cached twin.
    expect(Array.from(g.normal(0, 2, 3).data)).toEqual(s.normal_0_2_size_3);
    expect(Array.from(g.randn(3).data)).toEqual(s.randn_after_odd_count);
  });
});

describe('NumpyRandomState', () => {
  test('np.random.RandomState(0).randn(3) as printed everywhere', () => {
    expect(Array.from(new NumpyRandomState(0).randn(3).data)).toEqual([
      1.764052345967664, 0.4001572083672233, 0.9787379841057392,
    ]);
  });

  test('one draw at a time continues the same stream as a batch', () => {
    const a = new NumpyRandomState(5);
    const b = new NumpyRandomState(5);
    const batch = Array.from(a.randn(5).data);
    const single = Array.from({ length: 5 }, () => b.nextGaussian());
    expect(single).toEqual(batch);
  });

  test('seed restarts the stream and drops the cached Gaussian', () => {
    const g = new NumpyRandomState(3);
    const first = Array.from(g.randn(3).data);
    g.seed(3);
    expect(Array.from(g.randn(3).data)).toEqual(first);
  });

  test('shuffle works on plain arrays too', () => {
    const a = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    new NumpyRandomState(0).shuffle(a);
    expect(a).toEqual(Array.from(new NumpyRandomState(0).permutation(10)));
  });

  test('standardNormal in float32 rounds the float64 draws', () => {
    const d = new NumpyRandomState(9).standardNormal([4]);
    const f = new NumpyRandomState(9).standardNormal([4], 'float32');
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.data)).toEqual(Array.from(d.data, Math.fround));
  });

  test('bad arguments', () => {
    expect(() => new NumpyRandomState(-1)).toThrow(RangeError);
    expect(() => new NumpyRandomState(2 ** 32)).toThrow(/seed/);
    expect(() => new NumpyRandomState(0).randint(5, 5, 1)).toThrow(RangeError);
    expect(() => new NumpyRandomState(0).choice(5, 6, { replace: false })).toThrow(/size/);
    expect(() => new NumpyRandomState(0).randn(2, -1)).toThrow(RangeError);
    expect(() => new NumpyRandomState(0).normal(0, -1, 2)).toThrow(/scale/);
    expect(() => new NumpyRandomState(0).shuffle('abc' as never)).toThrow(TypeError);
  });
});
