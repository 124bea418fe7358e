import { MetricInputError } from './metric-input.error';
import { requireInRange, requireInteger } from './metric-input.guard';
import { invalidState, readFiniteNumber, readFiniteNumberArray, readStateRecord } from './metric-state.guard';

export interface EstebanRayOptions {
  /** Polarization sensitivity α ∈ (0, 1.6] (Esteban & Ray's admissible range). Default 1.3. */
  readonly alpha?: number;
  /** Equal-width stance bins on [−1, 1] (≥ 2). Default 10. */
  readonly binCount?: number;
}

export interface EstebanRayState {
  readonly kind: 'esteban-ray-polarization';
  readonly version: 1;
  readonly alpha: number;
  readonly binCount: number;
  readonly binCounts: number[];
}

/**
 * Esteban–Ray polarization of user stances (Esteban & Ray 1994, "On the measurement of polarization",
 * Econometrica 62(4)), over B equal-width bins of [−1, 1] with centres y_i = −1 + (2i + 1)/B and population shares
 * π_i = n_i / N:
 *
 *   P = K Σ_i Σ_j π_i^{1+α} π_j |y_i − y_j|,     K = 2^{1+α} / (y_{B−1} − y_0).
 *
 * Identification (π_i^α) times alienation (|y_i − y_j|): large when the population sits in a few well-separated,
 * well-populated groups. Esteban & Ray leave K > 0 free; we fix it so that P ∈ [0, 1], with P = 1 exactly for a
 * population split half and half between the two outermost bins. That split is the maximum over all distributions for
 * α ∈ (0, 1.6] (checked numerically by the spec; for α ≳ 2 an asymmetric split would exceed it, one more reason for
 * the bound): two groups of ½ give Σ = 2 · (½)^{2+α} · d = 2^{−1−α} d, hence K = 2^{1+α}/d.
 * P = 0 when everyone shares one bin (in particular N = 1).
 *
 * Incremental: the state is the B bin counts; add/remove/update are O(1), reading P is O(B) (prefix sums of shares
 * give every Σ_j π_j |y_i − y_j| in one sweep each way). A user's stance moves between bins with `update(old, new)`.
 */
export class EstebanRayPolarization {
  readonly alpha: number;
  readonly binCount: number;
  private readonly counts: Float64Array;
  private population = 0;

  constructor(options: EstebanRayOptions = {}) {
    const alpha = options.alpha ?? 1.3;
    if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0 || alpha > 1.6) {
      throw new MetricInputError(
        'METRICS.INVALID_OPTION',
        `alpha must lie in (0, 1.6] (Esteban & Ray's admissible range), got ${String(alpha)}; the default is 1.3`,
      );
    }
    this.alpha = alpha;
    this.binCount = requireInteger(options.binCount ?? 10, 'binCount', 2, 1 << 16);
    this.counts = new Float64Array(this.binCount);
  }

  /** Bin index of a stance in [−1, 1]; +1 falls in the last bin. Throws a `RangeError` for NaN or out of range. */
  binOf(stance: number): number {
    requireInRange(stance, 'stance', -1, 1);
    return Math.min(this.binCount - 1, Math.floor(((stance + 1) / 2) * this.binCount));
  }

  /** Centre y_i of bin i. */
  binCentre(bin: number): number {
    return -1 + (2 * bin + 1) / this.binCount;
  }

  /** Adds a user with this stance. O(1). */
  add(stance: number): void {
    const bin = this.binOf(stance);
    this.counts[bin] = (this.counts[bin] as number) + 1;
    this.population += 1;
  }

  /**
   * Removes a user who had this stance. Throws a `RangeError` (and changes nothing) if no user is in that bin — the
   * caller passed a stance it never added.
   */
  remove(stance: number): void {
    const bin = this.binOf(stance);
    if ((this.counts[bin] as number) === 0) {
      throw new MetricInputError(
        'METRICS.UNKNOWN_REMOVAL',
        `no user with stance in bin ${bin} (around ${this.binCentre(bin).toFixed(3)}) to remove; pass the stance exactly as it was added`,
      );
    }
    this.counts[bin] = (this.counts[bin] as number) - 1;
    this.population -= 1;
  }

  /** Moves one user's stance from `previous` to `next`. Validates both before changing anything. O(1). */
  update(previous: number, next: number): void {
    this.binOf(next);
    this.remove(previous);
    this.add(next);
  }

  /** N: users currently counted. */
  get populationSize(): number {
    return this.population;
  }

  /** The bin counts n_i (a copy). */
  binCounts(): Float64Array {
    return this.counts.slice();
  }

  /** Normalising constant K = 2^{1+α} / (y_{B−1} − y_0). */
  get normalisingConstant(): number {
    return Math.pow(2, 1 + this.alpha) / (this.binCentre(this.binCount - 1) - this.binCentre(0));
  }

  /** P ∈ [0, 1], or `undefined` for an empty population. O(B). */
  get value(): number | undefined {
    const n = this.population;
    if (n === 0) return undefined;
    const b = this.binCount;
    const width = 2 / b;
    // distanceMass[i] = Σ_j π_j |y_i − y_j|, built from the left and the right: moving one bin right adds
    // width × (share of everything already passed) to the left sum.
    const distanceMass = new Float64Array(b);
    let passed = 0;
    let sum = 0;
    for (let i = 0; i < b; i++) {
      sum += passed * width;
      distanceMass[i] = sum;
      passed += (this.counts[i] as number) / n;
    }
    passed = 0;
    sum = 0;
    for (let i = b - 1; i >= 0; i--) {
      sum += passed * width;
      distanceMass[i] = (distanceMass[i] as number) + sum;
      passed += (this.counts[i] as number) / n;
    }
    let p = 0;
    for (let i = 0; i < b; i++) {
      const share = (this.counts[i] as number) / n;
      if (share > 0) p += Math.pow(share, 1 + this.alpha) * (distanceMass[i] as number);
    }
    // The clamp only absorbs rounding at the exact maximum (1 + 1e-16); the bound itself is the theorem above.
    return Math.min(1, this.normalisingConstant * p);
  }

  toJSON(): EstebanRayState {
    return {
      kind: 'esteban-ray-polarization',
      version: 1,
      alpha: this.alpha,
      binCount: this.binCount,
      binCounts: Array.from(this.counts),
    };
  }

  static fromJSON(state: unknown): EstebanRayPolarization {
    const kind = 'esteban-ray-polarization';
    const record = readStateRecord(state, kind, 1);
    const metric = new EstebanRayPolarization({
      alpha: readFiniteNumber(record, kind, 'alpha'),
      binCount: readFiniteNumber(record, kind, 'binCount'),
    });
    const counts = readFiniteNumberArray(record, kind, 'binCounts');
    if (counts.length !== metric.binCount || counts.some((c) => !Number.isInteger(c) || c < 0)) {
      throw invalidState(kind, `field "binCounts" must hold ${metric.binCount} non-negative integers`);
    }
    metric.counts.set(counts);
    metric.population = counts.reduce((a, c) => a + c, 0);
    return metric;
  }
}
