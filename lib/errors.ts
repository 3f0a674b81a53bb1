/** Errors that callers tell apart by class rather than by message. */

/**
 * The Solver met a loss that is NaN or infinite: training diverged (a
 * learning rate too large, weights that overflowed). Thrown after the best
 * parameters so far are restored; a sweep reports such a trial as diverged,
 * while any other error in a trial is a failure.
 */
export class NonFiniteLossError extends Error {
  constructor(
    message: string,
    /** The loss that was met: NaN, Infinity or -Infinity. */
    readonly loss: number,
    /** 1-based iteration at which it was met. */
    readonly iteration: number,
  ) {
    super(message);
    this.name = 'NonFiniteLossError';
  }
}
