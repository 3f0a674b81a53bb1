/**
 * Huge pages are asked for where data sets are built (the CIFAR-10 loaders'
 * arrays, a sweep's shared copy of the data), not for every large tensor.
 * What the kernel was asked shows in /proc/self/smaps: the "hg" flag of a
 * mapping (madvise MADV_HUGEPAGE).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { shareData } from '../lib/cli/sweep/shared-data';
import { getCifar10Data, loadCifar10 } from '../lib/data/cifar10';
import { native } from '../lib/native';
import { Tensor, empty, sharedZeros, zeros } from '../lib/tensor';

/** This process's mappings advised for huge pages, as "start-end" ranges with their sizes in KiB. */
function advised(): Map<string, number> {
  const found = new Map<string, number>();
  for (const block of fs.readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const lines = block.split('\n');
    const flags = lines.find((l) => l.startsWith('VmFlags:'))?.split(/\s+/) ?? [];
    const size = Number(lines.find((l) => l.startsWith('Size:'))?.split(/\s+/)[1]);
    if (flags.includes('hg')) found.set(lines[0].split(' ')[0], size);
  }
  return found;
}

/**
 * The largest advised mapping that is not one of `before` (a new one, or an
 * old one grown by a neighbour), in KiB. V8 advises some of its own heap
 * (32 MiB regions here), so the arrays below are larger than that.
 */
function newlyAdvisedKib(before: Map<string, number>): number {
  let largest = 0;
  for (const [range, size] of advised()) if (before.get(range) !== size) largest = Math.max(largest, size);
  return largest;
}

// Kept alive to the end, so no mapping counted here is unmapped meanwhile.
const probe = new Float64Array(2 ** 22);
const kept: unknown[] = [];
const supported = process.platform === 'linux' && native().adviseHugePages(probe);
const maybe = supported ? test : test.skip;
if (!supported) console.log('skipped: this kernel does not take huge-page advice (no transparent huge pages)');

const MIB = 1024;

maybe('large tensors made by zeros, empty and sharedZeros are not advised', () => {
  const before = advised();
  const n = 12 * 2 ** 20;
  kept.push(zeros([n]), empty([n]), sharedZeros([n]));
  // 96 MiB each.
  expect(newlyAdvisedKib(before)).toBeLessThan(64 * MIB);
});

maybe("the CIFAR-10 loaders' arrays are advised: the pixels, and the float splits", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-huge-'));
  try {
    // 12,000 training images (36 MB of pixels; 10,000 rows of float32, 123 MB), as binary records.
    const records = (n: number) => Buffer.alloc(n * 3073);
    for (let i = 1; i <= 5; i++) fs.writeFileSync(path.join(dir, `data_batch_${i}.bin`), records(2400));
    fs.writeFileSync(path.join(dir, 'test_batch.bin'), records(100));
    let before = advised();
    const bytes = await loadCifar10(dir);
    kept.push(bytes);
    expect(newlyAdvisedKib(before)).toBeGreaterThanOrEqual(bytes.XTrain.data.byteLength / 1024 - 2 * MIB);
    before = advised();
    const floats = await getCifar10Data({ source: dir, numTraining: 10000, numValidation: 100, numTest: 100, dtype: 'float32' });
    kept.push(floats);
    expect(newlyAdvisedKib(before)).toBeGreaterThanOrEqual(floats.XTrain.data.byteLength / 1024 - 2 * MIB);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // 160 MB written, read and converted: past jest's 5 s default on a loaded machine.
}, 60000);

maybe("a sweep's shared copy of its data is advised", () => {
  const XTrain = new Tensor(new Float32Array(2 ** 24), [2 ** 14, 1024]);
  const XVal = new Tensor(new Float32Array(1024), [1, 1024]);
  const before = advised();
  const shared = shareData({
    XTrain, yTrain: new Int32Array(2 ** 14), XVal, yVal: new Int32Array(1), XTest: XVal, yTest: new Int32Array(1),
    meanImage: null, classNames: ['a', 'b'], source: 'test', data: 'test',
  });
  kept.push(shared);
  expect(shared.XTrain.data.buffer).toBeInstanceOf(SharedArrayBuffer);
  expect(newlyAdvisedKib(before)).toBeGreaterThanOrEqual(XTrain.data.byteLength / 1024 - 2 * MIB);
});
