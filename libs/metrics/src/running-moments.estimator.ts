import { requireFinite } from './metric-input.guard';
import { MetricInputError } from './metric-input.error';
import { invalidState, readFiniteNumber, readStateRecord } from './metric-state.guard';

export interface RunningMomentsState {
  readonly kind: 'running-moments';
  readonly version: 1;
  readonly n: number;
  readonly mean: number;
  readonly m2: number;
  readonly m3: number;
  readonly m4: number;
}

/**
 * Running count, mean and central moment sums M_p = Σ (x − x̄)^p for p = 2, 3, 4, with O(1) insertion and removal.
 *
 * Insertion is Welford's update extended to the third and fourth moments (Terriberry 2007; Pébay 2008, "Formulas for
 * robust, one-pass parallel computation of covariances and arbitrary-order statistical moments", Sandia
 * SAND2008-6212): with δ = x − x̄, n the new count, δ_n = δ/n and t = δ·δ_n·(n − 1),
 *
 *   x̄  += δ_n
 *   M4 += t δ_n² (n² − 3n + 3) + 6 δ_n² M2 − 4 δ_n M3
 *   M3 += t δ_n (n − 2) − 3 δ_n M2
 *   M2 += t                                        (right-hand sides use the old M2, M3).
 *
 * Updating around the running mean, not accumulating raw power sums Σx^p, is what keeps this stable: raw sums cancel
 * catastrophically when the mean is large relative to the spread. Removal runs the same equations backwards (solve for
 * the old moments given the new ones), which is exact in real arithmetic; in floating point it can lose accuracy when
 * the removed value dominates the remaining spread, so tiny negative M2/M4 left by rounding are clamped to 0 and the
 * state resets exactly when n drops to 0 or 1.
 */
export class RunningMoments {
  private count = 0;
  private mu = 0;
  private m2 = 0;
  private m3 = 0;
  private m4 = 0;

  /** Adds x. Throws a `RangeError` for NaN or ±Infinity. */
  add(x: number): void {
    requireFinite(x, 'value');
    const n1 = this.count;
    const n = n1 + 1;
    const delta = x - this.mu;
    const deltaN = delta / n;
    const deltaN2 = deltaN * deltaN;
    const term = delta * deltaN * n1;
    this.mu += deltaN;
    this.m4 += term * deltaN2 * (n * n - 3 * n + 3) + 6 * deltaN2 * this.m2 - 4 * deltaN * this.m3;
    this.m3 += term * deltaN * (n - 2) - 3 * deltaN * this.m2;
    this.m2 += term;
    this.count = n;
  }

  /**
   * Removes one occurrence of x (the caller guarantees it was added). Throws a `RangeError` when empty.
   * Inverse of {@link add}: with n the count before removal and x̄' the mean after, δ = x − x̄', and the old moments are
   * recovered in the order M2', M3', M4'.
   */
  remove(x: number): void {
    requireFinite(x, 'value');
    const n = this.count;
    if (n === 0) {
      throw new MetricInputError('METRICS.UNKNOWN_REMOVAL', `cannot remove ${x}: no values recorded; remove only what was added`);
    }
    if (n === 1) {
      this.reset();
      return;
    }
    const meanAfter = (n * this.mu - x) / (n - 1);
    const delta = x - meanAfter;
    const deltaN = delta / n;
    const deltaN2 = deltaN * deltaN;
    const term = delta * deltaN * (n - 1);
    const m2 = Math.max(0, this.m2 - term);
    const m3 = this.m3 - term * deltaN * (n - 2) + 3 * deltaN * m2;
    const m4 = Math.max(0, this.m4 - term * deltaN2 * (n * n - 3 * n + 3) - 6 * deltaN2 * m2 + 4 * deltaN * m3);
    this.count = n - 1;
    if (this.count === 1) {
      // One value left: it is the mean and every central moment is exactly 0.
      this.mu = meanAfter;
      this.m2 = 0;
      this.m3 = 0;
      this.m4 = 0;
      return;
    }
    this.mu = meanAfter;
    this.m2 = m2;
    this.m3 = m3;
    this.m4 = m4;
  }

  get n(): number {
    return this.count;
  }

  /** Mean, or `undefined` when empty. */
  get mean(): number | undefined {
    return this.count === 0 ? undefined : this.mu;
  }

  /** Central moment sums {M2, M3, M4} (Σ (x − x̄)^p). */
  get sums(): { readonly m2: number; readonly m3: number; readonly m4: number } {
    return { m2: this.m2, m3: this.m3, m4: this.m4 };
  }

  /**
   * True when the data have no spread worth measuring: M2/n below (1e-12 · max(1, |x̄|))². Exact zero is not enough
   * after removals, which can leave 1e-30 where the true value is 0; relative 1e-12 is far below any stance spread.
   */
  isDegenerate(): boolean {
    if (this.count < 2) return true;
    const scale = 1e-12 * Math.max(1, Math.abs(this.mu));
    return this.m2 / this.count <= scale * scale;
  }

  reset(): void {
    this.count = 0;
    this.mu = 0;
    this.m2 = 0;
    this.m3 = 0;
    this.m4 = 0;
  }

  toJSON(): RunningMomentsState {
    return { kind: 'running-moments', version: 1, n: this.count, mean: this.mu, m2: this.m2, m3: this.m3, m4: this.m4 };
  }

  static fromJSON(state: unknown): RunningMoments {
    const kind = 'running-moments';
    const record = readStateRecord(state, kind, 1);
    const moments = new RunningMoments();
    const n = readFiniteNumber(record, kind, 'n');
    const m2 = readFiniteNumber(record, kind, 'm2');
    const m4 = readFiniteNumber(record, kind, 'm4');
    if (!Number.isInteger(n) || n < 0 || m2 < 0 || m4 < 0) {
      throw invalidState(kind, `n must be a non-negative integer and M2, M4 non-negative (got n ${n}, M2 ${m2}, M4 ${m4})`);
    }
    moments.count = n;
    moments.mu = readFiniteNumber(record, kind, 'mean');
    moments.m2 = m2;
    moments.m3 = readFiniteNumber(record, kind, 'm3');
    moments.m4 = m4;
    return moments;
  }
}
