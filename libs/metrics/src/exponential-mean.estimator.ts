import { resolveDecayFactor, type DecayOptions } from './exponential-decay.config';
import { requireFinite } from './metric-input.guard';
import { readFiniteNumber, readStateRecord, invalidState } from './metric-state.guard';

export interface ExponentialMeanState {
  readonly kind: 'exponential-mean';
  readonly version: 1;
  readonly decay: number;
  readonly weightedSum: number;
  readonly weight: number;
  readonly count: number;
}

/**
 * Exponentially weighted mean of a stream, O(1) per value:
 *
 *   x̄_T = Σ_{t≤T} λ^{T−t} x_t / Σ_{t≤T} λ^{T−t}
 *
 * kept as two running sums S ← λS + x and W ← λW + 1. Dividing by W (rather than using the usual
 * x̄ ← λx̄ + (1−λ)x) removes the start-up bias towards 0, so the first value is the mean of one value.
 */
export class ExponentialMean {
  readonly decay: number;
  private weightedSum = 0;
  private weight = 0;
  private count = 0;

  constructor(options: DecayOptions) {
    this.decay = resolveDecayFactor(options);
  }

  /** Adds one observation. Throws a `RangeError` for NaN or ±Infinity. */
  update(x: number): void {
    requireFinite(x, 'value');
    this.weightedSum = this.decay * this.weightedSum + x;
    this.weight = this.decay * this.weight + 1;
    this.count += 1;
  }

  /** The weighted mean, or `undefined` before the first observation. */
  get value(): number | undefined {
    return this.count === 0 ? undefined : this.weightedSum / this.weight;
  }

  /** Number of observations seen (undecayed), for gating on "enough evidence". */
  get eventCount(): number {
    return this.count;
  }

  toJSON(): ExponentialMeanState {
    return {
      kind: 'exponential-mean',
      version: 1,
      decay: this.decay,
      weightedSum: this.weightedSum,
      weight: this.weight,
      count: this.count,
    };
  }

  static fromJSON(state: unknown): ExponentialMean {
    const kind = 'exponential-mean';
    const record = readStateRecord(state, kind, 1);
    const mean = new ExponentialMean({ decay: readFiniteNumber(record, kind, 'decay') });
    const weight = readFiniteNumber(record, kind, 'weight');
    const count = readFiniteNumber(record, kind, 'count');
    if (weight < 0 || !Number.isInteger(count) || count < 0 || (count === 0) !== (weight === 0)) {
      throw invalidState(kind, `weight ${weight} and count ${count} are inconsistent`);
    }
    mean.weightedSum = readFiniteNumber(record, kind, 'weightedSum');
    mean.weight = weight;
    mean.count = count;
    return mean;
  }
}
