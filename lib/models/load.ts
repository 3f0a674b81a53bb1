/** Loading a checkpoint whatever architecture it holds. */
import { readCheckpoint } from './checkpoint';
import { FullyConnectedNet } from './fully-connected-net';
import { StandaloneTwoLayerNet } from './standalone-two-layer-net';
import { TwoLayerNet } from './two-layer-net';

const BUILDERS = {
  TwoLayerNet: TwoLayerNet.fromCheckpoint,
  FullyConnectedNet: FullyConnectedNet.fromCheckpoint,
  StandaloneTwoLayerNet: StandaloneTwoLayerNet.fromCheckpoint,
} as const;

/** Loads a model saved by any nndl model's `save`, as the class its metadata names. */
export function loadModel(file: string): TwoLayerNet | FullyConnectedNet | StandaloneTwoLayerNet {
  const checkpoint = readCheckpoint(file);
  const { architecture } = checkpoint;
  if (!Object.prototype.hasOwnProperty.call(BUILDERS, architecture)) {
    throw new Error(`${file}: unknown architecture ${architecture}; this nndl knows ${Object.keys(BUILDERS).join(', ')}`);
  }
  return BUILDERS[architecture as keyof typeof BUILDERS](file, checkpoint);
}
