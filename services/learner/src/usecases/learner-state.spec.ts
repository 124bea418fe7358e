import { decodeUserModelState, ModelPriors } from '@chorus/scoring';
import { mulberry32 } from '@chorus/random';
import { DiagonalGaussianLogistic, itemFeatures, rebasePosterior } from '@chorus/reward';
import { describe, expect, it } from 'vitest';
import { LearnerState } from './learner-state';

const priors = () => new ModelPriors({ LEARNER_TAU2: 1, LEARNER_TAU2_BY_DOMAIN: {}, LEARNER_PRIOR_VARIANCE: 1, LEARNER_ITEM_PRIOR_VARIANCE: 1, LEARNER_FORGETTING: 0, LEARNER_MAX_PERSONAS: 3 });

function dirty(state: LearnerState, userId: string): void {
  state.markChanged(state.cachedUser(userId, 'movies') ?? state.installUser(userId, 'movies'));
}

/** One commit in which the user interacted with an item (or, with no item, only counts changed). */
function commit(state: LearnerState, userId: string, itemId?: string) {
  const user = state.cachedUser(userId, 'movies') ?? state.installUser(userId, 'movies');
  state.markChanged(user);
  if (itemId) user.newItemIds.push(itemId);
  return state.snapshot();
}

describe('LearnerState interaction rows', () => {
  it('asks to merge a user\'s interaction rows each time this learner has appended the configured number', () => {
    const state = new LearnerState(priors(), 100, 3);
    const merges = Array.from({ length: 8 }, (_, k) => commit(state, 'ann', `item-${k}`).compactInteractions);
    // Rows 1, 2, 3 → merge (one row left); then 2, 3 → merge; then 2, 3 → merge.
    expect(merges.map((m) => m.length)).toEqual([0, 0, 1, 0, 1, 0, 1, 0]);
    expect(merges[2]).toEqual([{ userId: 'ann', domain: 'movies' }]);
  });

  it('counts only commits that append a row, and each user on its own', () => {
    const state = new LearnerState(priors(), 100, 2);
    expect(commit(state, 'ann').compactInteractions).toEqual([]);
    expect(commit(state, 'ann', 'item-1').compactInteractions).toEqual([]);
    expect(commit(state, 'bob', 'item-1').compactInteractions).toEqual([]);
    expect(commit(state, 'ann', 'item-2').compactInteractions).toEqual([{ userId: 'ann', domain: 'movies' }]);
  });

  it('never merges when no bound is given', () => {
    const state = new LearnerState(priors(), 100);
    for (let k = 0; k < 50; k++) expect(commit(state, 'ann', `item-${k}`).compactInteractions).toEqual([]);
  });
});

describe('LearnerState memory', () => {
  const residents = (state: LearnerState, n: number) => Array.from({ length: n }, (_, k) => `u-${k}`).filter((id) => state.hasUser(id, 'movies'));

  it('over the budget evicts cold users at the snapshot by a clock: a user used since the hand last passed is spared once', () => {
    const state = new LearnerState(priors(), 10);
    for (let k = 0; k < 12; k++) state.installUser(`u-${k}`, 'movies');
    state.snapshot();
    // Every user was used (installed) before the first sweep: one turn clears the marks, the second evicts.
    expect(residents(state, 14)).toEqual(['u-2', 'u-3', 'u-4', 'u-5', 'u-6', 'u-7', 'u-8', 'u-9', 'u-10', 'u-11']);
    expect(state.residentUsers).toBe(10);
    state.cachedUser('u-2', 'movies');
    state.installUser('u-12', 'movies');
    state.installUser('u-13', 'movies');
    expect(state.snapshot().counters).toEqual({ evicted_users: 2 });
    // The hand stands at u-2: used since it passed, u-2 is spared; u-3 and u-4 go.
    expect(residents(state, 14)).toEqual(['u-2', 'u-5', 'u-6', 'u-7', 'u-8', 'u-9', 'u-10', 'u-11', 'u-12', 'u-13']);
  });

  it('never evicts a user changed since the last snapshot, nor one written in the snapshot just taken (its commit may be in flight)', () => {
    const state = new LearnerState(priors(), 2);
    for (let k = 0; k < 4; k++) dirty(state, `u-${k}`);
    expect(state.snapshot().users.map((u) => u.userId)).toEqual(['u-0', 'u-1', 'u-2', 'u-3']);
    // All four were written in the snapshot just taken: kept over the budget.
    expect(state.residentUsers).toBe(4);
    dirty(state, 'u-4');
    state.cachedUser('u-4', 'movies');
    expect(state.snapshot().users.map((u) => u.userId)).toEqual(['u-4']);
    // u-0..u-3 landed (a snapshot is taken only once the previous write did): three of them go, to the budget plus
    // u-4, which was just written.
    expect(residents(state, 5)).toEqual(['u-3', 'u-4']);
  });

  it('writes each changed user once per snapshot, only the changed ones, and the resident object when one was installed over it', () => {
    const state = new LearnerState(priors(), 100);
    for (let k = 0; k < 5; k++) state.installUser(`u-${k}`, 'movies');
    dirty(state, 'u-3');
    dirty(state, 'u-1');
    dirty(state, 'u-3');
    expect(state.snapshot().users.map((u) => u.userId)).toEqual(['u-3', 'u-1']);
    expect(state.snapshot().users).toEqual([]);
    dirty(state, 'u-2');
    // Reinstalled (as a load would) after it changed: the snapshot writes the object now resident, here unchanged.
    const replacement = state.installUser('u-2', 'movies');
    expect(state.snapshot().users).toEqual([]);
    state.markChanged(replacement);
    replacement.eventsSeen = 7;
    expect(state.snapshot().users.map((u) => [u.userId, u.eventsSeen])).toEqual([['u-2', 7]]);
  });

  it('adopts a partition at its stored offset with its shards, commits offsets only when they moved, and forgets all on clear()', () => {
    const state = new LearnerState(priors(), 100);
    state.adoptPartition(4, 20, [{ domain: 'movies', state: { bias: [0.5, 0.25] }, eventsSeen: 9 }]);
    expect(state.hasPartition(4)).toBe(true);
    expect(state.shard('movies', 4).eventsSeen).toBe(9);
    expect(state.shard('movies', 4).model.toJSON()).toEqual({ bias: [0.5, 0.25] });
    expect(state.snapshot().offsets).toEqual([]);
    state.nextOffset.set(4, 25);
    state.count('applied', 5);
    expect(state.snapshot()).toMatchObject({ offsets: [{ partition: 4, from: 20, to: 25 }], counters: { applied: 5 } });
    expect(state.snapshot()).toMatchObject({ offsets: [], counters: {} });
    state.clear();
    expect(state.hasPartition(4)).toBe(false);
    expect(state.shard('movies', 4).eventsSeen).toBe(0);
  });
});

describe('LearnerState persona state (issue #16)', () => {
  const priorsK = (maxPersonas: number) =>
    new ModelPriors({ LEARNER_TAU2: 4, LEARNER_TAU2_BY_DOMAIN: {}, LEARNER_PRIOR_VARIANCE: 1, LEARNER_ITEM_PRIOR_VARIANCE: 1, LEARNER_FORGETTING: 0, LEARNER_MAX_PERSONAS: maxPersonas });

  /** A user learned from a household of two opposed tastes (horror 70% of sessions, romance 30%), committed once. */
  function learned(maxPersonas: number) {
    const state = new LearnerState(priorsK(maxPersonas), 100);
    const user = state.installUser('ann', 'movies');
    const random = mulberry32(3);
    const items = ['horror', 'romance', 'drama'].map((genre) => itemFeatures({ categories: { [genre]: 1 } }));
    let horrorFan = true;
    for (let i = 0; i < 600; i++) {
      if (random() < 0.2) horrorFan = random() < 0.7;
      const k = Math.floor(random() * 3);
      const liked = k === 2 ? 0.5 : (k === 0) === horrorFan ? 0.9 : 0.1;
      user.model.update(items[k]!, random() < liked ? 1 : 0);
    }
    user.eventsSeen = 600;
    state.markChanged(user);
    return { user, row: state.snapshot().users[0]! };
  }

  /** The row read back and installed on a fresh learner, as after a restart. */
  function reloaded(maxPersonas: number, row: { state: Buffer; eventsSeen: number }) {
    const { weights, tau2, personas } = decodeUserModelState(row.state);
    return new LearnerState(priorsK(maxPersonas), 100).installUser('ann', 'movies', { state: { weights, tau2, personas, recentEventIds: [] }, eventsSeen: row.eventsSeen });
  }

  it('writes the personas beside the first persona’s weights and reads them back to the same state and scores', () => {
    const { user, row } = learned(3);
    expect(user.model.personas.length).toBeGreaterThan(1);
    const stored = decodeUserModelState(row.state);
    expect(stored.weights).toEqual(user.model.personas[0]!.model.toJSON());
    expect(stored.personas!.personas[0]!.weights).toBeUndefined(); // not written twice
    const back = reloaded(3, row);
    expect(back.model.toJSON()).toEqual(user.model.toJSON());
    const romance = itemFeatures({ categories: { romance: 1 } });
    expect(back.model.logit(romance, 0.1)).toBe(user.model.logit(romance, 0.1));
  });

  it('with K = 1 writes exactly the single deviation’s row (its weights and the τ² they were learned under)', () => {
    const { user, row } = learned(1);
    expect(decodeUserModelState(row.state)).toEqual({ weights: user.model.personas[0]!.model.toJSON(), tau2: 4 });
    expect(reloaded(1, row).model.toJSON()).toEqual(user.model.toJSON());
  });

  it('aligning a user to a moved τ² rebases every persona and the shadow (rebasePosterior); K = 1 exactly as one deviation', () => {
    for (const maxPersonas of [4, 1]) {
      const { user } = learned(maxPersonas);
      const before = user.model.toJSON();
      const shard = new LearnerState(priorsK(maxPersonas), 100).shard('movies', 0);
      shard.tau2 = 2; // as a learned τ² moves
      new LearnerState(priorsK(maxPersonas), 100).alignUser(user, shard);
      expect(user.tau2).toBe(2);
      const after = user.model.toJSON();
      expect(after.personas.map((p) => p.weights)).toEqual(before.personas.map((p) => rebasePosterior(p.weights, 4, 2)));
      expect(after.shadow?.map((p) => p.weights)).toEqual(before.shadow?.map((p) => rebasePosterior(p.weights, 4, 2)));
      for (const persona of [...user.model.personas]) expect(persona.model.priorVariance('cat:unseen')).toBe(2);
      if (maxPersonas > 1) expect([before.personas.length > 1, before.shadow !== undefined]).toEqual([true, true]);
      else {
        const single = DiagonalGaussianLogistic.fromJSON(rebasePosterior(before.personas[0]!.weights, 4, 2), { priorVariance: 2 });
        expect(user.model.personas[0]!.model.toJSON()).toEqual(single.toJSON());
      }
    }
  });
});
