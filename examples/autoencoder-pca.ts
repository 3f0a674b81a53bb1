/**
 * Problem 1 on data: a linear autoencoder trained on centered 8 x 8 colour
 * patches of CIFAR-10 (or, without CIFAR-10, of the generated images) learns
 * the principal subspace. Prints the largest principal angle to the top-k
 * principal directions and the reconstruction error against the discarded
 * eigenvalues, and writes the learned filters next to the principal components.
 *
 *   node dist/examples/autoencoder-pca.js [CIFAR-10 source] [output directory]
 */
import fs from 'node:fs';
import path from 'node:path';

import { LinearAutoencoder, NumpyRandomState, eigh, loadCifar10, matmul, zeros, type Tensor } from '../lib/index';
import { syntheticData } from '../lib/cli/synthetic';
import { weightsPng } from '../lib/report/weights';

const source = process.argv[2] ?? 'cifar10';
const out = process.argv[3] ?? 'autoencoder-out';
const SIDE = 8;
const D = 3 * SIDE * SIDE;
const K = 16;
const PATCHES = 20000;

/** Random 8 x 8 patches (channel-planar) of images given as a byte or float array of (N, 3, 32, 32). */
function patches(images: ArrayLike<number>, count: number, rng: NumpyRandomState): Tensor {
  const x = zeros([PATCHES, D]);
  const img = rng.randint(0, count, PATCHES);
  const at = rng.randint(0, 32 - SIDE + 1, 2 * PATCHES);
  for (let p = 0; p < PATCHES; p++) {
    for (let c = 0; c < 3; c++) for (let y = 0; y < SIDE; y++) for (let xx = 0; xx < SIDE; xx++) {
      x.data[p * D + c * SIDE * SIDE + y * SIDE + xx] = images[img[p] * 3072 + c * 1024 + (at[2 * p] + y) * 32 + at[2 * p + 1] + xx] / 255;
    }
  }
  for (let j = 0; j < D; j++) {
    let m = 0;
    for (let p = 0; p < PATCHES; p++) m += x.data[p * D + j] / PATCHES;
    for (let p = 0; p < PATCHES; p++) x.data[p * D + j] -= m;
  }
  return x;
}

async function main(): Promise<void> {
  const rng = new NumpyRandomState(0);
  let x: Tensor;
  try {
    const data = await loadCifar10(source);
    x = patches(data.XTrain.data, data.XTrain.shape[0], rng);
    console.log(`${PATCHES} centered 8 x 8 patches of CIFAR-10 (${source})`);
  } catch (e) {
    console.log(`no CIFAR-10 (${(e as Error).message.split('\n')[0]}); using generated images`);
    const s = syntheticData(0, 'float64').XTrain;
    const bytes = Array.from(s.data, (v) => v + 128);
    x = patches(bytes, s.shape[0], rng);
  }
  const cov = matmul(x, x, { transA: true });
  for (let i = 0; i < cov.size; i++) cov.data[i] /= PATCHES;
  const { values, vectors } = eigh(cov);
  const discarded = Array.from(values.data).slice(0, D - K).reduce((a, b) => a + b, 0);

  const ae = new LinearAutoencoder(D, K, { rng: 1, weightScale: 0.01 });
  const t0 = Date.now();
  const history = ae.train(x, { iterations: 1500, batchSize: 2000, optimConfig: { learningRate: 1e-2 }, rng: 2 });
  const full = ae.train(x, { iterations: 1500, optimConfig: { learningRate: 2e-3 } });
  const [loss] = ae.loss(x);
  console.log(`trained in ${((Date.now() - t0) / 1000).toFixed(1)} s: loss ${history[0].toFixed(4)} -> ${full[full.length - 1].toFixed(6)}`);
  console.log(`reconstruction error ${(2 * loss).toFixed(6)}, sum of the ${D - K} discarded eigenvalues ${discarded.toFixed(6)} ` +
    `(relative difference ${(Math.abs(2 * loss - discarded) / discarded).toExponential(2)})`);

  // Largest principal angle between span(W rows) and the top K eigenvectors.
  const top = zeros([D, K]);
  for (let j = 0; j < D; j++) for (let c = 0; c < K; c++) top.data[j * K + c] = vectors.data[j * D + (D - 1 - c)];
  const wt = zeros([D, K]);
  const w = ae.params.W;
  for (let r = 0; r < K; r++) for (let j = 0; j < D; j++) wt.data[j * K + r] = w.data[r * D + j];
  const g = eigh(matmul(wt, wt, { transA: true }));
  const basis = matmul(wt, g.vectors);
  for (let j = 0; j < D; j++) for (let c = 0; c < K; c++) basis.data[j * K + c] /= Math.sqrt(g.values.data[c]);
  const residual = matmul(top, matmul(top, basis, { transA: true }));
  for (let i = 0; i < residual.size; i++) residual.data[i] = basis.data[i] - residual.data[i];
  const sin = Math.sqrt(Math.max(0, eigh(matmul(residual, residual, { transA: true })).values.data[K - 1]));
  console.log(`largest principal angle to the top ${K} principal directions: ${Math.asin(Math.min(1, sin)).toExponential(2)} rad`);

  fs.mkdirSync(out, { recursive: true });
  const options = { side: SIDE, padding: 1 } as const;
  fs.writeFileSync(path.join(out, 'learned-filters.png'), weightsPng(wt, options));
  fs.writeFileSync(path.join(out, 'principal-components.png'), weightsPng(top, options));
  console.log(`wrote ${out}/learned-filters.png and ${out}/principal-components.png`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
