/**
 * The model server on a real HTTP server on 127.0.0.1: every route, images
 * as PNG, JPEG and JSON giving exactly the model's own predictions, batching
 * of concurrent requests, the errors a client can cause (each a 4xx with one
 * line), and `nndl serve` run as a user runs it.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { decode as decodeJpeg, encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

import { CIFAR10_CLASSES } from '../lib/data/cifar10';
import { FullyConnectedNet } from '../lib/models/fully-connected-net';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { NumpyRandomState } from '../lib/random';
import { PredictBatcher } from '../lib/serve/batcher';
import { serveModel, type ModelServer } from '../lib/serve/server';
import { Tensor } from '../lib/tensor';

const BIN = path.resolve(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
const meanImage = Float64Array.from({ length: 3072 }, (_, i) => 100 + (i % 11) * 4);

function model(seed: number): TwoLayerNet {
  const m = new TwoLayerNet({ hiddenDims: 20, weightScale: 1e-2, dtype: 'float32', rng: seed });
  m.preprocessing = { meanImage, classNames: CIFAR10_CLASSES, training: { data: 'generated', valAcc: 0.5 } };
  return m;
}

/** n images (32, 32, 3) as bytes, from a seed. */
function pixels(seed: number, n = 1): Uint8Array {
  return Uint8Array.from(new NumpyRandomState(seed).randint(0, 256, n * 3072));
}

function png(hwc: Uint8Array, width = 32, height = 32, alpha?: (i: number) => number): Buffer {
  const image = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    image.data.set(hwc.subarray(3 * p, 3 * p + 3), 4 * p);
    image.data[4 * p + 3] = alpha ? alpha(p) : 255;
  }
  return PNG.sync.write(image);
}

const probabilities = (m: TwoLayerNet, hwc: Uint8Array) => {
  const p = m.predictProba({ data: hwc, shape: [hwc.length / 3072, 32, 32, 3] });
  return Array.from({ length: p.shape[0] }, (_, i) => Array.from(p.data.subarray(i * 10, (i + 1) * 10)));
};

/** A JSON answer, to read fields of. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response): Promise<any> => res.json();

let server: ModelServer;
let served: TwoLayerNet;

beforeAll(async () => {
  served = model(1);
  server = await serveModel(served, { port: 0, maxBodyBytes: 300_000 });
});
afterAll(() => server.close());

async function post(body: Buffer | string, type: string, route = 'predict') {
  const res = await fetch(new URL(route, server.url), { method: 'POST', headers: { 'Content-Type': type }, body });
  return { status: res.status, body: await json(res) };
}

describe('routes', () => {
  test('GET /healthz, GET /model (the card), GET / (the page)', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await json(await fetch(new URL('healthz', server.url)))).toEqual({ status: 'ok' });
    const card = await json(await fetch(new URL('model', server.url)));
    expect(card).toEqual({
      architecture: 'TwoLayerNet',
      config: served.config(),
      parameters: 3072 * 20 + 20 + 20 * 10 + 10,
      preprocessing: {
        layout: 'nchw', inputShape: [3, 32, 32], imageShape: [3, 32, 32], classNames: CIFAR10_CLASSES, meanImage: true,
        training: { data: 'generated', valAcc: 0.5 },
      },
    });
    const page = await fetch(server.url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<input id="file" type="file"');
  });

  test('a PNG body: the model\'s own probabilities, labels and classes', async () => {
    const hwc = pixels(2);
    const want = probabilities(served, hwc);
    const { status, body } = await post(png(hwc), 'image/png');
    expect(status).toBe(200);
    expect(body.probabilities).toEqual(want);
    const best = want[0].indexOf(Math.max(...want[0]));
    expect(body).toMatchObject({ classes: [best], labels: [CIFAR10_CLASSES[best]] });
  });

  test('a JPEG body: the probabilities of its decoded pixels', async () => {
    const jpeg = encodeJpeg({ data: png2rgba(pixels(3)), width: 32, height: 32 }, 90).data;
    const rgba = decodeJpeg(jpeg, { useTArray: true });
    const hwc = Uint8Array.from({ length: 3072 }, (_, i) => rgba.data[4 * Math.floor(i / 3) + (i % 3)]);
    const { status, body } = await post(jpeg, 'image/jpeg');
    expect(status).toBe(200);
    expect(body.probabilities).toEqual(probabilities(served, hwc));
  });

  test('images of another size are scaled by area, transparency lies over white', async () => {
    // Each 2 x 2 block of a 64 x 64 image is one pixel of the 32 x 32 one.
    const small = pixels(4);
    const big = new Uint8Array(64 * 64 * 3);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) big.set(small.subarray(3 * ((y >> 1) * 32 + (x >> 1)), 3 * ((y >> 1) * 32 + (x >> 1)) + 3), 3 * (y * 64 + x));
    expect((await post(png(big, 64, 64), 'image/png')).body.probabilities).toEqual(probabilities(served, small));
    const clear = await post(png(pixels(5), 32, 32, () => 0), 'image/png');
    expect(clear.body.probabilities).toEqual(probabilities(served, new Uint8Array(3072).fill(255)));
  });

  test('JSON: images flat in the model\'s layout or nested (height, width, channel), and preprocessed inputs', async () => {
    const hwc = pixels(6, 2);
    const planes = new Uint8Array(2 * 3072);
    for (let k = 0; k < 2; k++) for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) planes[k * 3072 + c * 1024 + p] = hwc[k * 3072 + 3 * p + c];
    const want = probabilities(served, hwc);
    const flat = [0, 1].map((k) => Array.from(planes.subarray(k * 3072, (k + 1) * 3072)));
    expect((await post(JSON.stringify({ images: flat }), 'application/json')).body.probabilities).toEqual(want);
    const nested = [0, 1].map((k) => nestedImage(hwc.subarray(k * 3072, (k + 1) * 3072)));
    expect((await post(JSON.stringify({ images: nested }), 'application/json')).body.probabilities).toEqual(want);
    const inputs = Array.from(planes.subarray(0, 3072), (v, i) => v - meanImage[i]);
    const { body } = await post(JSON.stringify({ inputs: [inputs] }), 'application/json');
    expect(body.probabilities).toEqual([want[0]]);
  });

  test('requests that arrive together share predict calls, and get the answers they would get alone', async () => {
    // 24 connections opened and accepted first, then every request written at
    // once: they are all readable when the server's event loop next polls.
    const port = Number(new URL(server.url).port);
    const images = Array.from({ length: 24 }, (_, i) => pixels(100 + i));
    let accepted = 0;
    const count = () => accepted++;
    server.server.on('connection', count);
    const sockets = await Promise.all(images.map(() => new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    })));
    while (accepted < 24) await new Promise((resolve) => setImmediate(resolve));
    server.server.off('connection', count);
    const before = server.stats;
    const answers = sockets.map((socket, i) => new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('end', () => resolve(text));
      const body = JSON.stringify({ images: [nestedImage(images[i])] });
      socket.end(`POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    }));
    const texts = await Promise.all(answers);
    texts.forEach((text, i) => {
      expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
      // A batch's float32 sums run in another order than one image's: equal to rounding.
      expectClose(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).probabilities, probabilities(served, images[i]));
    });
    const after = server.stats;
    expect(after.requests - before.requests).toBe(24);
    expect(after.calls - before.calls).toBeLessThan(24);
  });
});

describe('bad requests get a 4xx and one line, and the server goes on', () => {
  const hugePng = () => {
    const bytes = png(pixels(7));
    bytes.writeUInt32BE(100_000, 16);
    bytes.writeUInt32BE(100_000, 20);
    return bytes;
  };
  const cases: [string, () => Promise<{ status: number; body: { error: string } }>, number, RegExp][] = [
    ['unknown route', async () => { const r = await fetch(new URL('nope', server.url)); return { status: r.status, body: await json(r) }; },
      404, /^no route \/nope; this server has GET \/, GET \/model, GET \/healthz and POST \/predict$/],
    ['GET /predict', async () => { const r = await fetch(new URL('predict', server.url)); return { status: r.status, body: await json(r) }; },
      405, /^\/predict takes POST, not GET$/],
    ['invalid JSON', () => post('{"images": [', 'application/json'), 400, /^the body is not valid JSON: /],
    ['JSON of another shape', () => post('{"pictures": []}', 'application/json'), 400, /one key, "images" or "inputs"/],
    ['an image of the wrong size', () => post(JSON.stringify({ images: [[1, 2, 3]] }), 'application/json'), 400,
      /^images\[0\] is not an image of integers in \[0, 255\]; expected 3072 bytes in the model's layout \('nchw'\) or 32 x 32 x 3 nested arrays$/],
    ['a pixel value of 256', () => post(JSON.stringify({ images: [new Array(3072).fill(256)] }), 'application/json'), 400, /integers in \[0, 255\]/],
    ['rows of different lengths', () => post(JSON.stringify({ inputs: [[1, 2], [3]] }), 'application/json'), 400, /^inputs\[1\] is not a row of 2 numbers/],
    ['inputs the model does not take', () => post(JSON.stringify({ inputs: [[1, 2]] }), 'application/json'), 400,
      /^TwoLayerNet\.loss: X has shape \[1, 2\], 2 values per example, but the network takes 3072$/],
    ['an unsupported type', () => post('hello', 'text/plain'), 415, /^unsupported Content-Type text\/plain/],
    ['bytes that are no image', () => post(Buffer.from('GIF89a....'), 'image/gif'), 415, /^the body is neither a PNG nor a JPEG image$/],
    ['a corrupt PNG', () => post(Buffer.concat([png(pixels(8)).subarray(0, 40), Buffer.alloc(40)]), 'image/png'), 400, /^the PNG image cannot be decoded: /],
    ['a PNG whose header claims 10^10 pixels', () => post(hugePng(), 'image/png'), 413, /^the image is 100000 x 100000 pixels, more than the 16 megapixels/],
    ['an empty body', () => post('', 'image/png'), 400, /^the body is empty/],
    ['a body over the limit', () => post(Buffer.alloc(400_000), 'image/png'), 413, /^the body is larger than 300000 bytes, the limit of this server$/],
  ];
  test.each(cases)('%s', async (_, request, status, message) => {
    const r = await request();
    expect(r.status).toBe(status);
    expect(Object.keys(r.body)).toEqual(['error']);
    expect(r.body.error).toMatch(message);
    expect(r.body.error).not.toContain('\n');
    expect((await fetch(new URL('healthz', server.url))).status).toBe(200);
  });

  test('a body over the limit sent in chunks without a length', async () => {
    const chunks = (async function* chunked() {
      for (let i = 0; i < 10; i++) yield new Uint8Array(50_000);
    })();
    const res = await fetch(new URL('predict', server.url), { method: 'POST', body: chunks as never, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
  });
});

test('the batcher: one call for requests queued together, at most maxBatch images a call, answers as alone', async () => {
  const m = model(2);
  const p = { ...m.preprocessing!, meanImage, classNames: [...CIFAR10_CLASSES], layout: 'nchw' as const, imageShape: [3, 32, 32] as [number, number, number], inputShape: [3, 32, 32], training: {} };
  const requests = Array.from({ length: 10 }, (_, i) => ({ kind: 'images' as const, n: 1, pixels: pixels(200 + i) }));
  for (const [maxBatch, calls] of [[64, 1], [4, 3], [1, 10]]) {
    const batcher = new PredictBatcher(m, p, maxBatch);
    const answers = await Promise.all(requests.map((r) => batcher.predict(r)));
    expect(batcher.stats).toEqual({ calls, requests: 10 });
    answers.forEach((a, i) => expectClose([Array.from(a.data)], probabilities(m, requests[i].pixels)));
  }
});

test('setModel serves another model from then on', async () => {
  const other = await serveModel(model(3), { port: 0 });
  try {
    const next = new FullyConnectedNet([12], { weightScale: 1e-2, rng: 4 });
    next.preprocessing = { meanImage, classNames: CIFAR10_CLASSES };
    other.setModel(next);
    const card = await json(await fetch(new URL('model', other.url)));
    expect(card.architecture).toBe('FullyConnectedNet');
    const hwc = pixels(9);
    const res = await fetch(new URL('predict', other.url), { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png(hwc) });
    const want = next.predictProba({ data: hwc, shape: [1, 32, 32, 3] });
    expect((await json(res)).probabilities).toEqual([Array.from(want.data)]);
    expect(() => other.setModel({} as never)).toThrow(TypeError);
  } finally {
    await other.close();
  }
});

test('a model without preprocessing takes preprocessed inputs only, and says so', async () => {
  const plain = new TwoLayerNet({ hiddenDims: 5, rng: 0 });
  const other = await serveModel(plain, { port: 0 });
  try {
    const res = await fetch(new URL('predict', other.url), { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png(pixels(10)) });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatch(/^this model has no preprocessing .*send preprocessed "inputs", not images$/);
    const x = new Tensor(Float64Array.from({ length: 3072 }, (_, i) => Math.sin(i)), [1, 3072]);
    const ok = await fetch(new URL('predict', other.url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ inputs: [Array.from(x.data)] }) });
    const body = await json(ok);
    expect(body.probabilities).toEqual([Array.from(plain.predictProba(x).data)]);
    expect(body.labels).toBeUndefined();
  } finally {
    await other.close();
  }
});

test('serveModel checks its arguments', async () => {
  await expect(serveModel({} as never)).rejects.toThrow(/^serveModel: Expected a model/);
  await expect(serveModel(model(1), { port: 70000 })).rejects.toThrow(RangeError);
  const wrong = model(1);
  wrong.preprocessing = { meanImage, classNames: ['a', 'b'] };
  await expect(serveModel(wrong, { port: 0 })).rejects.toThrow(/Expected 10 names \(the model's classes\) for model\.preprocessing\.classNames/);
});

describe('nndl serve', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-serve-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('serves a saved model until SIGTERM, then exits 0', async () => {
    const file = path.join(dir, 'model.safetensors');
    new TwoLayerNet({ hiddenDims: 5, rng: 0 }).save(file);
    const child = spawn(process.execPath, [BIN, 'serve', '--model', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`nndl serve exited with ${code}: ${stdout}`)));
    });
    expect(stdout).toMatch(/^serving TwoLayerNet from .*model\.safetensors at http:\/\/127\.0\.0\.1:\d+\/ \(POST \/predict, GET \/model, GET \/healthz, GET \/\)$/m);
    expect((await fetch(new URL('healthz', url))).status).toBe(200);
    const inputs = JSON.stringify({ inputs: [new Array(3072).fill(0.5)] });
    expect((await fetch(new URL('predict', url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: inputs })).status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stdout).toMatch(/^answered 1 prediction requests in 1 predict calls$/m);
  }, 30000);

  test('errors are one line and a non-zero exit; --version prints the version', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30000 });
    const missing = run('serve', '--model', path.join(dir, 'missing.safetensors'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^nndl: model file .*missing\.safetensors does not exist\n$/);
    const badPort = run('serve', '--model', 'x', '--port', '70000');
    expect(badPort.stderr).toMatch(/^nndl: option '--port <n>' argument '70000' is invalid\. Expected a port in \[0, 65535\] but received 70000\n$/);
    const version = run('--version');
    expect(version.stdout).toBe(`${JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
  }, 30000);
});

/** Rows of probabilities equal to float32 rounding. */
function expectClose(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - want[i][j])).toBeLessThan(1e-6)));
}

/** (32, 32, 3) pixels as nested arrays, as JSON carries them. */
function nestedImage(hwc: Uint8Array): number[][][] {
  return Array.from({ length: 32 }, (_, y) => Array.from({ length: 32 }, (__, x) => Array.from(hwc.subarray(3 * (y * 32 + x), 3 * (y * 32 + x) + 3))));
}

/** RGBA bytes of (32, 32, 3) pixels, opaque. */
function png2rgba(hwc: Uint8Array): Uint8Array {
  const out = new Uint8Array(1024 * 4).fill(255);
  for (let p = 0; p < 1024; p++) out.set(hwc.subarray(3 * p, 3 * p + 3), 4 * p);
  return out;
}
