/**
 * An observation the posterior cannot absorb: the update would make a mean or variance non-finite (or a variance 0),
 * for example a dense feature of 1e200 whose square overflows. The model is left exactly as it was. `code` is stable.
 */
export class NonFiniteUpdateError extends RangeError {
  readonly code = 'REWARD.NON_FINITE_UPDATE';
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteUpdateError';
  }
}
