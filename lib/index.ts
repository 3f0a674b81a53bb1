/** nndl: neural-network layers, models and training for Node.js on native OpenBLAS kernels. */
export { Tensor, zeros, zerosLike, empty, emptyLike, fromArray, linspace } from './tensor';
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
