/**
 * Saving a model without blocking the event loop: the file's I/O runs on
 * libuv's threads, only the encoding on the calling thread. The encoding is
 * a copy of the tensors' bytes, taken at once, so the model may go on
 * training while the copy is written. (Loading asynchronously is
 * loadModelAsync, in load.ts.)
 */
import { writeFileAtomicAsync } from '../io/atomic';
import { pathArg } from '../io/safetensors';
import { encodeModel } from './checkpoint';
import type { Checkpointable } from './model';

/** Saves the model as `save` does, its file written and renamed into place off the event loop. */
export async function saveModelAsync(model: Checkpointable, file: string): Promise<void> {
  const fn = `${model.architecture}.saveAsync`;
  await writeFileAtomicAsync(pathArg(fn, file), encodeModel(model), { fn });
}
