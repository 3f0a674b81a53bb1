/**
 * Small CIFAR-10 look-alikes written by the tests in every layout users have:
 * the binary release's records, Python 2 cPickle batches (opcodes written by
 * hand in the byte layout of the real files), Python 3 pickles of protocols
 * 4 and 5, as directories and as .tar.gz archives.
 */
import fs from 'node:fs';
import path from 'node:path';

import { create } from 'tar';

import { CIFAR10_CLASSES } from '../lib/data/cifar10';
import { NumpyRandomState } from '../lib/random';

export interface FixtureSet {
  /** Training batches, each (n, 3072) bytes and n labels. */
  train: { pixels: Uint8Array; labels: Uint8Array }[];
  test: { pixels: Uint8Array; labels: Uint8Array };
}

/** Random images and labels: batches of the given sizes, and a test batch. */
export function fixtureSet(seed: number, trainSizes = [40, 40, 40, 40, 40], testSize = 30): FixtureSet {
  const rng = new NumpyRandomState(seed);
  const batch = (n: number) => ({
    pixels: Uint8Array.from(rng.randint(0, 256, n * 3072)),
    labels: Uint8Array.from(rng.randint(0, 10, n)),
  });
  return { train: trainSizes.map(batch), test: batch(testSize) };
}

export function binaryRecords(b: { pixels: Uint8Array; labels: Uint8Array }): Buffer {
  const out = Buffer.alloc(b.labels.length * 3073);
  b.labels.forEach((label, i) => {
    out[i * 3073] = label;
    out.set(b.pixels.subarray(i * 3072, (i + 1) * 3072), i * 3073 + 1);
  });
  return out;
}

/** Opcode writer for the pickles below. */
export class Pickle {
  private readonly parts: Buffer[] = [];

  op(code: number, ...bytes: number[]): this {
    this.parts.push(Buffer.from([code, ...bytes]));
    return this;
  }

  raw(b: Buffer | string): this {
    this.parts.push(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
    return this;
  }

  u32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return this.raw(b);
  }

  u64(n: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return this.raw(b);
  }

  /** Python 2 str: SHORT_BINSTRING or BINSTRING. */
  py2str(s: Buffer | string): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    return b.length < 256 ? this.op(0x55, b.length).raw(b) : this.op(0x54).u32(b.length).raw(b);
  }

  /** Python 3 bytes: SHORT_BINBYTES or BINBYTES8. */
  bytes(s: Buffer | string): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    return b.length < 256 ? this.op(0x43, b.length).raw(b) : this.op(0x8e).u64(b.length).raw(b);
  }

  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.op(0x8c, b.length).raw(b);
  }

  int(n: number): this {
    if (n < 256) return this.op(0x4b, n);
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return this.op(0x4a).raw(b);
  }

  /** A list of ints appended in chunks, as cPickle writes long lists. */
  intList(values: ArrayLike<number>, chunk: number): this {
    this.op(0x5d);
    for (let i = 0; i < values.length; i += chunk) {
      this.op(0x28);
      for (let j = i; j < Math.min(i + chunk, values.length); j++) this.int(values[j]);
      this.op(0x65);
    }
    return this;
  }

  done(): Buffer {
    return Buffer.concat([...this.parts, Buffer.from([0x2e])]);
  }
}

/** dtype('u1') built as numpy pickles it, by Python 2 (GLOBAL) or 3 (STACK_GLOBAL). */
function dtypeU1(p: Pickle, py2: boolean): Pickle {
  if (py2) p.raw('cnumpy\ndtype\n').py2str('u1');
  else p.str('numpy').str('dtype').op(0x93).str('u1');
  p.op(0x89).op(0x88).op(0x87).op(0x52);
  p.op(0x28).int(3);
  if (py2) p.py2str('|');
  else p.str('|');
  return p.op(0x4e).op(0x4e).op(0x4e).op(0x4a).raw(Buffer.from([255, 255, 255, 255])).op(0x4a)
    .raw(Buffer.from([255, 255, 255, 255])).int(0).op(0x74).op(0x62);
}

/** A uint8 (n, 3072) array via numpy.core.multiarray._reconstruct and BUILD. */
function reconstructed(p: Pickle, pixels: Uint8Array, n: number, py2: boolean): Pickle {
  if (py2) p.raw('cnumpy.core.multiarray\n_reconstruct\n').op(0x71, 1).raw('cnumpy\nndarray\n');
  else p.str('numpy._core.multiarray').str('_reconstruct').op(0x93).str('numpy').str('ndarray').op(0x93);
  p.int(0).op(0x85);
  if (py2) p.py2str('b');
  else p.bytes('b');
  p.op(0x87).op(0x52);
  p.op(0x28).int(1).int(n).int(3072).op(0x86);
  dtypeU1(p, py2);
  p.op(0x89);
  if (py2) p.py2str(Buffer.from(pixels));
  else p.bytes(Buffer.from(pixels));
  return p.op(0x74).op(0x62);
}

/** A batch dict {data, labels} as the real python batches hold it, at protocol 2 (Python 2), 4 or 5. */
export function pythonBatch(b: { pixels: Uint8Array; labels: Uint8Array }, protocol: 2 | 4 | 5): Buffer {
  const n = b.pixels.length / 3072;
  const py2 = protocol === 2;
  const p = new Pickle().op(0x80, protocol);
  if (!py2) p.op(0x95).u64(0);
  p.op(0x7d).op(0x28);
  if (py2) p.py2str('batch_label').py2str('training batch 1 of 5');
  else p.bytes('batch_label').bytes('training batch 1 of 5');
  if (py2) p.py2str('labels');
  else p.bytes('labels');
  p.intList(b.labels, py2 ? 17 : 1000);
  if (py2) p.py2str('data');
  else p.bytes('data');
  if (protocol === 5) {
    // numpy._core.numeric._frombuffer(bytearray, dtype, shape, order)
    p.str('numpy._core.numeric').str('_frombuffer').op(0x93).op(0x28).op(0x96).u64(b.pixels.length).raw(Buffer.from(b.pixels));
    dtypeU1(p, false);
    p.int(n).int(3072).op(0x86).str('C').op(0x74).op(0x52);
  } else {
    reconstructed(p, b.pixels, n, py2);
  }
  return p.op(0x75).done();
}

/** batches.meta of the python release: {label_names: [...]} with byte strings. */
export function pythonMeta(protocol: 2 | 4): Buffer {
  const p = new Pickle().op(0x80, protocol).op(0x7d).op(0x28);
  const s = (x: string) => (protocol === 2 ? p.py2str(x) : p.bytes(x));
  s('num_cases_per_batch');
  p.int(10000);
  s('label_names');
  p.op(0x5d).op(0x28);
  for (const name of CIFAR10_CLASSES) s(name);
  p.op(0x65);
  return p.op(0x75).done();
}

export type Layout = 'bin' | 'py2' | 'py4' | 'py5';

/** Writes the set as a release directory `root/cifar-10-batches-{bin,py}` and returns that directory. */
export function writeRelease(root: string, set: FixtureSet, layout: Layout): string {
  const dir = path.join(root, layout === 'bin' ? 'cifar-10-batches-bin' : 'cifar-10-batches-py');
  fs.mkdirSync(dir, { recursive: true });
  if (layout === 'bin') {
    set.train.forEach((b, i) => fs.writeFileSync(path.join(dir, `data_batch_${i + 1}.bin`), binaryRecords(b)));
    fs.writeFileSync(path.join(dir, 'test_batch.bin'), binaryRecords(set.test));
    fs.writeFileSync(path.join(dir, 'batches.meta.txt'), `${CIFAR10_CLASSES.join('\n')}\n\n`);
  } else {
    const protocol = layout === 'py2' ? 2 : layout === 'py4' ? 4 : 5;
    set.train.forEach((b, i) => fs.writeFileSync(path.join(dir, `data_batch_${i + 1}`), pythonBatch(b, protocol)));
    fs.writeFileSync(path.join(dir, 'test_batch'), pythonBatch(set.test, protocol));
    fs.writeFileSync(path.join(dir, 'batches.meta'), pythonMeta(protocol === 2 ? 2 : 4));
  }
  return dir;
}

/** Packs a release directory into `archive` (.tar.gz), as the official archives are. */
export async function packRelease(releaseDir: string, archive: string): Promise<string> {
  await create({ gzip: true, file: archive, cwd: path.dirname(releaseDir), portable: true }, [path.basename(releaseDir)]);
  return archive;
}
