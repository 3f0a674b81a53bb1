/**
 * Peak resident memory of W3 (FullyConnectedNet [100, 100], float32, one
 * Solver epoch) on the real CIFAR-10, next to the size of the data it trains
 * on plus the model: from float32 arrays (getCifar10Data), or from the uint8
 * pixels converted per minibatch (getCifar10Pixels). Prints one JSON line.
 *
 *   node dist/benchmarks/memory.js float32|bytes path/to/cifar-10-binary.tar.gz
 */
import { FullyConnectedNet, Solver, getCifar10Data, getCifar10Pixels, type SolverData } from '../lib/index';
import { SPEC } from './workloads';

async function main(): Promise<void> {
  const [mode, source] = process.argv.slice(2);
  if (mode !== 'float32' && mode !== 'bytes') throw new Error(`memory: expected float32 or bytes but received ${mode}`);
  const w = SPEC.workloads.W3;
  let data: SolverData;
  let dataBytes: number;
  if (mode === 'float32') {
    const d = await getCifar10Data({ source, dtype: 'float32', numTraining: SPEC.data.train, numValidation: SPEC.data.val });
    data = d;
    dataBytes = [d.XTrain, d.XVal, d.XTest].reduce((s, t) => s + t.data.byteLength, 0);
  } else {
    const d = await getCifar10Pixels({ source, numTraining: SPEC.data.train, numValidation: SPEC.data.val });
    data = d;
    // The split views keep every loaded image alive: count all of them.
    dataBytes = d.XTrain.data.buffer.byteLength + d.XTest.data.buffer.byteLength;
  }
  const model = new FullyConnectedNet(w.hidden, { weightScale: w.weightScale, dtype: w.dtype, rng: 0 });
  const modelBytes = Object.values(model.params).reduce((s, p) => s + p.data.byteLength, 0);
  let seconds = 0;
  const solver = new Solver(model, data, {
    optimConfig: { learningRate: w.learningRate }, batchSize: w.batch, numEpochs: 1, verbose: false, rng: 1,
    onEpoch: (e) => { seconds += e.seconds; },
  });
  solver.train();
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ mode, seconds, maxRssMiB, valAcc: solver.bestValAcc, dataMiB: dataBytes / 2 ** 20, modelMiB: modelBytes / 2 ** 20 }));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
