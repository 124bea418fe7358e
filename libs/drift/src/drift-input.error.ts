/**
 * Stable codes for every way the drift library refuses an input or a parameter. The drift-watch service maps them to
 * dead-letter reasons and configuration errors, so they must not change meaning once published.
 */
export type DriftErrorCode =
  | 'DRIFT.NOT_FINITE'
  | 'DRIFT.NOT_BINARY'
  | 'DRIFT.INVALID_PARAMETER'
  | 'DRIFT.INVALID_ARGUMENT'
  | 'DRIFT.INVALID_STATE';

/**
 * Raised when a detector (or the CPython-compatible random generator) is given a value it cannot use: NaN or
 * ±Infinity fed to `update`, a non-binary value fed to a binary detector, a constructor parameter out of its domain, or
 * a serialised state (`fromJSON`) that is malformed. It is a `RangeError`, so callers that only know the standard
 * hierarchy still catch it; the message names the argument, the value received and what was expected.
 */
export class DriftInputError extends RangeError {
  override readonly name = 'DriftInputError';

  constructor(
    readonly code: DriftErrorCode,
    message: string,
  ) {
    super(message);
  }
}
