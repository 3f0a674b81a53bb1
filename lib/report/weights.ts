/**
 * First-layer weights as a picture, the notebooks' show_net_weights with
 * cs231n's visualize_grid: each hidden unit's weights (one column of W1) as a
 * square colour tile (32 x 32 for CIFAR-10), each tile scaled to 0-255 on its own, tiles in a square
 * grid with 3 pixels of padding. Encoded as PNG by pngjs.
 */
import { PNG } from 'pngjs';

import type { Tensor } from '../tensor';

export interface WeightsPngOptions {
  /**
   * How W1 is laid out: 'inputs-by-units' (3072, H) as the modular models
   * keep it (default), or 'units-by-inputs' (H, 3072) as the standalone net.
   */
  orientation?: 'inputs-by-units' | 'units-by-inputs';
  /** Order of an input's 3072 values: (channel, height, width) (default) or (height, width, channel), the 'rows' layout. */
  inputOrder?: 'chw' | 'hwc';
  /** Side of a square colour tile (default 32: inputs are 3 x 32 x 32). */
  side?: number;
  padding?: number;
  /** Pixels per weight, for small tiles such as 3 x 3 convolution filters (default 1). */
  zoom?: number;
}

/**
 * @param w1 first-layer weights, 3072 inputs by H units (see options)
 * @returns PNG bytes
 */
export function weightsPng(w1: Tensor, options: WeightsPngOptions = {}): Buffer {
  const padding = options.padding ?? 3;
  const side = options.side ?? 32;
  const zoom = options.zoom ?? 1;
  const tile = side * zoom;
  const plane = side * side;
  const unitsFirst = options.orientation === 'units-by-inputs';
  const hwc = options.inputOrder === 'hwc';
  const [d, h] = unitsFirst ? [w1.shape[1], w1.shape[0]] : w1.shape;
  if (w1.ndim !== 2 || d !== 3 * plane) {
    throw new RangeError(`weightsPng: Expected weights with ${3 * plane} inputs (3 x ${side} x ${side}) but received shape [${w1.shape.join(', ')}]`);
  }
  const weight = (input: number, unit: number) => w1.data[unitsFirst ? unit * d + input : input * h + unit];
  const inputIndex = (c: number, y: number, x: number) => (hwc ? (y * side + x) * 3 + c : c * plane + y * side + x);
  const perRow = Math.ceil(Math.sqrt(h));
  const rows = Math.ceil(h / perRow);
  const width = perRow * tile + (perRow - 1) * padding;
  const height = rows * tile + (rows - 1) * padding;
  const png = new PNG({ width, height });
  png.data.fill(0);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  for (let unit = 0; unit < h; unit++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < d; k++) {
      const v = weight(k, unit);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const x0 = (unit % perRow) * (tile + padding);
    const y0 = Math.floor(unit / perRow) * (tile + padding);
    for (let y = 0; y < tile; y++) {
      for (let x = 0; x < tile; x++) {
        const at = ((y0 + y) * width + (x0 + x)) * 4;
        const input = (c: number) => inputIndex(c, Math.floor(y / zoom), Math.floor(x / zoom));
        for (let c = 0; c < 3; c++) png.data[at + c] = Math.round((weight(input(c), unit) - lo) * scale);
      }
    }
  }
  return PNG.sync.write(png);
}
