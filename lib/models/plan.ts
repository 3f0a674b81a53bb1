/**
 * A network planned from its layer list, without allocating anything: the
 * layers checked by their table entries, each layer's input and output
 * shapes, the fused entries the layers run as, and the name and shape of
 * every parameter and buffer. Sequential builds itself from a plan, and a
 * checkpoint's header is checked against one before any tensor is read.
 */
import { formatLayers, parseLayers } from '../layers/layer-string';
import { LAYERS, LOSSES, type LayerKind, type LayerSpec, type LossKind, type ParamDef, type Role } from '../layers/specs';
import type { Shape } from '../tensor';
import { formatShape, invalidType, invalidValue, objectArg } from '../validate';

/** A layer of a Sequential's list: its type and options, e.g. {type: 'conv', filters: 32, size: 3, pad: 1}. */
export interface LayerInput {
  type: string;
  [option: string]: unknown;
}

/** One step of the network: a table entry (maybe standing for several layers) with its shapes, parameters and buffers. */
export interface PlannedBlock {
  kind: LayerKind;
  spec: LayerSpec;
  /** Shapes of one example in and out. */
  input: Shape;
  output: Shape;
  /** The parameters in the order they are created, each with its name (W2, gamma1, ...). */
  params: (ParamDef & { name: string })[];
  /** The buffers: name in checkpoints (runningMean1), key in the state's buffers, shape. */
  buffers: [string, string, number[]][];
}

export interface NetworkPlan {
  /** The layers, checked and with their defaults, the loss last. */
  layers: LayerSpec[];
  loss: LossKind;
  blocks: PlannedBlock[];
  /** Scores per example: the classes. */
  numClasses: number;
}

/** The layers as specs checked by their table entries, the loss apart. */
function layerSpecs(fn: string, layers: unknown): { specs: LayerSpec[]; loss: LossKind } {
  const list = typeof layers === 'string' ? parseLayers(fn, layers) : layers;
  if (!Array.isArray(list)) throw invalidType(fn, 'layers', 'an array of layer specs or a layer-list string', layers);
  if (list.length === 0) throw invalidValue(fn, 'layers', 'at least one layer and a loss', layers);
  const specs: LayerSpec[] = [];
  list.forEach((value, i) => {
    const o = objectArg(fn, `layers[${i}]`, value);
    const type = o.type;
    const last = i === list.length - 1;
    if (typeof type !== 'string') throw invalidType(fn, `layers[${i}].type`, 'a layer type', type);
    if (Object.prototype.hasOwnProperty.call(LOSSES, type)) {
      if (!last) throw invalidValue(fn, `layers[${i}].type`, `a layer (the loss ${type} must come last)`, type);
      return;
    }
    if (last) throw invalidValue(fn, `layers[${i}].type`, `a loss to end the layers (${Object.keys(LOSSES).join(' or ')})`, type);
    const kind = Object.prototype.hasOwnProperty.call(LAYERS, type) ? LAYERS[type] : undefined;
    if (kind === undefined || kind.fuses) {
      const known = Object.values(LAYERS).filter((k) => !k.fuses).map((k) => k.type);
      throw invalidValue(fn, `layers[${i}].type`, `one of ${[...known, ...Object.keys(LOSSES)].join(', ')}`, type);
    }
    specs.push(kind.spec(fn, `layers[${i}]`, o));
  });
  if (specs.length === 0) throw invalidValue(fn, 'layers', 'at least one layer before the loss', layers);
  return { specs, loss: LOSSES[(list[list.length - 1] as LayerInput).type as keyof typeof LOSSES] };
}

/** The table entry that stands for the layers from specs[i] on (the longest fusion that matches), and how many it covers. */
function fusedAt(specs: readonly LayerSpec[], i: number): [LayerKind, number] {
  let best: [LayerKind, number] = [LAYERS[specs[i].type], 1];
  for (const kind of Object.values(LAYERS)) {
    const types = kind.fuses;
    if (types && types.length > best[1] && types.every((t, k) => specs[i + k]?.type === t)) best = [kind, types.length];
  }
  return best;
}

/**
 * Plans the network of a layer list on examples of inputShape (checked by
 * the caller). W and b are numbered by the layers with weights, gamma, beta
 * and the running statistics by the batchnorm layers, each from 1.
 * @param fn who is asking, for messages
 * @param layers layer specs ending in a loss, or a layer-list string
 * @param inputShape shape of one example
 */
export function planNetwork(fn: string, layers: unknown, inputShape: Shape): NetworkPlan {
  const { specs, loss } = layerSpecs(fn, layers);
  // Shapes layer by layer, so that a misfit names the layer the user wrote.
  const shapes: Shape[] = [inputShape];
  specs.forEach((spec, i) => shapes.push(LAYERS[spec.type].outputShape(fn, `layers[${i}] (${formatLayers([spec])})`, spec, shapes[i])));
  const scores = shapes[specs.length];
  if (scores.length !== 1) {
    throw new RangeError(
      `${fn}: the layers before the loss must give one score per class, but they give ${formatShape(scores)} per example; end them with an affine layer`,
    );
  }
  const blocks: PlannedBlock[] = [];
  const counters = { weight: 0, norm: 0 };
  for (let i = 0; i < specs.length; ) {
    const [kind, count] = fusedAt(specs, i);
    const spec = kind.fuse ? kind.fuse(specs.slice(i, i + count)) : specs[i];
    const input = shapes[i];
    const number = kind.counter ? ++counters[kind.counter] : 0;
    const params = (kind.params?.(spec, input) ?? []).map((def) => ({ ...def, name: `${def.role}${number}` }));
    const buffers = Object.entries(kind.bufferShapes?.(spec, input) ?? {}).map(([key, shape]): [string, string, number[]] => [`${key}${number}`, key, shape]);
    blocks.push({ kind, spec, input, output: shapes[i + count], params, buffers });
    i += count;
  }
  return { layers: [...specs, { type: loss.type }], loss, blocks, numClasses: scores[0] };
}

/** The parameter names of a planned block by role: {W: 'W2', b: 'b2'}. */
export function roleNames(block: PlannedBlock): Partial<Record<Role, string>> {
  return Object.fromEntries(block.params.map((p) => [p.role, p.name]));
}

/**
 * The course's ThreeLayerConvNet as a layer list: conv - relu - 2x2 max pool -
 * affine - relu - affine - softmax, the convolution keeping the input's size
 * (stride 1, pad (filterSize - 1) / 2).
 */
export function threeLayerConvLayers(numFilters: number, filterSize: number, hiddenDim: number, numClasses: number): LayerInput[] {
  return [
    { type: 'conv', filters: numFilters, size: filterSize, stride: 1, pad: (filterSize - 1) / 2 },
    { type: 'relu' },
    { type: 'pool', size: 2, stride: 2 },
    { type: 'affine', units: hiddenDim },
    { type: 'relu' },
    { type: 'affine', units: numClasses },
    { type: 'softmax' },
  ];
}
