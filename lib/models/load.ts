/** Loading a checkpoint whatever architecture it holds. */
import { readCheckpoint } from './checkpoint';
import { FullyConnectedNet } from './fully-connected-net';
import { Sequential } from './sequential';
import { StandaloneTwoLayerNet } from './standalone-two-layer-net';
import { ThreeLayerConvNet } from './three-layer-conv-net';
import { TwoLayerNet } from './two-layer-net';

const BUILDERS = {
  Sequential: Sequential.fromCheckpoint,
  TwoLayerNet: TwoLayerNet.fromCheckpoint,
  FullyConnectedNet: FullyConnectedNet.fromCheckpoint,
  ThreeLayerConvNet: ThreeLayerConvNet.fromCheckpoint,
  StandaloneTwoLayerNet: StandaloneTwoLayerNet.fromCheckpoint,
} as const;

/**
 * Loads a model saved by any nndl model's `save`, as the class its metadata
 * names: a Sequential (TwoLayerNet, FullyConnectedNet, ... are ones), or the
 * two_layer_nn notebook's StandaloneTwoLayerNet.
 */
export function loadModel(file: string): Sequential | StandaloneTwoLayerNet {
  const checkpoint = readCheckpoint(file);
  const { architecture } = checkpoint;
  if (!Object.prototype.hasOwnProperty.call(BUILDERS, architecture)) {
    throw new Error(`${file}: unknown architecture ${architecture}; this nndl knows ${Object.keys(BUILDERS).join(', ')}`);
  }
  return BUILDERS[architecture as keyof typeof BUILDERS](file, checkpoint);
}
