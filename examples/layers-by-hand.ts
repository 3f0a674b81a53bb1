/**
 * A two-layer network (affine - relu - affine - softmax) put together by hand
 * from nndl's layer functions, trained by plain SGD on generated data:
 * ten Gaussian clusters in 200 dimensions, overlapping enough that the
 * network must learn. Prints the loss as it goes and the final accuracies.
 *
 *   node dist/examples/layers-by-hand.js
 */
import {
  NumpyRandomState, Tensor, affineBackward, affineForward, affineReluBackward, affineReluForward, softmaxLoss,
} from '../lib/index';

const N_TRAIN = 4000;
const N_VAL = 1000;
const DIM = 200;
const CLASSES = 10;
const HIDDEN = 50;
const EPOCHS = 10;
const BATCH = 100;
const LEARNING_RATE = 0.1;
const WEIGHT_SCALE = 1e-2;

const rng = new NumpyRandomState(0);

/** Points around one random centre per class, with unit noise. */
function makeData(centres: Tensor, n: number): { x: Tensor; y: Int32Array } {
  const y = rng.randint(0, CLASSES, n);
  const x = rng.randn(n, DIM);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < DIM; j++) x.data[i * DIM + j] += centres.data[y[i] * DIM + j];
  }
  return { x, y };
}

/** Rows idx of x, and their labels. */
function batch(x: Tensor, y: Int32Array, idx: Int32Array): { xb: Tensor; yb: Int32Array } {
  const xb = new Float64Array(idx.length * DIM);
  idx.forEach((row, i) => xb.set(x.data.subarray(row * DIM, (row + 1) * DIM), i * DIM));
  return { xb: new Tensor(xb, [idx.length, DIM]), yb: Int32Array.from(idx, (row) => y[row]) };
}

function accuracy(params: Record<string, Tensor>, x: Tensor, y: Int32Array): number {
  const [h] = affineReluForward(x, params.W1, params.b1);
  const [scores] = affineForward(h, params.W2, params.b2);
  let correct = 0;
  for (let i = 0; i < y.length; i++) {
    const row = scores.data.subarray(i * CLASSES, (i + 1) * CLASSES);
    if (row.indexOf(Math.max(...row)) === y[i]) correct++;
  }
  return correct / y.length;
}

function main(): void {
  const centres = rng.randn(CLASSES, DIM);
  for (let i = 0; i < centres.size; i++) centres.data[i] *= 0.2;
  const train = makeData(centres, N_TRAIN);
  const val = makeData(centres, N_VAL);

  const scaled = (t: Tensor) => {
    for (let i = 0; i < t.size; i++) t.data[i] *= WEIGHT_SCALE;
    return t;
  };
  const params: Record<string, Tensor> = {
    W1: scaled(rng.randn(DIM, HIDDEN)),
    b1: new Tensor(new Float64Array(HIDDEN), [HIDDEN]),
    W2: scaled(rng.randn(HIDDEN, CLASSES)),
    b2: new Tensor(new Float64Array(CLASSES), [CLASSES]),
  };

  const itersPerEpoch = N_TRAIN / BATCH;
  const start = process.hrtime.bigint();
  console.log(`two-layer net ${DIM}-${HIDDEN}-${CLASSES}, ${N_TRAIN} generated examples, SGD lr ${LEARNING_RATE}`);
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    let lossSum = 0;
    for (let it = 0; it < itersPerEpoch; it++) {
      const { xb, yb } = batch(train.x, train.y, rng.choice(N_TRAIN, BATCH));
      const [h, hCache] = affineReluForward(xb, params.W1, params.b1);
      const [scores, sCache] = affineForward(h, params.W2, params.b2);
      const [loss, dscores] = softmaxLoss(scores, yb);
      const [dh, dW2, db2] = affineBackward(dscores, sCache);
      const [, dW1, db1] = affineReluBackward(dh, hCache, { dx: false });
      const grads: Record<string, Tensor> = { W1: dW1, b1: db1, W2: dW2, b2: db2 };
      for (const [name, p] of Object.entries(params)) {
        const g = grads[name].data;
        for (let i = 0; i < p.size; i++) p.data[i] -= LEARNING_RATE * g[i];
      }
      lossSum += loss;
    }
    const trainAcc = accuracy(params, train.x, train.y);
    const valAcc = accuracy(params, val.x, val.y);
    console.log(
      `epoch ${epoch}/${EPOCHS}  loss ${(lossSum / itersPerEpoch).toFixed(4)}  ` +
        `train acc ${trainAcc.toFixed(3)}  val acc ${valAcc.toFixed(3)}`,
    );
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const finalVal = accuracy(params, val.x, val.y);
  console.log(`done in ${seconds.toFixed(2)} s; validation accuracy ${(100 * finalVal).toFixed(1)}% (chance is 10%)`);
}

main();
