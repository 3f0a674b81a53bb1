/** Which BLAS the kernels run on, and how many threads it uses. */
import { native } from './native';
import { positiveIntegerArg } from './validate';

export interface BlasInfo {
  /** 'OpenBLAS', or another CBLAS the addon was built against. */
  library: string;
  /** OpenBLAS's build description (version, kernels, thread limit). */
  config: string | null;
  /** The kernel family OpenBLAS picked for this processor (or was told to by OPENBLAS_CORETYPE). */
  corename: string | null;
  threads: number | null;
  /** The environment variables that steer BLAS threads and kernels, as set. */
  env: Record<string, string>;
}

export function blasInfo(): BlasInfo {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => /^(OPENBLAS_|OMP_|GOTO_)/.test(k) && v !== undefined),
  ) as Record<string, string>;
  return { ...native().blasInfo(), env };
}

/** Sets how many threads BLAS calls use from now on, for the whole process. */
export function setBlasThreads(n: number): void {
  native().setBlasThreads(positiveIntegerArg('setBlasThreads', 'n', n));
}
