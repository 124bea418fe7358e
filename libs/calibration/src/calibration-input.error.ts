/**
 * Thrown for any invalid input to the calibration library. It is a `RangeError` (so callers can catch the standard
 * type) with a stable code; every message names the offending field or item and says how to fix it.
 */
export class CalibrationInputError extends RangeError {
  readonly code = 'CALIBRATION.INVALID_INPUT';

  constructor(message: string) {
    super(message);
    this.name = 'CalibrationInputError';
  }
}
