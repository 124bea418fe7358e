import { BorrowingEvidence } from '@chorus/reward';
import { describe, expect, it } from 'vitest';
import { ModelPriors } from './model-priors';
import { PersonalizedScorer } from './personalized-scorer';
import type { RewardModelsRepository, StoredUserModel } from './reward-models.repository';

const base = { LEARNER_TAU2: 1, LEARNER_TAU2_BY_DOMAIN: {}, LEARNER_PRIOR_VARIANCE: 1, LEARNER_ITEM_PRIOR_VARIANCE: 1, LEARNER_FORGETTING: 0, LEARNER_MAX_PERSONAS: 1, LEARNER_BORROWING_COLD_EVENTS: 50 };
// borrowedProfile reads no table: the scorer needs no repository for it.
const scorer = (on: boolean) => new PersonalizedScorer(undefined as unknown as RewardModelsRepository, new ModelPriors({ ...base, LEARNER_BORROWING: on }), 0);

/** A stored cold user whose evidence is the given per-event gains (recorded as logit pairs with y = 1). */
function stored(gains: number[], eventsSeen = gains.length + 1): StoredUserModel {
  const evidence = new BorrowingEvidence();
  // With y = 1, aggregate logit 0 (loss ln 2) and borrowed logit z: gain = ln 2 − softplus(−z); z = −ln(2e^{−g} − 1).
  for (const gain of gains) evidence.record(0, -Math.log(2 * Math.exp(-gain) - 1), 1);
  return { weights: {}, eventsSeen, updatedAt: '2026-12-07T00:00:00Z', borrowing: { donor: { userId: 'donor', means: { 'cat:drama': 1 } }, evidence: evidence.toJSON() } };
}

describe('PersonalizedScorer.borrowedProfile: the serving side of the borrowing guard', () => {
  const clear = [0.3, 0.25, 0.35, 0.3, 0.28, 0.32];

  it('serves the donor profile when the user’s own evidence clears the bound', () => {
    const borrowed = scorer(true).borrowedProfile(stored(clear));
    expect(borrowed?.means['cat:drama']).toBe(1);
    expect(borrowed?.decision).toMatchObject({ borrow: true, events: 6 });
    expect(borrowed!.decision.meanGain).toBeCloseTo(0.3, 9);
  });

  it('refuses on thin evidence (fewer than 5 scored events), on a negative gain, and on a gain within its uncertainty', () => {
    expect(scorer(true).borrowedProfile(stored([0.5, 0.5, 0.5, 0.5]))).toBeUndefined();
    expect(scorer(true).borrowedProfile(stored([-0.2, -0.1, -0.3, -0.2, -0.25, -0.2]))).toBeUndefined();
    expect(scorer(true).borrowedProfile(stored([0.4, -0.5, 0.6, -0.4, 0.3, -0.2]))).toBeUndefined();
  });

  it('refuses when borrowing is off (the default), for a warm user, and for a user without a donor', () => {
    expect(scorer(false).borrowedProfile(stored(clear))).toBeUndefined();
    expect(new PersonalizedScorer(undefined as unknown as RewardModelsRepository, new ModelPriors(base), 0).borrowedProfile(stored(clear))).toBeUndefined();
    expect(scorer(true).borrowedProfile(stored(clear, 50))).toBeUndefined();
    const { donor: _none, ...withoutDonor } = stored(clear).borrowing!;
    expect(scorer(true).borrowedProfile({ ...stored(clear), borrowing: withoutDonor })).toBeUndefined();
    expect(scorer(true).borrowedProfile(undefined)).toBeUndefined();
  });
});
