/** The two_layer_nn notebook's toy checks, with its printed values. */
import { evalNumericalGradient, relError } from '../lib/gradient-check';
import { StandaloneTwoLayerNet } from '../lib/models/standalone-two-layer-net';
import { NumpyRandomState } from '../lib/random';
import { fromArray, type Tensor } from '../lib/tensor';

// init_toy_model: np.random.seed(0); TwoLayerNet(4, 10, 3, std=1e-1). The
// generator is kept: train() samples minibatches from where init stopped.
function toyModel(): StandaloneTwoLayerNet {
  return new StandaloneTwoLayerNet(4, 10, 3, { std: 1e-1, rng: new NumpyRandomState(0) });
}

// init_toy_data: np.random.seed(1); X = 10 * randn(5, 4); y = [0, 1, 2, 2, 1].
function toyData(): { X: Tensor; y: number[] } {
  const X = new NumpyRandomState(1).randn(5, 4);
  for (let i = 0; i < X.size; i++) X.data[i] *= 10;
  return { X, y: [0, 1, 2, 2, 1] };
}

test('forward pass scores match correct_scores', () => {
  const { X } = toyData();
  const scores = toyModel().loss(X);
  const correct = fromArray([
    [-1.07260209, 0.05083871, -0.87253915],
    [-2.02778743, -0.10832494, -1.52641362],
    [-0.74225908, 0.15259725, -0.39578548],
    [-0.38172726, 0.10835902, -0.17328274],
    [-0.64417314, -0.18886813, -0.41106892],
  ]);
  let sum = 0;
  for (let i = 0; i < scores.size; i++) sum += Math.abs(scores.data[i] - correct.data[i]);
  expect(sum).toBeLessThan(1e-7);
});

test('loss with reg 0.05 equals 1.071696123862817', () => {
  const { X, y } = toyData();
  const [loss] = toyModel().loss(X, y, 0.05);
  expect(Math.abs(loss - 1.071696123862817)).toBeLessThan(1e-12);
});

test('gradients match numerical gradients within 1e-8', () => {
  const { X, y } = toyData();
  const net = toyModel();
  const [, grads] = net.loss(X, y, 0.05);
  for (const name of ['W1', 'b1', 'W2', 'b2']) {
    const num = evalNumericalGradient(() => net.loss(X, y, 0.05)[0], net.params[name], { verbose: false });
    expect(relError(num, grads[name])).toBeLessThan(1e-8);
  }
});

test('100 iterations of train end at the notebook loss 0.01449786458776595', () => {
  const { X, y } = toyData();
  const net = toyModel();
  const stats = net.train(X, y, X, y, { learningRate: 1e-1, reg: 5e-6, numIters: 100 });
  expect(stats.lossHistory).toHaveLength(100);
  expect(Math.abs(stats.lossHistory[99] - 0.01449786458776595)).toBeLessThan(1e-10);
  // N = 5 < batchSize, so every iteration is an epoch.
  expect(stats.valAccHistory).toHaveLength(100);
  expect(stats.valAccHistory[99]).toBe(1);
});

test.each(['float64', 'float32'] as const)(
  'train equals the reference loop (loss, then w -= lr * grad, decay per epoch) up to rounding, %s',
  (dtype) => {
    const X = new NumpyRandomState(3).randn(60, 20).astype(dtype);
    const y = Array.from(new NumpyRandomState(4).randint(0, 4, 60));
    const options = { learningRate: 0.05, learningRateDecay: 0.9, reg: 0.1, batchSize: 16 };
    const trained = new StandaloneTwoLayerNet(20, 10, 4, { std: 0.1, dtype, rng: 5 });
    const stats = trained.train(X, y, X, y, { ...options, numIters: 30, rng: 6 });
    // The reference's train(), written out over the same minibatches.
    const net = new StandaloneTwoLayerNet(20, 10, 4, { std: 0.1, dtype, rng: 5 });
    const sampler = new NumpyRandomState(6);
    let lr = options.learningRate;
    const losses: number[] = [];
    for (let it = 0; it < 30; it++) {
      const idx = sampler.choice(60, 16);
      const xb = fromArray(Array.from(idx, (i) => Array.from(X.data.subarray(i * 20, (i + 1) * 20))), dtype);
      const [loss, grads] = net.loss(xb, Array.from(idx, (i) => y[i]), options.reg);
      losses.push(loss);
      for (const name of ['W1', 'b1', 'W2', 'b2']) {
        const p = net.params[name];
        for (let k = 0; k < p.size; k++) p.data[k] -= lr * grads[name].data[k];
      }
      if (it % (60 / 16) === 0) lr *= options.learningRateDecay;
    }
    const tol = dtype === 'float64' ? 1e-12 : 1e-5;
    for (let it = 0; it < 30; it++) expect(Math.abs(stats.lossHistory[it] - losses[it]) / losses[it]).toBeLessThan(tol);
    for (const name of ['W1', 'b1', 'W2', 'b2']) expect(relError(trained.params[name], net.params[name])).toBeLessThan(tol);
  },
);

test('train refuses parameters replaced by tensors of another shape or dtype', () => {
  const { X, y } = toyData();
  const net = toyModel();
  net.params.W1 = fromArray([[1, 2]]);
  expect(() => net.train(X, y, X, y, { numIters: 1 })).toThrow(
    /^StandaloneTwoLayerNet.train: Expected a float64 tensor of 40 values for params.W1 but received float64 Tensor of shape \[1, 2\]$/,
  );
});

test('bad input', () => {
  const net = toyModel();
  expect(() => net.loss(fromArray([[1, 2, 3]]))).toThrow(/X has shape \[1, 3\] but the network takes 4 inputs/);
  expect(() => net.loss(fromArray([[1, 2, 3, 4]], 'float32'))).toThrow(TypeError);
  expect(() => net.loss(fromArray([[1, 2, 3, 4]]), [3])).toThrow(/y\[0\]/);
  expect(() => net.loss(fromArray([[1, 2, 3, 4]]), [0], -1)).toThrow(/reg/);
  const { X, y } = toyData();
  expect(() => net.train(X, y, X, y, { batchSize: 0 })).toThrow(/options\.batchSize/);
  expect(() => new StandaloneTwoLayerNet(0, 1, 1)).toThrow(/inputSize/);
});
