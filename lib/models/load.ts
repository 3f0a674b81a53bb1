/** Loading a checkpoint whatever architecture it holds. */
import { readCheckpoint, type Checkpoint } from './checkpoint';
import { FullyConnectedNet } from './fully-connected-net';
import { StandaloneTwoLayerNet } from './standalone-two-layer-net';
import { TwoLayerNet } from './two-layer-net';

const BUILDERS = {
  TwoLayerNet: TwoLayerNet.fromCheckpoint,
  FullyConnectedNet: FullyConnectedNet.fromCheckpoint,
  StandaloneTwoLayerNet: StandaloneTwoLayerNet.fromCheckpoint,
} as const;

/** Any model a checkpoint can hold. */
export type LoadedModel = TwoLayerNet | FullyConnectedNet | StandaloneTwoLayerNet;

/** Loads a model saved by any nndl model's `save`, as the class its metadata names. */
export function loadModel(file: string): LoadedModel {
  return modelFromCheckpoint(file, readCheckpoint(file));
}

/** Builds the model a checkpoint holds, as the class it names; `source` names it in errors. */
export function modelFromCheckpoint(source: string, checkpoint: Checkpoint): LoadedModel {
  const { architecture } = checkpoint;
  if (!Object.prototype.hasOwnProperty.call(BUILDERS, architecture)) {
    throw new Error(`${source}: unknown architecture ${architecture}; this nndl knows ${Object.keys(BUILDERS).join(', ')}`);
  }
  return BUILDERS[architecture as keyof typeof BUILDERS](source, checkpoint);
}
