/**
 * Huge pages for data sets. A minibatch gathers random rows of a data set of
 * hundreds of MB, and with 4 KB pages nearly every row misses the TLB; where
 * the kernel grants transparent huge pages only on request (THP "madvise"
 * mode), the arrays that hold a data set ask for them. The loaders call this
 * when they allocate such an array, before writing it: the advice applies to
 * the pages touched afterwards. It saved about 15% of W3's gather.
 */
import { native } from '../native';
import type { FloatArray } from '../tensor';

/** Arrays from this size on: smaller ones span too few huge pages to matter. */
const HUGE_PAGES_FROM = 32 * 2 ** 20;

/** `array`, with huge pages asked for when it is large enough. */
export function adviseHugePages<A extends FloatArray | Uint8Array>(array: A): A {
  if (array.byteLength >= HUGE_PAGES_FROM) native().adviseHugePages(array);
  return array;
}
