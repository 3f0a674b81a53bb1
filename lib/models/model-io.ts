/**
 * Saving a model without blocking the event loop: the file's I/O runs on
 * libuv's threads, only the encoding (a copy of the tensors' bytes) on the
 * calling thread. (Loading asynchronously is loadModelAsync, in load.ts.)
 */
import { pathArg } from '../io/safetensors';
import { writeFileAtomicAsync } from '../io/write-async';
import { modelToBuffer } from './checkpoint';
import type { Checkpointable } from './model';

/** Saves the model as `save` does, its file written and renamed into place off the event loop. */
export async function saveModelAsync(model: Checkpointable, file: string): Promise<void> {
  const fn = `${model.architecture}.saveAsync`;
  await writeFileAtomicAsync(fn, pathArg(fn, file), modelToBuffer(model));
}
