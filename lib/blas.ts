/**
 * Which BLAS the float64 kernels (and LAPACK) run on, and how many threads it
 * uses; engineInfo() says which engine runs the float32 ones.
 */
import { setThreads } from './engine';
import { native } from './native';

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

/** The BLAS library the addon runs on (OpenBLAS's config, core and threads) and the environment variables that steer it. */
export function blasInfo(): BlasInfo {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => /^(OPENBLAS_|OMP_|GOTO_)/.test(k) && v !== undefined),
  ) as Record<string, string>;
  return { ...native().blasInfo(), env };
}

/**
 * Sets the threads of the BLAS products, as setThreads does.
 * @deprecated Use setThreads, which governs both engines; this alias calls it
 * (and its errors name setThreads).
 */
export function setBlasThreads(n: number): void {
  setThreads(n);
}
