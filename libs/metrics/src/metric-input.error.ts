/**
 * Stable codes for every way a metric can refuse its input. The drift-watch service maps them to dead-letter reasons,
 * so they must not change meaning once published.
 */
export type MetricErrorCode =
  | 'METRICS.NOT_FINITE'
  | 'METRICS.OUT_OF_RANGE'
  | 'METRICS.INVALID_OPTION'
  | 'METRICS.INVALID_STATE'
  | 'METRICS.UNKNOWN_REMOVAL';

/**
 * Raised when a metric is given input it cannot use (NaN, a value out of range, a removal of something never added,
 * a corrupt persisted state). It is a `RangeError`, so callers that only know the standard hierarchy still catch it;
 * the message names the argument, the value and how to fix it.
 */
export class MetricInputError extends RangeError {
  override readonly name = 'MetricInputError';

  constructor(
    readonly code: MetricErrorCode,
    message: string,
  ) {
    super(message);
  }
}
