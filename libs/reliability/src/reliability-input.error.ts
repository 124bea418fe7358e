/** Invalid input to the reliability library: a RangeError with a stable code, its message says what to fix. */
export class ReliabilityInputError extends RangeError {
  readonly code = 'RELIABILITY.INVALID_INPUT';
  override readonly name = 'ReliabilityInputError';
}
