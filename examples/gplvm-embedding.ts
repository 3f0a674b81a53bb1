/**
 * Problem 2 on data: a GPLVM with a linear kernel fitted to a small labelled
 * set (three classes of points on a 3-d latent structure, seen through a
 * random linear map into 30 dimensions with noise), printing the fitted log
 * likelihood against the closed-form optimum and writing the 2-d embedding
 * as a scatter plot coloured by class.
 *
 *   node dist/examples/gplvm-embedding.js [output directory]
 */
import fs from 'node:fs';
import path from 'node:path';

import { Gplvm, NumpyRandomState, matmul, zeros } from '../lib/index';
import { scatterPlot } from '../lib/report/plots';

const out = process.argv[2] ?? 'gplvm-out';
const N = 150;
const D = 30;

async function main(): Promise<void> {
  const rng = new NumpyRandomState(0);
  const labels = rng.randint(0, 3, N);
  const centres = [[3, 0, 0], [-1.5, 2.6, 0], [-1.5, -2.6, 0]];
  const latent = zeros([N, 3]);
  for (let i = 0; i < N; i++) for (let c = 0; c < 3; c++) latent.data[i * 3 + c] = centres[labels[i]][c] + rng.nextGaussian();
  const Y = matmul(latent, rng.randn(3, D));
  for (let i = 0; i < Y.size; i++) Y.data[i] += 0.5 * rng.nextGaussian();
  for (let j = 0; j < D; j++) {
    let m = 0;
    for (let i = 0; i < N; i++) m += Y.data[i * D + j] / N;
    for (let i = 0; i < N; i++) Y.data[i * D + j] -= m;
  }

  const model = new Gplvm(2, { alpha: 1, beta: 4 });
  const optimum = model.optimum(Y).logLikelihood;
  const t0 = Date.now();
  const fit = model.fit(Y, { iterations: 1000, init: 'pca', optimConfig: { learningRate: 1e-3 } });
  const final = fit.history[fit.history.length - 1];
  console.log(`fitted in ${((Date.now() - t0) / 1000).toFixed(1)} s from PCA: log likelihood ${fit.history[0].toFixed(3)} -> ${final.toFixed(6)}`);
  console.log(`closed-form optimum ${optimum.toFixed(6)} (relative gap ${((optimum - final) / Math.abs(optimum)).toExponential(2)})`);

  const points = Array.from({ length: N }, (_, i) => ({ x: fit.X.data[i * 2], y: fit.X.data[i * 2 + 1], label: `class ${labels[i]}` }));
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'embedding.svg'), await scatterPlot(points, 'GPLVM (linear kernel), 2-d latent points'));
  console.log(`wrote ${out}/embedding.svg`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
