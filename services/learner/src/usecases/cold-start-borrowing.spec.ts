import { BorrowingEvidence, itemFeatures, profileLogit, updateOnObservationWithPersonas, withItemIntercept, type FeedbackObservation } from '@chorus/reward';
import { decodeUserModelState, ModelPriors } from '@chorus/scoring';
import { describe, expect, it } from 'vitest';
import { borrowAfterEvent } from './cold-start-borrowing';
import { LearnerState, type UserState } from './learner-state';

const COLD = 6;

function setup(borrowing: boolean) {
  const priors = new ModelPriors({
    LEARNER_TAU2: 1,
    LEARNER_TAU2_BY_DOMAIN: {},
    LEARNER_PRIOR_VARIANCE: 1,
    LEARNER_ITEM_PRIOR_VARIANCE: 1,
    LEARNER_FORGETTING: 0,
    LEARNER_MAX_PERSONAS: 1,
    LEARNER_BORROWING: borrowing,
    LEARNER_BORROWING_COLD_EVENTS: COLD,
    LEARNER_BORROWING_DONORS: 4,
  });
  const state = new LearnerState(priors, 1000);
  state.adoptPartition(0, 0, []);
  return { state, shard: state.shard('movies', 0) };
}

const observation = (genre: string, y: number): FeedbackObservation => {
  const phi = itemFeatures({ categories: { [genre]: 1 } });
  return { aggregateX: withItemIntercept(phi, genre), userX: phi, y, weight: 1 };
};

/** What the apply loop does per event: the update, then the bookkeeping, then the borrowing step. */
function learn({ state, shard }: ReturnType<typeof setup>, user: UserState, event: FeedbackObservation): number {
  const { aggregate } = updateOnObservationWithPersonas(shard.model, user.model, event);
  state.applied(shard);
  user.eventsSeen++;
  state.markChanged(user);
  borrowAfterEvent(user, shard, event, aggregate);
  return aggregate;
}

describe('cold-start borrowing in the learner', () => {
  it('is off by default: no donors, no evidence, and a row that carried some drops it', () => {
    const stack = setup(false);
    expect(stack.shard.donors).toBeUndefined();
    const user = stack.state.installUser('u', 'movies');
    user.borrowing = { evidence: new BorrowingEvidence() };
    learn(stack, user, observation('drama', 1));
    expect(user.borrowing).toBeUndefined();
  });

  it('scores each cold event with the donor chosen before it, keeps the evidence, and drops it once the user is warm', () => {
    const stack = setup(true);
    const donor = stack.state.installUser('donor', 'movies');
    for (let i = 0; i < COLD; i++) learn(stack, donor, observation('drama', 1));
    expect(stack.shard.donors!.toJSON().map((d) => d.userId)).toEqual(['donor']);
    const means = { ...stack.shard.donors!.toJSON()[0]!.means };
    expect(means['cat:drama']).toBeGreaterThan(0);

    const cold = stack.state.installUser('cold', 'movies');
    const expected = new BorrowingEvidence();
    const events = [observation('drama', 1), observation('comedy', 0), observation('drama', 1), observation('drama', 0), observation('drama', 1)];
    events.forEach((event, k) => {
      const hadDonor = cold.borrowing?.donor !== undefined;
      const aggregate = learn(stack, cold, event);
      // The first event has no donor yet; every later one is scored with the donor's snapshot (oracle: its means).
      expect(hadDonor).toBe(k > 0);
      if (hadDonor) expected.record(aggregate, profileLogit(means, event.userX, aggregate), event.y, event.weight);
    });
    expect(cold.borrowing!.donor!.userId).toBe('donor');
    expect(cold.borrowing!.evidence.toJSON()).toEqual(expected.toJSON());
    expect(cold.borrowing!.evidence.events).toBe(4);

    // Persisted as user_models.state's additive `borrowing` key, and read back to the same evidence.
    const row = decodeUserModelState(stack.state.snapshot().users.find((u) => u.userId === 'cold')!.state);
    expect(row.borrowing).toEqual({ donor: { userId: 'donor', means }, evidence: expected.toJSON() });

    learn(stack, cold, observation('drama', 1)); // the COLD-th event: warm now
    expect(cold.borrowing).toBeUndefined();
    expect(stack.shard.donors!.toJSON().map((d) => d.userId).sort()).toEqual(['cold', 'donor']);
  });

  it('persists the donor pool with the shard and restores it on adoption (a replay starts from the same pool)', () => {
    const stack = setup(true);
    const donor = stack.state.installUser('donor', 'movies');
    for (let i = 0; i < COLD; i++) learn(stack, donor, observation('drama', 1));
    const shardRow = stack.state.snapshot().shards[0]!;
    const again = setup(true);
    again.state.adoptPartition(1, 0, [{ domain: 'movies', state: JSON.parse(shardRow.state), donors: JSON.parse(shardRow.donors!), eventsSeen: shardRow.eventsSeen }]);
    expect(again.state.shard('movies', 1).donors!.toJSON()).toEqual(stack.shard.donors!.toJSON());
  });
});
