import { ModelPriors } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { LearnerState } from './learner-state';

const priors = () => new ModelPriors({ LEARNER_TAU2: 1, LEARNER_TAU2_BY_DOMAIN: {}, LEARNER_PRIOR_VARIANCE: 1, LEARNER_ITEM_PRIOR_VARIANCE: 1, LEARNER_FORGETTING: 0 });

/** One commit in which the user interacted with an item (or, with no item, only counts changed). */
function commit(state: LearnerState, userId: string, itemId?: string) {
  const user = state.cachedUser(userId, 'movies') ?? state.installUser(userId, 'movies');
  user.dirty = true;
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
