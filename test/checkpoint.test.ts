/**
 * Checkpoints are checked on their header, before any tensor is allocated,
 * by functions that take bytes as well as files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { decodeSafetensors, readSafetensors, writeSafetensors, type SafetensorsHeader } from '../lib/io/safetensors';
import { checkCheckpointHeader, decodeCheckpoint, readCheckpoint } from '../lib/models/checkpoint';
import { FullyConnectedNet } from '../lib/models/fully-connected-net';
import { Tensor } from '../lib/tensor';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-checkpoint-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a checkpoint reads the same from its file and from its bytes', () => {
  const model = new FullyConnectedNet([5, 4], { inputDim: 6, numClasses: 3, useBatchnorm: true, rng: 0 });
  const file = path.join(dir, 'fc.safetensors');
  model.save(file);
  const fromFile = readCheckpoint(file, 'FullyConnectedNet');
  const fromBytes = decodeCheckpoint(fs.readFileSync(file), 'upload', 'FullyConnectedNet');
  expect(Object.keys(fromBytes.params).sort()).toEqual(Object.keys(model.params).sort());
  expect(Object.keys(fromBytes.buffers).sort()).toEqual(['runningMean1', 'runningMean2', 'runningVar1', 'runningVar2']);
  for (const [name, t] of Object.entries(fromFile.params)) expect(Array.from(fromBytes.params[name].data)).toEqual(Array.from(t.data));
  expect(fromBytes.config).toEqual(model.config());
  expect(() => decodeCheckpoint(fs.readFileSync(file), 'upload', 'TwoLayerNet')).toThrow(/^upload: holds a FullyConnectedNet, not a TwoLayerNet$/);
});

test('the header check runs before any tensor is read, and sees every entry', () => {
  const file = path.join(dir, 'plain.safetensors');
  writeSafetensors(file, { b: new Tensor(new Float64Array(3), [3]), a: new Tensor(new Float32Array(4), [2, 2]) }, { note: 'x' });
  const seen: SafetensorsHeader[] = [];
  expect(() => readSafetensors(file, { check: (h) => { seen.push(h); throw new Error('no, thanks'); } })).toThrow('no, thanks');
  expect(seen[0].entries.map((e) => [e.name, e.dtype, e.shape, e.begin, e.end])).toEqual([['a', 'F32', [2, 2], 0, 16], ['b', 'F64', [3], 16, 40]]);
  expect(seen[0].metadata).toEqual({ note: 'x' });
  expect(seen[0].dataOffset % 8).toBe(0);
  expect(() => checkCheckpointHeader('plain', seen[0])).toThrow(/^plain: a safetensors file, but not an nndl model/);
});

test('tensors and metadata come in objects without a prototype', () => {
  const file = path.join(dir, 'names.safetensors');
  writeSafetensors(file, { constructor: new Tensor(new Float32Array(1), [1]), toString: new Tensor(new Float32Array(2), [2]) }, { hasOwnProperty: 'x' });
  for (const { tensors, metadata } of [readSafetensors(file), decodeSafetensors(fs.readFileSync(file), 'bytes')]) {
    expect(Object.getPrototypeOf(tensors)).toBeNull();
    expect(Object.getPrototypeOf(metadata)).toBeNull();
    expect(Object.keys(tensors)).toEqual(['constructor', 'toString']);
    expect(tensors['toString' as string].shape).toEqual([2]);
    expect(metadata.hasOwnProperty).toBe('x');
  }
});

test('a metadata key named __proto__ is refused', () => {
  const text = Buffer.from('{"__metadata__":{"__proto__":"x"}}');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(text.length));
  expect(() => decodeSafetensors(Buffer.concat([size, text]), 'm')).toThrow(/^m: __metadata__ has a key named __proto__, which is not allowed$/);
});
