import { MetricInputError, type MetricErrorCode } from './metric-input.error';

/** Throws unless `value` is a finite number (rejects NaN and ±Infinity). Returns the value for chaining. */
export function requireFinite(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MetricInputError(
      'METRICS.NOT_FINITE',
      `${name} must be a finite number, got ${String(value)}; drop or repair the event before it reaches the metric`,
    );
  }
  return value;
}

/** Throws unless `min ≤ value ≤ max` (after the finiteness check). */
export function requireInRange(value: number, name: string, min: number, max: number): number {
  requireFinite(value, name);
  if (value < min || value > max) {
    throw new MetricInputError(
      'METRICS.OUT_OF_RANGE',
      `${name} must lie in [${min}, ${max}], got ${value}; clamp or rescale it upstream`,
    );
  }
  return value;
}

/**
 * Throws unless `value` is an integer with `min ≤ value ≤ max`. Options fail with `METRICS.INVALID_OPTION`; pass
 * `METRICS.OUT_OF_RANGE` for per-event arguments such as indices and counts.
 */
export function requireInteger(
  value: number,
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  code: MetricErrorCode = 'METRICS.INVALID_OPTION',
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MetricInputError(
      code,
      `${name} must be an integer in [${min}, ${max}], got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Validates a vector of non-negative category weights of the expected length and returns its sum (> 0).
 * Weights need not sum to 1: callers decide whether to normalise, and say so in their docs.
 */
export function requireWeights(
  weights: ArrayLike<number>,
  name: string,
  expectedLength: number,
  /** The vector's position in a list of them, named as `name[index]` in errors. */
  index?: number,
): number {
  // Names are built only on failure: this runs per category on every event of a per-user metric.
  if (weights.length !== expectedLength) {
    throw new MetricInputError(
      'METRICS.OUT_OF_RANGE',
      `${listed(name, index)} must have ${expectedLength} entries (one per category), got ${weights.length}`,
    );
  }
  let sum = 0;
  for (let g = 0; g < weights.length; g++) {
    const w = weights[g] as number;
    if (typeof w !== 'number' || !Number.isFinite(w)) requireFinite(w, `${listed(name, index)}[${g}]`);
    if (w < 0) {
      throw new MetricInputError('METRICS.OUT_OF_RANGE', `${listed(name, index)}[${g}] must be ≥ 0, got ${w}; weights are masses`);
    }
    sum += w;
  }
  if (!(sum > 0)) {
    throw new MetricInputError(
      'METRICS.OUT_OF_RANGE',
      `${listed(name, index)} must have positive total mass, got all zeros; an item needs at least one category`,
    );
  }
  return sum;
}

function listed(name: string, index: number | undefined): string {
  return index === undefined ? name : `${name}[${index}]`;
}

/** Tolerance on Σp = 1 for inputs documented as probability distributions (absorbs float rounding, not bugs). */
export const DISTRIBUTION_SUM_TOLERANCE = 1e-6;

/** Throws unless `p` is a probability vector of the expected length (non-negative, sums to 1 within tolerance). */
export function requireDistribution(p: ArrayLike<number>, name: string, expectedLength: number): void {
  const sum = requireWeights(p, name, expectedLength);
  if (Math.abs(sum - 1) > DISTRIBUTION_SUM_TOLERANCE) {
    throw new MetricInputError(
      'METRICS.OUT_OF_RANGE',
      `${name} must sum to 1 (±${DISTRIBUTION_SUM_TOLERANCE}), got ${sum}; normalise it before passing it in`,
    );
  }
}
