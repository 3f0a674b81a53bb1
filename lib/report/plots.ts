/**
 * The notebooks' plots as SVG: vega-lite specifications compiled and rendered
 * headless by vega, no browser or canvas needed. vega and vega-lite (27 MB)
 * are optional dependencies, loaded on the first plot: the library never
 * needs them, and an install without optional packages still trains.
 */
import type * as Vega from 'vega';
import type * as VegaLite from 'vega-lite';

export type Spec = VegaLite.TopLevelSpec;

let renderer: Promise<{ vega: typeof Vega; vegaLite: typeof VegaLite }> | undefined;

function loadRenderer(): Promise<{ vega: typeof Vega; vegaLite: typeof VegaLite }> {
  renderer ??= Promise.all([import('vega'), import('vega-lite')]).then(
    ([vega, vegaLite]) => ({ vega, vegaLite }),
    (err: NodeJS.ErrnoException) => {
      renderer = undefined;
      if (err.code !== 'MODULE_NOT_FOUND') throw err;
      throw new Error(
        'nndl: plots need the optional packages vega and vega-lite, which are not installed here; ' +
          'install them with `npm install vega@5 vega-lite@5`',
        { cause: err },
      );
    },
  );
  return renderer;
}

/** Any vega-lite specification rendered to SVG text. */
export async function renderSvg(spec: Spec): Promise<string> {
  const { vega, vegaLite } = await loadRenderer();
  const compiled = vegaLite.compile(spec).spec;
  return new vega.View(vega.parse(compiled), { renderer: 'none' }).toSVG();
}

const SIZE = { width: 640, height: 320 };

/** Training loss per iteration, as the notebook's 'Training loss' plot. */
export function lossPlot(loss: readonly number[]): Promise<string> {
  // Thinned to at most 2,000 points: enough for the shape of the curve.
  const step = Math.max(1, Math.ceil(loss.length / 2000));
  const values = [];
  for (let i = 0; i < loss.length; i += step) values.push({ iteration: i + 1, loss: loss[i] });
  return renderSvg({
    ...SIZE,
    title: 'Training loss',
    data: { values },
    mark: { type: 'point', size: 8, filled: true, opacity: 0.6 },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'Iteration' },
      y: { field: 'loss', type: 'quantitative', title: 'Loss', scale: { zero: false } },
    },
  });
}

/** Train and validation accuracy per epoch, as the notebook's 'Accuracy' plot. */
export function accuracyPlot(train: readonly number[], val: readonly number[]): Promise<string> {
  const values = [
    ...train.map((acc, epoch) => ({ epoch, accuracy: acc, split: 'train' })),
    ...val.map((acc, epoch) => ({ epoch, accuracy: acc, split: 'val' })),
  ];
  return renderSvg({
    ...SIZE,
    title: 'Accuracy',
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { tickMinStep: 1 } },
      y: { field: 'accuracy', type: 'quantitative', title: 'Accuracy', scale: { domain: [0, 1] } },
      color: { field: 'split', type: 'nominal', title: null },
    },
  });
}

export interface SweepPoint {
  learningRate: number;
  trainAcc: number;
  valAcc: number;
  /** Other swept settings, e.g. 'reg 0.1, hidden 50'; one line per distinct label. */
  label: string;
}

/** Accuracy against learning rate on a log axis, as the notebook's 'Accuracies vs alpha'. */
export function sweepPlot(points: readonly SweepPoint[]): Promise<string> {
  const values = points.flatMap((p) => [
    { learningRate: p.learningRate, accuracy: p.trainAcc, series: `train${p.label ? `, ${p.label}` : ''}` },
    { learningRate: p.learningRate, accuracy: p.valAcc, series: `val${p.label ? `, ${p.label}` : ''}` },
  ]);
  return renderSvg({
    ...SIZE,
    title: 'Accuracy against learning rate',
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'learningRate', type: 'quantitative', title: 'Learning rate', scale: { type: 'log' } },
      y: { field: 'accuracy', type: 'quantitative', title: 'Classification accuracy' },
      color: { field: 'series', type: 'nominal', title: null },
    },
  });
}

/** Points in two dimensions coloured by label, e.g. a 2-d latent embedding. */
export function scatterPlot(points: readonly { x: number; y: number; label: string }[], title: string): Promise<string> {
  return renderSvg({
    width: 480,
    height: 480,
    title,
    data: { values: [...points] },
    mark: { type: 'point', filled: true, size: 40, opacity: 0.8 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'latent 1', scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: 'latent 2', scale: { zero: false } },
      color: { field: 'label', type: 'nominal', title: 'class' },
    },
  });
}
