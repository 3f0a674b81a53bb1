import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { getCifar10Data, getCifar10Pixels, loadCifar10, type Cifar10, type Cifar10Data } from '../lib/data/cifar10';
import {
  binaryRecords, fixtureSet, packRelease, pythonBatch, writeRelease, type FixtureSet, type Layout,
} from './cifar-fixtures';

const SHARED = path.resolve(__dirname, '..', '..', 'shared', 'datasets', 'cifar-10-binary.tar.gz');

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-cifar-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function fresh(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function expectSet(d: Cifar10, set: FixtureSet): void {
  const n = set.train.reduce((s, b) => s + b.labels.length, 0);
  expect(d.XTrain.shape).toEqual([n, 3, 32, 32]);
  expect(d.XTest.shape).toEqual([set.test.labels.length, 3, 32, 32]);
  expect(Buffer.compare(Buffer.from(d.XTrain.data), Buffer.concat(set.train.map((b) => Buffer.from(b.pixels))))).toBe(0);
  expect(Array.from(d.yTrain)).toEqual(set.train.flatMap((b) => Array.from(b.labels)));
  expect(Buffer.compare(Buffer.from(d.XTest.data), Buffer.from(set.test.pixels))).toBe(0);
  expect(Array.from(d.yTest)).toEqual(Array.from(set.test.labels));
  expect(d.classNames).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
}

describe('every layout loads to the same arrays', () => {
  // Uneven batches, so misplaced batches or records would show.
  const set = fixtureSet(7, [60, 45, 50, 30, 55], 40);
  const layouts: Layout[] = ['bin', 'py2', 'py4', 'py5'];

  test.each(layouts)('%s: the directory holding the release, and the release directory itself', async (layout) => {
    const dir = fresh(`dir-${layout}`);
    const release = writeRelease(dir, set, layout);
    expectSet(await loadCifar10(dir), set);
    expectSet(await loadCifar10(release), set);
  });

  test.each(layouts)('%s: the .tar.gz archive, streamed', async (layout) => {
    const dir = fresh(`tar-${layout}`);
    const release = writeRelease(dir, set, layout);
    const archive = await packRelease(release, path.join(dir, layout === 'bin' ? 'cifar-10-binary.tar.gz' : 'cifar-10-python.tar.gz'));
    fs.rmSync(release, { recursive: true });
    expectSet(await loadCifar10(archive), set);
  });

  test('batches out of order in an archive land in batch order', async () => {
    const dir = fresh('order');
    const release = writeRelease(dir, set, 'bin');
    // Recreate the files so the archive lists data_batch_5 first.
    const names = fs.readdirSync(release).sort().reverse();
    const { create } = await import('tar');
    const archive = path.join(dir, 'reversed.tar.gz');
    await create({ gzip: true, file: archive, cwd: dir, portable: true }, names.map((n) => `cifar-10-batches-bin/${n}`));
    expectSet(await loadCifar10(archive), set);
  });
});

describe('getCifar10Data', () => {
  const set = fixtureSet(3, [20, 20, 20, 20, 20], 15);
  let data: Cifar10;
  beforeAll(async () => {
    data = await loadCifar10(writeRelease(fresh('split'), set, 'bin'));
  });

  test('the reference split, mean subtraction, nchw float32', async () => {
    const d = await getCifar10Data({ data, numTraining: 80, numValidation: 15, numTest: 10 });
    expect(d.XTrain.shape).toEqual([80, 3, 32, 32]);
    expect(d.XTrain.dtype).toBe('float32');
    expect(d.XVal.shape).toEqual([15, 3, 32, 32]);
    expect(d.XTest.shape).toEqual([10, 3, 32, 32]);
    expect(Array.from(d.yVal)).toEqual(Array.from(data.yTrain.subarray(80, 95)));
    expect(d.yTrain).toBeInstanceOf(Int32Array);
    // Mean image of the training rows only.
    for (const k of [0, 1234, 3071]) {
      let sum = 0;
      for (let i = 0; i < 80; i++) sum += data.XTrain.data[i * 3072 + k];
      expect(d.meanImage!.data[k]).toBeCloseTo(sum / 80, 12);
      expect(d.XVal.data[5 * 3072 + k]).toBe(Math.fround(data.XTrain.data[85 * 3072 + k] - sum / 80));
      expect(d.XTest.data[2 * 3072 + k]).toBe(Math.fround(data.XTest.data[2 * 3072 + k] - sum / 80));
    }
  });

  test("rows layout: (N, 3072) in (height, width, channel) order, as the two-layer notebook's", async () => {
    const d = await getCifar10Data({ data, numTraining: 90, numValidation: 10, numTest: 5, layout: 'rows', dtype: 'float64', subtractMean: false });
    expect(d.XTrain.shape).toEqual([90, 3072]);
    expect(d.XTrain.dtype).toBe('float64');
    expect(d.meanImage).toBeNull();
    const [c, h, w] = [2, 7, 19];
    expect(d.XTrain.data[4 * 3072 + (h * 32 + w) * 3 + c]).toBe(data.XTrain.data[4 * 3072 + c * 1024 + h * 32 + w]);
  });

  test('getCifar10Pixels: the same split as byte views of the loaded data, with the same mean', async () => {
    const p = await getCifar10Pixels({ data, numTraining: 80, numValidation: 15, numTest: 10 });
    const f = await getCifar10Data({ data, numTraining: 80, numValidation: 15, numTest: 10, dtype: 'float64' });
    expect(p.XVal.data.buffer).toBe(data.XTrain.data.buffer);
    expect(p.XVal.shape).toEqual([15, 3, 32, 32]);
    expect(Array.from(p.meanImage!)).toEqual(Array.from(f.meanImage!.data));
    expect(p.XVal.data[3 * 3072 + 7] - p.meanImage![7]).toBe(f.XVal.data[3 * 3072 + 7]);
    expect(p.XVal.mean).toBe(p.meanImage);
    expect(Array.from(p.yTest)).toEqual(Array.from(f.yTest));
  });

  /** Every array and label of two splits, equal bit for bit. */
  function expectSameSplit(a: Cifar10Data, b: Cifar10Data): void {
    for (const k of ['XTrain', 'XVal', 'XTest'] as const) {
      expect(a[k].shape).toEqual(b[k].shape);
      expect(a[k].dtype).toBe(b[k].dtype);
      expect(Buffer.compare(Buffer.from(a[k].data.buffer, a[k].data.byteOffset, a[k].data.byteLength),
        Buffer.from(b[k].data.buffer, b[k].data.byteOffset, b[k].data.byteLength))).toBe(0);
    }
    for (const k of ['yTrain', 'yVal', 'yTest'] as const) expect(Array.from(a[k])).toEqual(Array.from(b[k]));
    expect(a.meanImage === null ? null : Array.from(a.meanImage.data)).toEqual(b.meanImage === null ? null : Array.from(b.meanImage.data));
    expect(a.classNames).toEqual(b.classNames);
  }

  test.each([
    ['bin', 'nchw', 'float32', true],
    ['bin', 'rows', 'float64', true],
    ['bin', 'nchw', 'float64', false],
    ['py4', 'rows', 'float32', true],
  ] as const)('streamed from a %s archive (%s, %s, mean %s): bit for bit the split of the loaded bytes', async (format, layout, dtype, subtractMean) => {
    const dir = fresh(`stream-${format}-${layout}-${dtype}`);
    const release = writeRelease(dir, set, format);
    // Listed in reverse, so later batches arrive before the first.
    const names = fs.readdirSync(release).sort().reverse();
    const { create } = await import('tar');
    const archive = path.join(dir, 'reversed.tar.gz');
    await create({ gzip: true, file: archive, cwd: dir, portable: true }, names.map((n) => `${path.basename(release)}/${n}`));
    const options = { numTraining: 70, numValidation: 20, numTest: 12, layout, dtype, subtractMean } as const;
    const loaded = await loadCifar10(archive);
    expectSameSplit(await getCifar10Data({ source: archive, ...options }), await getCifar10Data({ data: loaded, ...options }));
  });

  test('binary batches of different sizes are loaded as bytes first, to the same split', async () => {
    const uneven = fixtureSet(9, [30, 25, 30, 20, 30], 12);
    const release = writeRelease(fresh('uneven'), uneven, 'bin');
    const options = { numTraining: 100, numValidation: 30, numTest: 12 };
    expectSameSplit(await getCifar10Data({ source: release, ...options }), await getCifar10Data({ data: await loadCifar10(release), ...options }));
  });

  test('sizes beyond the data are refused', async () => {
    await expect(getCifar10Data({ data, numTraining: 95, numValidation: 10 })).rejects.toThrow(
      /numTraining \+ numValidation is 105 but the training set has 100 images/,
    );
    await expect(getCifar10Data({ data, numTraining: 10, numValidation: 0, numTest: 16 })).rejects.toThrow(/numTest is 16 but the test set has 15/);
    await expect(getCifar10Data({ data, layout: 'nhwc' as never })).rejects.toThrow(/options\.layout/);
  });
});

describe('bad input names the file', () => {
  const set = fixtureSet(5, [10, 10, 10, 10, 10], 10);

  test('a record count that is not a multiple of 3,073 bytes (a truncated batch)', async () => {
    const release = writeRelease(fresh('trunc'), set, 'bin');
    const file = path.join(release, 'data_batch_2.bin');
    fs.truncateSync(file, 3073 * 10 - 100);
    await expect(loadCifar10(release)).rejects.toThrow(`${file}: 30630 bytes is not a whole number of 3073-byte records`);
  });

  test('a label outside 0-9, with its record and byte offset', async () => {
    const release = writeRelease(fresh('label'), set, 'bin');
    const file = path.join(release, 'data_batch_3.bin');
    const bytes = fs.readFileSync(file);
    bytes[3073 * 4] = 10;
    fs.writeFileSync(file, bytes);
    await expect(loadCifar10(release)).rejects.toThrow(`${file}: record 4 (byte 12292) has label 10, expected 0 to 9`);
  });

  test('a missing batch file', async () => {
    const release = writeRelease(fresh('missing'), set, 'py2');
    fs.rmSync(path.join(release, 'data_batch_4'));
    await expect(loadCifar10(release)).rejects.toThrow(`${release}: missing data_batch_4`);
    const dir = fresh('missing-tar');
    const bin = writeRelease(dir, set, 'bin');
    fs.rmSync(path.join(bin, 'test_batch.bin'));
    const archive = await packRelease(bin, path.join(dir, 'a.tar.gz'));
    await expect(loadCifar10(archive)).rejects.toThrow(`${archive}: missing test_batch.bin`);
  });

  test('every missing batch is named at once', async () => {
    const release = writeRelease(fresh('missing-all'), set, 'bin');
    for (const name of ['data_batch_2.bin', 'data_batch_5.bin', 'test_batch.bin']) fs.rmSync(path.join(release, name));
    await expect(loadCifar10(release)).rejects.toThrow(`${release}: missing data_batch_2.bin, data_batch_5.bin, test_batch.bin`);
  });

  test('a batch held twice is refused, whichever path reads it: bytes, the streamed split, Python batches', async () => {
    const { create } = await import('tar');
    for (const layout of ['bin', 'py2'] as const) {
      const dir = fresh(`twice-${layout}`);
      const release = writeRelease(dir, set, layout);
      const names = fs.readdirSync(release).sort();
      const twice = layout === 'bin' ? 'data_batch_3.bin' : 'data_batch_3';
      // A second copy under another parent directory, as an archive of two releases would hold it.
      fs.mkdirSync(path.join(dir, 'again', path.basename(release)), { recursive: true });
      fs.copyFileSync(path.join(release, twice), path.join(dir, 'again', path.basename(release), twice));
      const archive = path.join(dir, 'twice.tar.gz');
      await create({ gzip: true, file: archive, cwd: dir, portable: true },
        [...names.map((n) => `${path.basename(release)}/${n}`), `again/${path.basename(release)}/${twice}`]);
      const message = `${archive}: holds ${twice} twice (${archive}:${path.basename(release)}/${twice} and ${archive}:again/${path.basename(release)}/${twice})`;
      await expect(loadCifar10(archive)).rejects.toThrow(message);
      await expect(getCifar10Data({ source: archive, numTraining: 40, numValidation: 10, numTest: 10 })).rejects.toThrow(message);
    }
  });

  test('a corrupt gzip stream', async () => {
    const dir = fresh('corrupt');
    const archive = await packRelease(writeRelease(dir, set, 'bin'), path.join(dir, 'c.tar.gz'));
    const bytes = fs.readFileSync(archive);
    for (let i = 200; i < 400; i++) bytes[i] ^= 0x5a;
    fs.writeFileSync(archive, bytes);
    await expect(loadCifar10(archive)).rejects.toThrow(new RegExp(`^${archive.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable \\.tar\\.gz`));
    const cut = path.join(dir, 'cut.tar.gz');
    fs.writeFileSync(cut, bytes.subarray(0, 1000));
    await expect(loadCifar10(cut)).rejects.toThrow(/cut\.tar\.gz: not a readable \.tar\.gz/);
  });

  test('an archive of something else, or not an archive', async () => {
    const dir = fresh('other');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    const { create } = await import('tar');
    const file = path.join(dir, 'other.tar.gz');
    await create({ gzip: true, file, cwd: dir }, ['notes.txt']);
    await expect(loadCifar10(file)).rejects.toThrow(/holds no cifar-10-batches-bin\/ or cifar-10-batches-py\/ directory/);
    const zeros = path.join(dir, 'zeros.tar.gz');
    fs.writeFileSync(zeros, zlib.gzipSync(Buffer.alloc(2048, 1)));
    await expect(loadCifar10(zeros)).rejects.toThrow(/zeros\.tar\.gz: not a readable \.tar\.gz/);
  });

  test('a pickle with an unexpected layout', async () => {
    const release = writeRelease(fresh('layout'), set, 'py4');
    const file = path.join(release, 'data_batch_1');
    // The labels of another batch size: 10 images, 9 labels.
    fs.writeFileSync(file, pythonBatch({ pixels: set.train[0].pixels, labels: set.train[0].labels.subarray(0, 9) }, 4));
    await expect(loadCifar10(release)).rejects.toThrow(`${file}: 'labels' is not a list of 10 labels, one per image`);
    fs.writeFileSync(file, Buffer.from([0x80, 0x04, 0x4e, 0x2e]));
    await expect(loadCifar10(release)).rejects.toThrow(`${file}: the pickle holds no dict`);
  });

  test('a source that does not exist, or holds no release', async () => {
    await expect(loadCifar10(path.join(root, 'nope'))).rejects.toThrow(/loadCifar10: .*nope does not exist/);
    await expect(loadCifar10(fresh('empty'))).rejects.toThrow(/holds neither cifar-10-batches-py\/ nor cifar-10-batches-bin\//);
    await expect(loadCifar10(42 as never)).rejects.toThrow(TypeError);
  });

  test('binary records of the fixture are what the README describes', () => {
    const records = binaryRecords({ pixels: new Uint8Array(3072).fill(7), labels: Uint8Array.from([4]) });
    expect(records.length).toBe(3073);
    expect(records[0]).toBe(4);
    expect(records[3072]).toBe(7);
  });
});

const haveShared = fs.existsSync(SHARED);
if (!haveShared) console.log(`skipping the full CIFAR-10 check: ${SHARED} is absent (see its README)`);

(haveShared ? describe : describe.skip)('the full CIFAR-10 archive beside the checkout', () => {
  test('md5, counts, label balance', async () => {
    const md5 = await new Promise<string>((resolve, reject) => {
      const hash = createHash('md5');
      fs.createReadStream(SHARED).on('data', (c) => hash.update(c)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
    });
    expect(md5).toBe('0c7fba8bf2057a1fd0c5f76503728683');
    const d = await loadCifar10(SHARED);
    expect(d.XTrain.shape).toEqual([50000, 3, 32, 32]);
    expect(d.XTest.shape).toEqual([10000, 3, 32, 32]);
    const counts = new Array(10).fill(0);
    for (const label of d.yTrain) counts[label]++;
    expect(counts).toEqual(new Array(10).fill(5000));
  }, 60000);
});
