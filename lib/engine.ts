/**
 * Which engine the float32 kernels run on, and the threads of both engines.
 * float64 kernels and LAPACK always run on OpenBLAS (see blasInfo); float32
 * ones on oneDNN when the addon was built with it, else on OpenBLAS.
 * NNDL_ENGINE=openblas|onednn, set before nndl loads, forces one.
 */
import { native } from './native';
import { invalidValue, positiveIntegerArg } from './validate';

export type EngineName = 'openblas' | 'onednn';

export interface EngineInfo {
  /** The engine float32 products run on. */
  engine: EngineName;
  /** Its version: '2.6.3' for oneDNN, '0.3.21' for OpenBLAS. */
  version: string | null;
  /**
   * The instruction set its kernels use on this processor: oneDNN's effective
   * ISA ('avx512_core_amx', 'avx2', ...) or OpenBLAS's core ('SkylakeX', 'Zen', ...).
   */
  isa: string | null;
  /** Threads a product uses (see setThreads). */
  threads: number | null;
  /** The engines this build of the addon has. */
  available: EngineName[];
}

/** Which engine runs the float32 kernels, the threads the engines use, and the engines this build has. */
export function engineInfo(): EngineInfo {
  return native().engineInfo();
}

/** More threads than any machine nndl runs on; a larger request is a mistake, not a wish. */
export const MAX_THREADS = 1024;

/**
 * Sets how many threads products use from now on, in the whole process and
 * for both engines: OpenBLAS's pool and oneDNN's OpenMP team, in the main
 * thread and in every worker thread.
 */
export function setThreads(n: number): void {
  positiveIntegerArg('setThreads', 'n', n);
  if (n > MAX_THREADS) throw invalidValue('setThreads', 'n', `an integer in [1, ${MAX_THREADS}]`, n);
  native().setThreads(n);
}
