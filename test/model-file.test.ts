/**
 * Self-contained model files: the preprocessing saved with the weights (and
 * read by an independent Python reader), models loaded from a path, bytes
 * or a stream, toBuffer, saveAsync and loadModelAsync, and files saved
 * before preprocessing existed, which still load.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import { encodeSafetensors } from '../lib/io/safetensors';
import { FullyConnectedNet } from '../lib/models/fully-connected-net';
import { loadModel, loadModelAsync } from '../lib/models/load';
import { StandaloneTwoLayerNet } from '../lib/models/standalone-two-layer-net';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { Tensor } from '../lib/tensor';

const READER = path.join(__dirname, 'fixtures', 'read_safetensors.py');
const meanImage = Float64Array.from({ length: 3072 }, (_, i) => 90 + (i % 13) * 2.5);
const classNames = ['plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const training = { data: '/data/cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530', trainAcc: 0.61, valAcc: 0.52, testAcc: 0.5, epochs: 10, date: '2026-12-02T18:00:00.000Z' };
const pixels = Uint8Array.from({ length: 4 * 3072 }, (_, i) => (i * 29 + 7) % 256);

function model(): FullyConnectedNet {
  const m = new FullyConnectedNet([12], { useBatchnorm: true, weightScale: 1e-2, rng: 1 });
  m.loss(new Tensor(Float32Array.from(pixels, (v) => v - 128), [4, 3, 32, 32]), [0, 1, 2, 3]);
  m.preprocessing = { meanImage, classNames, layout: 'nchw', training };
  return m;
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-model-file-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What the loaded model predicts for the raw pixels, to compare with the original's. */
const predictions = (m: { predictProba(x: Uint8Array): Tensor }) => Array.from(m.predictProba(pixels).data);

test('the preprocessing is saved with the weights and read back; an independent Python reader finds it', () => {
  const original = model();
  const file = path.join(dir, 'model.safetensors');
  original.save(file);
  const loaded = loadModel(file);
  expect(loaded).toBeInstanceOf(FullyConnectedNet);
  expect(loaded.preprocessing).toEqual({
    meanImage, classNames, layout: 'nchw', imageShape: [3, 32, 32], inputShape: [3, 32, 32], training,
  });
  expect(predictions(loaded)).toEqual(predictions(original));

  const python = spawnSync('python3', [READER, file], { encoding: 'utf8' });
  if (python.error) {
    console.log(`skipping the Python reader: python3 cannot run here (${python.error.message})`);
    return;
  }
  expect(python.stderr).toBe('');
  const read = JSON.parse(python.stdout);
  expect(read.tensors['preprocessing.meanImage']).toEqual({ dtype: 'F64', shape: [3, 32, 32], first: Array.from(meanImage.subarray(0, 4)) });
  expect(read.tensors['buffer.runningMean1'].shape).toEqual([12]);
  expect(read.tensors.W1).toMatchObject({ dtype: 'F32', shape: [3072, 12] });
  expect(Object.keys(read.metadata).sort()).toEqual(['architecture', 'config', 'format', 'preprocessing']);
  expect(JSON.parse(read.metadata.preprocessing)).toEqual({
    layout: 'nchw', inputShape: [3, 32, 32], imageShape: [3, 32, 32], classNames, dtype: 'float32', training,
  });
});

test('loadModel takes a path, a Buffer, a Uint8Array view, or a stream (then a promise); toBuffer gives the file\'s bytes', async () => {
  const original = model();
  const file = path.join(dir, 'bytes.safetensors');
  original.save(file);
  const bytes = fs.readFileSync(file);
  expect(original.toBuffer().equals(bytes)).toBe(true);
  const inside = new Uint8Array(bytes.length + 16);
  inside.set(bytes, 16);
  for (const source of [file, bytes, inside.subarray(16)]) expect(predictions(loadModel(source))).toEqual(predictions(original));
  // A stream can only be read asynchronously: a promise of the model.
  const fromStream = loadModel(Readable.from([bytes.subarray(0, 99), bytes.subarray(99)]));
  expect(fromStream).toBeInstanceOf(Promise);
  expect(predictions(await fromStream)).toEqual(predictions(original));
  expect(() => loadModel(42 as never)).toThrow(/^loadModel: Expected a file path, a Buffer, a Uint8Array or a stream for source but received number 42$/);
  expect(() => loadModel(bytes.subarray(0, 100))).toThrow(/^model bytes: truncated/);
});

test('saveAsync and loadModelAsync: the same file, from a path, bytes, a Node stream or a web stream', async () => {
  const original = model();
  const file = path.join(dir, 'async.safetensors');
  await original.saveAsync(file);
  const bytes = fs.readFileSync(file);
  expect(bytes.equals(original.toBuffer())).toBe(true);
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  const chunks = [bytes.subarray(0, 1000), bytes.subarray(1000, 5000), bytes.subarray(5000)];
  const sources = [file, bytes, fs.createReadStream(file, { highWaterMark: 4096 }), Readable.from(chunks), Readable.toWeb(Readable.from(chunks))];
  for (const source of sources) expect(predictions(await loadModelAsync(source as never))).toEqual(predictions(original));
  await expect(loadModelAsync(Readable.from(chunks), { maxBytes: 4000 })).rejects.toThrow(/^loadModelAsync: Expected a stream of at most 4000 bytes/);
  await expect(loadModelAsync(Readable.from(['text']))).rejects.toThrow(TypeError);
  await expect(loadModelAsync(dir)).rejects.toThrow(/is not a regular file$/);
  await expect(original.saveAsync(path.join(dir, 'missing', 'x.safetensors'))).rejects.toThrow(
    /^FullyConnectedNet\.saveAsync: cannot write .*missing\/x\.safetensors: ENOENT \(no such file or directory\) on open$/,
  );
});

test('a failed saveAsync leaves the previous file whole, and no temporary file', async () => {
  const file = path.join(dir, 'kept.safetensors');
  const original = model();
  original.save(file);
  const before = fs.readFileSync(file);
  const bad = model();
  bad.preprocessing = { meanImage: new Float64Array(5), classNames };
  await expect(bad.saveAsync(file)).rejects.toThrow(/Expected 3072 values \(one per input\) for model\.preprocessing\.meanImage/);
  expect(fs.readFileSync(file).equals(before)).toBe(true);
  // Written whole, then the rename fails (a directory holds the name): the temporary file goes.
  const taken = path.join(dir, 'taken.safetensors');
  fs.mkdirSync(taken);
  fs.writeFileSync(path.join(taken, 'inside'), 'x');
  await expect(original.saveAsync(taken)).rejects.toThrow(/^FullyConnectedNet\.saveAsync: cannot write .*taken\.safetensors: (EISDIR|ENOTEMPTY|EEXIST) \(.*\) on rename$/);
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

test('files saved before preprocessing existed load; predicting on raw images says what is missing', () => {
  // The bytes nndl wrote then: weights, and format, architecture and config metadata only.
  const m = new TwoLayerNet({ hiddenDims: 7, rng: 3 });
  const old = encodeSafetensors(m.params, { format: 'nndl', architecture: 'TwoLayerNet', config: JSON.stringify(m.config()) });
  expect(m.toBuffer().equals(old)).toBe(true);
  const loaded = loadModel(old);
  expect(loaded.preprocessing).toBeNull();
  expect(() => loaded.predict(pixels)).toThrow(/^TwoLayerNet\.predict: X holds raw images but the model has no preprocessing/);
  const X = new Tensor(Float64Array.from(pixels, (v) => v - 128), [4, 3072]);
  expect(Array.from(loaded.predict(X))).toEqual(Array.from(m.predict(X)));
});

test('every model class keeps its preprocessing, in the rows layout too', () => {
  const standalone = new StandaloneTwoLayerNet(3072, 9, 10, { std: 1e-3, rng: 4 });
  standalone.preprocessing = { meanImage, classNames, layout: 'rows' };
  const loaded = loadModel(standalone.toBuffer());
  expect(loaded).toBeInstanceOf(StandaloneTwoLayerNet);
  expect(loaded.preprocessing).toMatchObject({ layout: 'rows', inputShape: [3072] });
  expect(predictions(loaded)).toEqual(predictions(standalone));
  const two = new TwoLayerNet({ hiddenDims: 5, rng: 0 });
  two.preprocessing = { meanImage: null, classNames };
  const file = path.join(dir, 'two.safetensors');
  two.save(file);
  expect(TwoLayerNet.load(file).preprocessing).toMatchObject({ meanImage: null, classNames });
});

test('a file whose preprocessing is inconsistent is refused, naming the file', () => {
  const m = model();
  const { W1, b1, W2, b2, gamma1, beta1 } = m.params;
  const base = { W1, b1, W2, b2, gamma1, beta1, 'buffer.runningMean1': m.buffers().runningMean1, 'buffer.runningVar1': m.buffers().runningVar1 };
  const metadata = { format: 'nndl', architecture: 'FullyConnectedNet', config: JSON.stringify(m.config()) };
  const bytes = m.toBuffer();
  const good = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString()).__metadata__.preprocessing as string;
  const mean = new Tensor(meanImage.slice(), [3, 32, 32]);
  const cases: [Record<string, Tensor>, Record<string, string>, RegExp][] = [
    [{ ...base, 'preprocessing.meanImage': mean }, metadata, /^model bytes: holds preprocessing\.meanImage but no preprocessing metadata$/],
    [base, { ...metadata, preprocessing: '{"layout":' }, /^model bytes: the preprocessing metadata is not valid JSON$/],
    [{ ...base, 'preprocessing.meanImage': new Tensor(meanImage.slice(), [3072]) }, { ...metadata, preprocessing: good }, /^model bytes: preprocessing\.meanImage is float64 \[3072\] but the config needs float64 \[3, 32, 32\]$/],
    [{ ...base, 'preprocessing.meanImage': mean }, { ...metadata, preprocessing: good.replace('"nchw"', '"hwc"') }, /^model bytes: .*'nchw' or 'rows' for preprocessing\.layout/],
    [{ ...base, 'preprocessing.meanImage': mean.astype('float32') }, { ...metadata, preprocessing: good }, /^model bytes: preprocessing\.meanImage is float32 \[3, 32, 32\] but the config needs float64 \[3, 32, 32\]$/],
  ];
  for (const [tensors, meta, message] of cases) expect(() => loadModel(encodeSafetensors(tensors, meta))).toThrow(message);
});
