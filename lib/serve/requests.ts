/**
 * What a POST /predict body asks for, checked: images (a PNG or JPEG file,
 * or JSON `{"images": [...]}`) as (N, H, W, C) bytes, or preprocessed rows
 * (JSON `{"inputs": [...]}`). Every mistake is a RequestError whose message
 * is the one line the client gets back.
 */
import type { ResolvedPreprocessing } from '../models/preprocessing';
import { RequestError, decodeImage } from './images';

/** n images as (height, width, channel) bytes, one after another. */
export interface ImagesRequest {
  kind: 'images';
  n: number;
  pixels: Uint8Array;
}

/** n preprocessed inputs of rowLength values each. */
export interface InputsRequest {
  kind: 'inputs';
  n: number;
  rowLength: number;
  values: Float64Array;
}

export type PredictRequest = ImagesRequest | InputsRequest;

const isByte = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255;

function noPreprocessing(): never {
  throw new RequestError(400, 'this model has no preprocessing (its file predates it): send preprocessed "inputs", not images');
}

/**
 * One JSON image into pixels (height, width, channel) at `at`: a flat array
 * of bytes in the model's input layout, or nested [height][width][channel].
 */
function jsonImage(value: unknown, i: number, p: ResolvedPreprocessing, pixels: Uint8Array, at: number): void {
  const [c, h, w] = p.imageShape;
  const size = c * h * w;
  const shapes = `${size} bytes in the model's layout ('${p.layout}') or ${h} x ${w} x ${c} nested arrays`;
  if (!Array.isArray(value)) throw new RequestError(400, `images[${i}] is not an array; expected ${shapes}`);
  if (value.length === size && value.every(isByte)) {
    for (let k = 0; k < size; k++) {
      // In 'nchw' value k is channel k / (h w) of pixel k % (h w).
      const o = p.layout === 'rows' ? k : (k % (h * w)) * c + Math.floor(k / (h * w));
      pixels[at + o] = value[k];
    }
    return;
  }
  if (value.length === h && value.every((row) => Array.isArray(row) && row.length === w &&
      row.every((px) => Array.isArray(px) && px.length === c && px.every(isByte)))) {
    (value as number[][][]).forEach((row, y) => row.forEach((px, x) => pixels.set(px, at + (y * w + x) * c)));
    return;
  }
  throw new RequestError(400, `images[${i}] is not an image of integers in [0, 255]; expected ${shapes}`);
}

function jsonRequest(body: Buffer, p: ResolvedPreprocessing | null): PredictRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new RequestError(400, `the body is not valid JSON: ${(e as Error).message}`);
  }
  const o = parsed as Record<string, unknown>;
  const keys = typeof o === 'object' && o !== null && !Array.isArray(o) ? Object.keys(o) : [];
  if (keys.length !== 1 || (keys[0] !== 'images' && keys[0] !== 'inputs') || !Array.isArray(o[keys[0]]) || (o[keys[0]] as unknown[]).length === 0) {
    throw new RequestError(400, 'expected a JSON object with one key, "images" or "inputs", holding a non-empty array');
  }
  if (keys[0] === 'images') {
    if (p === null) noPreprocessing();
    const images = o.images as unknown[];
    const size = p.imageShape[0] * p.imageShape[1] * p.imageShape[2];
    const pixels = new Uint8Array(images.length * size);
    images.forEach((image, i) => jsonImage(image, i, p, pixels, i * size));
    return { kind: 'images', n: images.length, pixels };
  }
  const rows = o.inputs as unknown[];
  const rowLength = Array.isArray(rows[0]) ? rows[0].length : 0;
  const values = new Float64Array(rows.length * rowLength);
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== rowLength || rowLength === 0 || !row.every((v) => typeof v === 'number')) {
      throw new RequestError(400, `inputs[${i}] is not a row of ${rowLength || 'one or more'} numbers like inputs[0]`);
    }
    values.set(row, i * rowLength);
  });
  return { kind: 'inputs', n: rows.length, rowLength, values };
}

/** The request a body holds, by its Content-Type: JSON, or else an image file. */
export async function parseRequest(contentType: string | undefined, body: Buffer, p: ResolvedPreprocessing | null): Promise<PredictRequest> {
  if (body.length === 0) throw new RequestError(400, 'the body is empty; send an image (PNG or JPEG) or JSON {"images": [...]}');
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return jsonRequest(body, p);
  if (type !== '' && type !== 'application/octet-stream' && !type.startsWith('image/')) {
    throw new RequestError(415, `unsupported Content-Type ${type}: send application/json, image/png or image/jpeg`);
  }
  if (p === null) noPreprocessing();
  return { kind: 'images', n: 1, pixels: await decodeImage(body, p.imageShape) };
}
