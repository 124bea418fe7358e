import { type DecayOptions } from './exponential-decay.config';
import { ExponentialMean } from './exponential-mean.estimator';
import { requireInRange } from './metric-input.guard';
import { readStateRecord } from './metric-state.guard';

export interface StanceReinforcementState {
  readonly kind: 'stance-reinforcement';
  readonly version: 1;
  readonly mean: unknown;
}

/**
 * Stance reinforcement: how much what is served to a user leans the way the user already leans.
 * For each served item with stance s_i ∈ [−1, 1], shown while the user's own stance is σ_u ∈ [−1, 1]
 * (from {@link StanceExtremity.userStance}), the alignment is a_i = s_i · σ_u, and
 *
 *   R_u = Σ_t λ^{T−t} a_t / Σ_t λ^{T−t}  ∈ [−1, 1].
 *
 * R = 1: only maximally one-sided items on the side of a maximally one-sided user. R = 0: neutral items, or a neutral
 * user (there is no side to reinforce). R < 0: the feed leans against the user (counter-attitudinal exposure).
 *
 * Multiplying by σ_u rather than by sign(σ_u) is deliberate: sign() jumps from −1 to +1 as a near-neutral user's stance
 * crosses 0, which would make a detector fire on noise; the product is continuous and gives an undecided user's
 * alignment the small weight it deserves. Because both factors lie in [−1, 1] so does every a_i and their mean.
 * O(1) per served item.
 */
export class StanceReinforcement {
  private mean: ExponentialMean;

  constructor(options: { readonly decay: DecayOptions }) {
    this.mean = new ExponentialMean(options.decay);
  }

  /**
   * Records one served item. `userStance` is the user's stance at serving time; callers skip items without a known
   * stance and users without one yet. Throws a `RangeError` for NaN or values outside [−1, 1].
   */
  observeServed(itemStance: number, userStance: number): void {
    requireInRange(itemStance, 'itemStance', -1, 1);
    requireInRange(userStance, 'userStance', -1, 1);
    this.mean.update(itemStance * userStance);
  }

  /** R_u ∈ [−1, 1], or `undefined` before the first served item. */
  get value(): number | undefined {
    return this.mean.value;
  }

  get eventCount(): number {
    return this.mean.eventCount;
  }

  toJSON(): StanceReinforcementState {
    return { kind: 'stance-reinforcement', version: 1, mean: this.mean.toJSON() };
  }

  static fromJSON(state: unknown): StanceReinforcement {
    const record = readStateRecord(state, 'stance-reinforcement', 1);
    const mean = ExponentialMean.fromJSON(record['mean']);
    const metric = new StanceReinforcement({ decay: { decay: mean.decay } });
    metric.mean = mean;
    return metric;
  }
}
