/**
 * A misspelt option is an error, not a silent default: every options object of
 * the public API refuses keys its type does not have, naming the key and the
 * nearest known one (or every known one when none is near).
 */
import {
  FullyConnectedNet, Gplvm, LinearAutoencoder, Sequential, Solver, StandaloneTwoLayerNet, ThreeLayerConvNet, TwoLayerNet,
  batchnormForward, convForward, downloadCifar10, dropoutForward, evalNumericalGradient, getCifar10Data, getCifar10Pixels,
  loadCifar10, loadModelAsync, maxPoolForward, serveModel, spatialBatchnormForward, trainInWorker, zeros,
} from '../lib/index';

/** An options object the types would refuse, as JavaScript callers can still pass it. */
const loose = (o: object): never => o as never;

const x = zeros([2, 3, 4, 4]);
const data = { XTrain: zeros([4, 3, 4, 4]), yTrain: new Int32Array(4), XVal: zeros([4, 3, 4, 4]), yVal: new Int32Array(4) };
const model = () => new TwoLayerNet({ inputDim: 48, hiddenDims: 5, numClasses: 10, rng: 0 });

test('the message names the function, the object, the key and the nearest option', () => {
  expect(() => new Solver(model(), data, loose({ numEpoch: 2 }))).toThrow(
    new TypeError('Solver: Expected a known option for options but received unknown key "numEpoch"; did you mean numEpochs?'),
  );
});

test('with no option near, it lists them all', () => {
  expect(() => convForward(x, zeros([2, 3, 3, 3]), zeros([2]), loose({ stride: 1, padding: 1 }))).toThrow(
    new TypeError('convForward: Expected a known option for convParam but received unknown key "padding"; the options are stride, pad'),
  );
});

test.each<[string, () => unknown, string]>([
  ['Solver', () => new Solver(model(), data, loose({ lrDeacy: 1 })), 'lrDecay'],
  ['TwoLayerNet', () => new TwoLayerNet(loose({ hiddenDim: 5 })), 'hiddenDims'],
  ['FullyConnectedNet', () => new FullyConnectedNet([5], loose({ useBatchNorm: true })), 'useBatchnorm'],
  ['ThreeLayerConvNet', () => new ThreeLayerConvNet(loose({ numFilter: 3 })), 'numFilters'],
  ['Sequential', () => new Sequential('affine(4) > relu > affine', loose({ inputshape: [3] })), 'inputShape'],
  ['StandaloneTwoLayerNet', () => new StandaloneTwoLayerNet(4, 5, 3, loose({ sdt: 1e-4 })), 'std'],
  ['StandaloneTwoLayerNet.train', () => new StandaloneTwoLayerNet(4, 5, 3, { rng: 0 }).train(zeros([2, 4]), new Int32Array(2), zeros([2, 4]), new Int32Array(2), loose({ numIter: 5 })), 'numIters'],
  ['LinearAutoencoder', () => new LinearAutoencoder(4, 2, loose({ tide: true })), 'tied'],
  ['LinearAutoencoder.train', () => new LinearAutoencoder(4, 2, { rng: 0 }).train(zeros([3, 4]), loose({ iteration: 3 })), 'iterations'],
  ['Gplvm', () => new Gplvm(2, loose({ alhpa: 1 })), 'alpha'],
  ['Gplvm.fit', () => new Gplvm(2).fit(zeros([5, 3]), loose({ optimiser: 'adam' })), 'optimizer'],
  ['convForward', () => convForward(x, zeros([2, 3, 3, 3]), zeros([2]), loose({ strides: 1, pad: 1 })), 'stride'],
  ['maxPoolForward', () => maxPoolForward(x, loose({ poolHieght: 2, poolWidth: 2, stride: 2 })), 'poolHeight'],
  ['dropoutForward', () => dropoutForward(x, loose({ p: 0.5, mode: 'train', seeed: 1 })), 'seed'],
  ['batchnormForward', () => batchnormForward(zeros([4, 3]), zeros([3]), zeros([3]), loose({ mode: 'train', epx: 1e-5 })), 'eps'],
  ['spatialBatchnormForward', () => spatialBatchnormForward(x, zeros([3]), zeros([3]), loose({ mode: 'train', momentun: 0.9 })), 'momentum'],
  ['Solver augment', () => new Solver(model(), data, { augment: loose({ pad: 1, flips: true }) }), 'flip'],
  ['evalNumericalGradient', () => evalNumericalGradient(() => 0, zeros([2]), loose({ verbos: false })), 'verbose'],
  ['trainInWorker', () => trainInWorker(model(), data, loose({ batchsize: 2 })), 'batchSize'],
])('%s', (_, call, nearest) => {
  expect(call).toThrow(TypeError);
  expect(call).toThrow(new RegExp(`Expected a known option for [\\w.]+ but received unknown key "\\w+"; did you mean ${nearest}\\?$`));
});

test.each<[string, () => Promise<unknown>, string]>([
  ['serveModel', () => serveModel(model(), loose({ prot: 0 })), 'port'],
  ['loadModelAsync', () => loadModelAsync(new Uint8Array(8), loose({ maxbytes: 8 })), 'maxBytes'],
  ['getCifar10Data', () => getCifar10Data(loose({ numTrainng: 10 })), 'numTraining'],
  ['getCifar10Pixels', () => getCifar10Pixels(loose({ subtractMaen: true })), 'subtractMean'],
  ['loadCifar10', () => loadCifar10('cifar10', loose({ md6: '0' })), 'md5'],
  ['downloadCifar10', () => downloadCifar10(loose({ dst: '/nonexistent' })), 'dest'],
])('%s', async (_, call, nearest) => {
  await expect(call()).rejects.toThrow(new RegExp(`Expected a known option for options but received unknown key "\\w+"; did you mean ${nearest}\\?$`));
});

test('getCifar10Pixels refuses the conversion options it does not take', async () => {
  await expect(getCifar10Pixels(loose({ dtype: 'float32' }))).rejects.toThrow(
    /^getCifar10Pixels: Expected a known option for options but received unknown key "dtype"; the options are source, data,/,
  );
});
