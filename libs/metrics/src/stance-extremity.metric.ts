import { type DecayOptions } from './exponential-decay.config';
import { ExponentialMean } from './exponential-mean.estimator';
import { requireInRange } from './metric-input.guard';
import { invalidState, readStateRecord } from './metric-state.guard';

export interface StanceExtremityState {
  readonly kind: 'stance-extremity';
  readonly version: 1;
  readonly absolute: unknown;
  readonly signed: unknown;
}

/**
 * Stance extremity of what a user consumes, and the user's own stance, from the stances s_t ∈ [−1, 1] of consumed
 * items (items without a known stance are skipped by the caller):
 *
 *   extremity_u = Σ_t λ^{T−t} |s_t| / Σ_t λ^{T−t}  ∈ [0, 1]     (how far from neutral the diet is, either side)
 *   stance_u    = Σ_t λ^{T−t}  s_t  / Σ_t λ^{T−t}  ∈ [−1, 1]    (which side, and how consistently)
 *
 * `userStance` is the σ_u that {@link StanceReinforcement} aligns served items against and that the population
 * polarization metrics bin. The two differ on purpose: a user reading both sides loudly has high extremity and a
 * stance near 0. O(1) per event.
 */
export class StanceExtremity {
  // Not readonly only so that fromJSON can install the restored estimators.
  private absolute: ExponentialMean;
  private signed: ExponentialMean;

  constructor(options: { readonly decay: DecayOptions }) {
    this.absolute = new ExponentialMean(options.decay);
    this.signed = new ExponentialMean(options.decay);
  }

  /** Records a consumed item's stance. Throws a `RangeError` for NaN or a stance outside [−1, 1]. */
  observeConsumed(stance: number): void {
    requireInRange(stance, 'stance', -1, 1);
    this.absolute.update(Math.abs(stance));
    this.signed.update(stance);
  }

  /** EW mean of |stance| ∈ [0, 1], or `undefined` before the first consumed item with a stance. */
  get extremity(): number | undefined {
    return this.absolute.value;
  }

  /** EW mean of stance ∈ [−1, 1] — the user's own stance — or `undefined` before the first item. */
  get userStance(): number | undefined {
    return this.signed.value;
  }

  get eventCount(): number {
    return this.absolute.eventCount;
  }

  toJSON(): StanceExtremityState {
    return { kind: 'stance-extremity', version: 1, absolute: this.absolute.toJSON(), signed: this.signed.toJSON() };
  }

  static fromJSON(state: unknown): StanceExtremity {
    const kind = 'stance-extremity';
    const record = readStateRecord(state, kind, 1);
    const absolute = ExponentialMean.fromJSON(record['absolute']);
    const signed = ExponentialMean.fromJSON(record['signed']);
    if (absolute.decay !== signed.decay || absolute.eventCount !== signed.eventCount) {
      throw invalidState(kind, 'the absolute and signed means disagree on decay or event count');
    }
    const metric = new StanceExtremity({ decay: { decay: absolute.decay } });
    metric.absolute = absolute;
    metric.signed = signed;
    return metric;
  }
}
