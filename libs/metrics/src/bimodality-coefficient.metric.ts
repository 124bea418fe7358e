import { RunningMoments } from './running-moments.estimator';
import { requireFinite } from './metric-input.guard';
import { readStateRecord } from './metric-state.guard';

/** BC of the uniform distribution; values above it suggest bimodality (SAS Institute 1990; Pfister et al. 2013). */
export const BIMODALITY_THRESHOLD = 5 / 9;

export interface BimodalityCoefficientState {
  readonly kind: 'bimodality-coefficient';
  readonly version: 1;
  readonly moments: unknown;
}

/** Sample statistics behind a bimodality coefficient. */
export interface BimodalityStatistics {
  readonly n: number;
  /** Bias-adjusted sample skewness G1. */
  readonly skewness: number;
  /** Bias-adjusted sample excess kurtosis G2. */
  readonly excessKurtosis: number;
  /** BC > 0; at most 1 in the population limit (Pearson: kurtosis ≥ skewness² + 1), small samples can exceed it. */
  readonly coefficient: number;
}

/**
 * Sarle's bimodality coefficient from a sample's size and central moment sums M_p = Σ (x − x̄)^p:
 *
 *   BC = (g² + 1) / ( k + 3(n − 1)² / ((n − 2)(n − 3)) )
 *
 * with g and k the bias-adjusted sample skewness and excess kurtosis (the estimators the small-sample term in the
 * denominator was built for; SAS Institute 1990, Pfister et al. 2013 "Good things peak in pairs", Front. Psychol. 4:700):
 *
 *   m_p = M_p / n,   g1 = m3 / m2^{3/2},   g2 = m4 / m2² − 3,
 *   g = G1 = sqrt(n(n − 1)) / (n − 2) · g1,   k = G2 = (n − 1) / ((n − 2)(n − 3)) · ((n + 1) g2 + 6).
 *
 * Needs n ≥ 4 and a non-zero spread; returns `undefined` otherwise (constant input has no shape). The denominator
 * equals (n² − 1)(g2 + 3)/((n − 2)(n − 3)) > 0 because g2 + 3 = m4/m2² ≥ 1, so BC is always finite.
 * BC ≈ 1/3 for a normal sample, 5/9 for a uniform one, → 1 for two point masses.
 */
export function bimodalityFromMoments(
  n: number,
  m2: number,
  m3: number,
  m4: number,
): BimodalityStatistics | undefined {
  if (n < 4 || !(m2 > 0)) return undefined;
  const v = m2 / n;
  const g1 = m3 / n / Math.pow(v, 1.5);
  const g2 = m4 / n / (v * v) - 3;
  const skewness = (Math.sqrt(n * (n - 1)) / (n - 2)) * g1;
  const excessKurtosis = ((n - 1) / ((n - 2) * (n - 3))) * ((n + 1) * g2 + 6);
  const coefficient = (skewness * skewness + 1) / (excessKurtosis + (3 * (n - 1) * (n - 1)) / ((n - 2) * (n - 3)));
  return { n, skewness, excessKurtosis, coefficient };
}

/**
 * Bimodality coefficient of user stances, kept incrementally from running moments ({@link RunningMoments}): O(1) per
 * add, remove or stance change, O(1) to read. BC > 5/9 ({@link BIMODALITY_THRESHOLD}) suggests the population has
 * split into two camps; it complements Esteban–Ray, which needs bins and is blind to within-bin structure.
 * Accepts any finite value (stances are usually in [−1, 1], but nothing here depends on it).
 */
export class BimodalityCoefficient {
  private moments = new RunningMoments();

  /** Adds a user's stance. Throws a `RangeError` for NaN or ±Infinity. */
  add(stance: number): void {
    this.moments.add(stance);
  }

  /**
   * Removes a user's stance, exactly as it was added. Moments cannot tell which values are present, so removing a value
   * that was never added silently corrupts them — the caller owns membership. Throws a `RangeError` when empty.
   */
  remove(stance: number): void {
    this.moments.remove(stance);
  }

  /** Moves one user's stance from `previous` to `next`. */
  update(previous: number, next: number): void {
    // Validate `next` first so a bad value cannot leave the user removed and not re-added.
    requireFinite(next, 'stance');
    this.moments.remove(previous);
    this.moments.add(next);
  }

  get n(): number {
    return this.moments.n;
  }

  /** G1, G2 and BC, or `undefined` when n < 4 or all values (nearly) coincide. */
  statistics(): BimodalityStatistics | undefined {
    if (this.moments.isDegenerate()) return undefined;
    const { m2, m3, m4 } = this.moments.sums;
    return bimodalityFromMoments(this.moments.n, m2, m3, m4);
  }

  /** BC, or `undefined` when n < 4 or the input is constant. */
  get value(): number | undefined {
    return this.statistics()?.coefficient;
  }

  /** BC > 5/9, or `undefined` when BC is. */
  suggestsBimodality(): boolean | undefined {
    const bc = this.value;
    return bc === undefined ? undefined : bc > BIMODALITY_THRESHOLD;
  }

  toJSON(): BimodalityCoefficientState {
    return { kind: 'bimodality-coefficient', version: 1, moments: this.moments.toJSON() };
  }

  static fromJSON(state: unknown): BimodalityCoefficient {
    const record = readStateRecord(state, 'bimodality-coefficient', 1);
    const metric = new BimodalityCoefficient();
    metric.moments = RunningMoments.fromJSON(record['moments']);
    return metric;
  }
}
