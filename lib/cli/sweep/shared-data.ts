/**
 * The training and validation data of a sweep in SharedArrayBuffers: posted
 * to a trial's thread with every task, it is shared, never copied.
 */
import { adviseHugePages } from '../../data/huge-pages';
import { Tensor, sharedZeros } from '../../tensor';
import type { SplitData } from '../data';

export interface SharedTensor {
  data: Float32Array | Float64Array;
  shape: number[];
}

export interface SharedData {
  XTrain: SharedTensor;
  yTrain: Int32Array;
  XVal: SharedTensor;
  yVal: Int32Array;
  numClasses: number;
}

/** The tensor's data in a SharedArrayBuffer: as it is when it already is, else copied there. */
function share(t: Tensor): SharedTensor {
  if (t.data.buffer instanceof SharedArrayBuffer) return { data: t.data, shape: [...t.shape] };
  const copy = adviseHugePages(sharedZeros(t.shape, t.dtype).data);
  copy.set(t.data);
  return { data: copy, shape: [...t.shape] };
}

function shareLabels(y: Int32Array): Int32Array {
  if (y.buffer instanceof SharedArrayBuffer) return y;
  const copy = new Int32Array(new SharedArrayBuffer(y.byteLength));
  copy.set(y);
  return copy;
}

export function shareData(data: SplitData): SharedData {
  return {
    XTrain: share(data.XTrain), yTrain: shareLabels(data.yTrain),
    XVal: share(data.XVal), yVal: shareLabels(data.yVal),
    numClasses: data.classNames.length,
  };
}

export const sharedTensor = (t: SharedTensor): Tensor => new Tensor(t.data, t.shape);
