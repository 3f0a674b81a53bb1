/**
 * TensorFlow.js in Node on a workload of workloads.json, with its CPU
 * (plain JavaScript) or WASM (XNNPACK, SIMD) backend: the same MLP from
 * tfjs-core ops, softmax cross-entropy, SGD with L2 on the weights only.
 * TensorFlow.js has no float64, so every workload runs in float32; its
 * WASM backend runs one thread in Node. `@tensorflow/tfjs-node` is not used:
 * it downloads libtensorflow at install time, which an offline machine
 * cannot do. Prints one JSON line.
 *
 *   node dist/benchmarks/peers/tfjs.js cpu|wasm W1|W2|W3|W4 [iterations]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { measureAll } from '../harness';
import {
  INPUT_DIM, SPEC, emit, workloadData, type KernelResult, type RunnerResult, type SolverWorkload, type StandaloneWorkload, type TrainingResult,
} from '../workloads';

/** The workloads this peer runs: the MLPs (W1-W3; the conv net W5 is not ported). */
type Mlp = StandaloneWorkload | SolverWorkload;

interface Layer {
  W: tf.Variable;
  b: tf.Variable;
}

function network(w: Mlp, std: number): Layer[] {
  const dims = [INPUT_DIM, ...w.hidden, SPEC.data.classes];
  return dims.slice(1).map((out, i) => ({
    W: tf.variable(tf.randomNormal([dims[i], out], 0, std, 'float32', 0)),
    b: tf.variable(tf.zeros([out])),
  }));
}

function scores(layers: Layer[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  layers.forEach((l, i) => {
    const a = tf.add(tf.matMul(h, l.W), l.b) as tf.Tensor2D;
    h = i < layers.length - 1 ? tf.relu(a) : a;
  });
  return h;
}

/** A training step on a sampled minibatch; returns the loss tensor (kept) for a final sync. */
function stepper(w: Mlp, layers: Layer[], X: tf.Tensor2D, y: tf.Tensor1D, reg: number, optimizer: tf.SGDOptimizer) {
  const vars = layers.flatMap((l) => [l.W, l.b]);
  return (): tf.Scalar =>
    tf.tidy(() => {
      const idx = tf.randomUniform([w.batch], 0, X.shape[0], 'int32');
      const xb = tf.gather(X, idx);
      const yb = tf.oneHot(tf.gather(y, idx), SPEC.data.classes);
      return optimizer.minimize(() => {
        const loss = tf.losses.softmaxCrossEntropy(yb, scores(layers, xb)) as tf.Scalar;
        if (reg === 0) return loss;
        const penalty = layers.map((l) => tf.sum(tf.square(l.W))).reduce((a, b) => tf.add(a, b));
        return tf.add(loss, tf.mul(0.5 * reg, penalty));
      }, true, vars) as tf.Scalar;
    });
}

async function run(name: 'W1' | 'W2' | 'W3', iterationsArg: number): Promise<TrainingResult> {
  const w = SPEC.workloads[name];
  const { train, val } = await workloadData('float32');
  const X = tf.tensor2d(train.X.data as Float32Array, [train.X.shape[0], INPUT_DIM]);
  const y = tf.tensor1d(train.y, 'int32');
  const layers = network(w, w.kind === 'standalone' ? w.std : w.weightScale);
  const optimizer = tf.train.sgd(w.learningRate);
  const step = stepper(w, layers, X, y, w.kind === 'standalone' ? w.reg : 0, optimizer);
  const perEpoch = Math.floor(SPEC.data.train / w.batch);
  const full = w.kind === 'standalone' ? w.iterations : perEpoch;
  const iterations = iterationsArg > 0 ? Math.min(iterationsArg, full) : full;
  tf.dispose(step());
  const Xval = tf.tensor2d(val.X.data as Float32Array, [val.X.shape[0], INPUT_DIM]);
  let learningRate = w.learningRate;
  const t0 = process.hrtime.bigint();
  let last: tf.Scalar | undefined;
  for (let it = 0; it < iterations; it++) {
    tf.dispose(last);
    last = step();
    if (w.kind === 'standalone' && it % perEpoch === 0) {
      tf.tidy(() => tf.argMax(scores(layers, Xval), 1).dataSync());
      learningRate *= w.lrDecay;
      optimizer.setLearningRate(learningRate);
    }
  }
  last?.dataSync();
  const seconds = (Number(process.hrtime.bigint() - t0) / 1e9) * (full / iterations);
  return { peer: `tfjs-${tf.getBackend()}`, seconds, iterations, iterationsPerEpoch: perEpoch, dtype: 'float32' };
}

function kernels(): KernelResult {
  const k = SPEC.kernels;
  const fns: Record<string, () => void> = {};
  const x = tf.randomNormal([k.batch, k.inputDim], 0, 1, 'float32', 0) as tf.Tensor2D;
  for (const m of k.outputs) {
    const w = tf.randomNormal([k.inputDim, m], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([m], 0, 1, 'float32', 2);
    const dout = tf.randomNormal([k.batch, m], 0, 1, 'float32', 3) as tf.Tensor2D;
    const shape = `${k.inputDim}x${m} float32`;
    fns[`affine forward ${shape}`] = () => tf.tidy(() => tf.add(tf.matMul(x, w), b).dataSync());
    fns[`affine backward ${shape}`] = () =>
      tf.tidy(() => {
        tf.matMul(dout, w, false, true).dataSync();
        tf.matMul(x, dout, true, false).dataSync();
        tf.sum(dout, 0).dataSync();
      });
  }
  const dx = tf.randomNormal(x.shape, 0, 1, 'float32', 4);
  fns[`relu forward ${k.batch}x${k.inputDim} float32`] = () => tf.tidy(() => tf.relu(x).dataSync());
  fns[`relu backward ${k.batch}x${k.inputDim} float32`] = () => tf.tidy(() => tf.mul(dx, tf.step(x)).dataSync());
  const s = tf.randomNormal([k.batch, k.classes], 0, 1, 'float32', 5);
  const labels = tf.oneHot(tf.randomUniform([k.batch], 0, k.classes, 'int32', 6), k.classes);
  const softmaxGrad = tf.valueAndGrad((t: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, t) as tf.Scalar);
  fns[`softmax loss ${k.batch}x${k.classes} float32`] = () =>
    tf.tidy(() => {
      const { value, grad } = softmaxGrad(s);
      value.dataSync();
      grad.dataSync();
    });
  return { peer: `tfjs-${tf.getBackend()}`, kernels: measureAll(fns, { samples: 11 }), dtype: 'float32' };
}

async function main(): Promise<void> {
  const [backend, name, iterations] = process.argv.slice(2);
  if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`tfjs peer: expected backend cpu or wasm but received ${backend}`);
  await tf.setBackend(backend);
  await tf.ready();
  let result: RunnerResult;
  if (name === 'W4') result = kernels();
  else if (name === 'W1' || name === 'W2' || name === 'W3') result = await run(name, Number(iterations ?? 0));
  else throw new Error(`tfjs peer: expected W1, W2, W3 or W4 but received ${name}`);
  emit({ ...result, version: tf.version_core, threads: 1 });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
