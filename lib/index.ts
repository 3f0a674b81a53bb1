/** nndl: neural-network layers, models and training for Node.js on native OpenBLAS kernels. */
export { Tensor, zeros, zerosLike, empty, emptyLike, sharedZeros, fromArray, linspace } from './tensor';
export type { DType, FloatArray, Shape, NestedArray } from './tensor';
export { NumpyRandomState } from './random';
export type { Labels } from './validate';
export { affineForward, affineBackward } from './layers/affine';
export type { AffineCache } from './layers/affine';
export type { ForwardOptions, BackwardOptions, ParamBackwardOptions } from './outputs';
export {
  reluForward, reluBackward, leakyReluForward, leakyReluBackward,
  sigmoidForward, sigmoidBackward, tanhForward, tanhBackward,
} from './layers/activations';
export type { LeakyReluCache, ActivationBackwardOptions } from './layers/activations';
export { softmaxLoss, svmLoss } from './layers/losses';
export type { LossOptions } from './layers/losses';
export { affineReluForward, affineReluBackward } from './layer-utils';
export type { AffineReluCache } from './layer-utils';
export { evalNumericalGradient, evalNumericalGradientArray, relError } from './gradient-check';
export type { NumericalGradientOptions } from './gradient-check';
export { defaultRandomState, seed } from './random';
export type { RandomSource } from './random';
export { batchnormForward, batchnormBackward } from './layers/batchnorm';
export type { BatchnormParam, BatchnormCache } from './layers/batchnorm';
export { dropoutForward, dropoutBackward } from './layers/dropout';
export type { DropoutParam, DropoutCache } from './layers/dropout';
export { matmul, columnSums, sumSquares, addScaled, argmaxRows } from './ops';
export type { MatmulOptions } from './ops';
export { sgd, sgdMomentum, rmsprop, adam, updateRules } from './optim';
export type { OptimConfig, UpdateRule } from './optim';
export { StandaloneTwoLayerNet, accuracy } from './models/standalone-two-layer-net';
export type { StandaloneTwoLayerNetOptions, TrainOptions, TrainStats } from './models/standalone-two-layer-net';
export { TwoLayerNet } from './models/two-layer-net';
export type { TwoLayerNetOptions } from './models/two-layer-net';
export { FullyConnectedNet } from './models/fully-connected-net';
export type { FullyConnectedNetOptions } from './models/fully-connected-net';
export type { Model, Params, ModelLossOptions } from './models/model';
export { loadModel } from './models/load';
export { readSafetensors, writeSafetensors, encodeSafetensors, decodeSafetensors } from './io/safetensors';
export type { SafetensorsContents } from './io/safetensors';
export { Solver } from './solver';
export type { SolverData, SolverOptions, IterationEvent, EpochEvent } from './solver';
export { loadCifar10, getCifar10Data, CIFAR10_CLASSES } from './data/cifar10';
export type { Cifar10, Cifar10Data, Cifar10DataOptions, PixelArray, LoadOptions } from './data/cifar10';
export { downloadCifar10, cacheDir, CIFAR10_ARCHIVES } from './data/download';
export type { DownloadOptions } from './data/download';
export { readPickle } from './data/pickle';
export type { PickleValue, NdArray } from './data/pickle';
export { blasInfo, setBlasThreads } from './blas';
export type { BlasInfo } from './blas';
