/**
 * The layer-list string of the command line and of `new Sequential(string)`:
 * comma-separated tokens, one per layer, each read by its table entry's token
 * (lib/layers/specs.ts), e.g.
 *
 *   conv32k3p1,bn,relu,pool2,affine256,relu,dropout0.5,affine10
 *
 * A loss (softmax or svm) may only come last; without one the list ends in
 * softmax. Every mistake is one error naming the token and its position.
 */
import { LAYERS, LOSSES, type LayerSpec } from './specs';

/** The syntax of every token, for messages and documentation. */
export function layerGrammar(): string[] {
  const layers = Object.values(LAYERS).flatMap((k) => (k.token ? [k.token.syntax] : []));
  return [...layers, ...Object.values(LOSSES).map((l) => l.token.syntax)];
}

/**
 * Reads a layer-list string into layer specs ending in a loss.
 * @param fn who is asking, for messages ('--layers', 'Sequential')
 * @param text the tokens, comma-separated; spaces around them and letter case do not matter
 * @returns the layers' specs, checked by their table entries, the loss last
 */
export function parseLayers(fn: string, text: string): LayerSpec[] {
  if (typeof text !== 'string') throw new TypeError(`${fn}: Expected a layer-list string but received ${typeof text}`);
  const tokens = text.split(',').map((t) => t.trim().toLowerCase());
  const specs: LayerSpec[] = [];
  tokens.forEach((token, i) => {
    const where = `layer ${i + 1} of ${tokens.length}`;
    const loss = Object.values(LOSSES).find((l) => l.token.pattern.test(token));
    if (loss) {
      if (i !== tokens.length - 1) throw new RangeError(`${fn}: "${token}" (${where}) is a loss, which can only come last`);
      specs.push({ type: loss.type });
      return;
    }
    for (const kind of Object.values(LAYERS)) {
      const match = kind.token?.pattern.exec(token);
      if (!match) continue;
      try {
        specs.push(kind.spec(fn, 'options', { type: kind.type, ...kind.token!.read(match) }));
      } catch (e) {
        const message = (e as Error).message.replace(`${fn}: `, '').replace(' for options.', ' for ');
        throw new (e instanceof TypeError ? TypeError : RangeError)(`${fn}: "${token}" (${where}): ${message}`);
      }
      return;
    }
    const what = token === '' ? 'an empty layer' : `unknown layer "${token}"`;
    throw new RangeError(`${fn}: ${what} (${where}); a layer is one of ${layerGrammar().join(', ')}`);
  });
  if (!Object.prototype.hasOwnProperty.call(LOSSES, specs[specs.length - 1].type)) specs.push({ type: 'softmax' });
  return specs;
}

/** Layer specs (of the string's layers, not fused entries) written back as a layer-list string. */
export function formatLayers(specs: readonly LayerSpec[]): string {
  return specs
    .map((s) => {
      const kind = LAYERS[s.type];
      return kind?.token ? kind.token.write(s) : s.type;
    })
    .join(',');
}
