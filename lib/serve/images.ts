/**
 * Image files into the pixels a model takes: PNG (pngjs) or JPEG (jpeg-js)
 * decoded, transparency laid over white, scaled to the model's image size by
 * area averaging, and given the model's channels, as (height, width,
 * channel) bytes. Decoding is bounded: an image larger than MAX_PIXELS is
 * refused from its header, before any pixel is decoded. The decoders are
 * loaded on the first image, not when the library is imported.
 */

/** Largest image decoded: 16 megapixels (64 MiB of RGBA). */
export const MAX_PIXELS = 16 * 2 ** 20;

/** A request the client got wrong: answered with this status and the message, as one line. */
export class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'RequestError';
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image format of these bytes, from their first bytes. */
export function imageFormat(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** RGBA pixels, row by row. */
interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

function checkSize(width: number, height: number): void {
  if (width * height > MAX_PIXELS) {
    throw new RequestError(413, `the image is ${width} x ${height} pixels, more than the ${MAX_PIXELS / 2 ** 20} megapixels this server decodes`);
  }
}

async function decodePng(bytes: Buffer): Promise<Rgba> {
  // IHDR is always the first chunk: width and height at bytes 16 to 23.
  if (bytes.length < 24) throw new RequestError(400, 'the PNG image is truncated');
  checkSize(bytes.readUInt32BE(16), bytes.readUInt32BE(20));
  const { PNG } = await import('pngjs');
  try {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, data: png.data };
  } catch (e) {
    throw new RequestError(400, `the PNG image cannot be decoded: ${(e as Error).message}`);
  }
}

async function decodeJpeg(bytes: Buffer): Promise<Rgba> {
  const { decode } = await import('jpeg-js');
  try {
    return decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 256 });
  } catch (e) {
    const message = (e as Error).message;
    if (/limit exceeded/.test(message)) throw new RequestError(413, `the JPEG image is too large to decode here: ${message}`);
    throw new RequestError(400, `the JPEG image cannot be decoded: ${message}`);
  }
}

/**
 * An RGBA image laid over white and scaled to width x height, as RGB floats
 * (height, width, 3): each output pixel is the mean of the source area it
 * covers (pixels it covers in part count in proportion), so shrinking
 * averages and enlarging repeats.
 */
function scale(src: Rgba, width: number, height: number): Float64Array {
  const out = new Float64Array(width * height * 3);
  const sx = src.width / width;
  const sy = src.height / height;
  for (let ty = 0; ty < height; ty++) {
    const y0 = ty * sy;
    const y1 = y0 + sy;
    for (let tx = 0; tx < width; tx++) {
      const x0 = tx * sx;
      const x1 = x0 + sx;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let y = Math.floor(y0); y < Math.min(Math.ceil(y1), src.height); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(Math.ceil(x1), src.width); x++) {
          const w = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
          const k = 4 * (y * src.width + x);
          const a = src.data[k + 3] / 255;
          const white = (1 - a) * 255;
          r += w * (a * src.data[k] + white);
          g += w * (a * src.data[k + 1] + white);
          b += w * (a * src.data[k + 2] + white);
        }
      }
      const o = 3 * (ty * width + tx);
      const area = sx * sy;
      out[o] = r / area;
      out[o + 1] = g / area;
      out[o + 2] = b / area;
    }
  }
  return out;
}

const toByte = (v: number) => Math.min(255, Math.max(0, Math.round(v)));

/**
 * Decodes a PNG or JPEG file into (height, width, channels) bytes of the
 * given size; channels 3 (RGB) or 1 (luma, ITU-R BT.601).
 */
export async function decodeImage(bytes: Buffer, [channels, height, width]: readonly [number, number, number]): Promise<Uint8Array> {
  const format = imageFormat(bytes);
  if (format === null) throw new RequestError(415, 'the body is neither a PNG nor a JPEG image');
  if (channels !== 1 && channels !== 3) {
    throw new RequestError(415, `the model takes images of ${channels} channels; only 1 (gray) or 3 (RGB) are decoded from files`);
  }
  const rgb = scale(format === 'png' ? await decodePng(bytes) : await decodeJpeg(bytes), width, height);
  if (channels === 3) return Uint8Array.from(rgb, toByte);
  const out = new Uint8Array(width * height);
  for (let p = 0; p < out.length; p++) out[p] = toByte(0.299 * rgb[3 * p] + 0.587 * rgb[3 * p + 1] + 0.114 * rgb[3 * p + 2]);
  return out;
}
