import { mulberry32 } from '@chorus/random';
import { itemFeatures, PersonaMixture } from '@chorus/reward';
import { ModelPriors, userModelState, type UserModelState } from '@chorus/scoring';

/**
 * Real learned states as the learner wrote them in JSON (user_models.state version 1): one and three personas, with
 * borrowing, reliability (pair and item signals) and per-condition deviations — every part of the document.
 */
export function learnedUserModelStates(): UserModelState[] {
  const states: UserModelState[] = [];
  for (const maxPersonas of [1, 3]) {
    const priors = new ModelPriors({ LEARNER_TAU2: 4, LEARNER_TAU2_BY_DOMAIN: {}, LEARNER_PRIOR_VARIANCE: 1, LEARNER_ITEM_PRIOR_VARIANCE: 1, LEARNER_FORGETTING: 0, LEARNER_MAX_PERSONAS: maxPersonas });
    const user = new PersonaMixture(priors.personas('movies'));
    const random = mulberry32(maxPersonas);
    const items = ['horror', 'romance', 'café'].map((genre) => itemFeatures({ categories: { [genre]: 1 } }));
    for (let i = 0; i < 300; i++) {
      const k = Math.floor(random() * 3);
      user.update(items[k]!, random() < (k === 0 ? 0.8 : 0.3) ? 1 : 0);
    }
    const borrowing = { donor: { userId: 'donor-1', means: { 'cat:horror': 0.25 } }, evidence: { n: 3, mean: 0.01, m2: 0.002 } };
    const reliability = {
      counts: [2, 1, 1, 1, 0, 1.5],
      logLikelihood: [-0.2, -1.4, -0.9],
      signals: { 'm-1\u0001m-2': [[['short\u0001\u0001', 2, 2, 1, 1, 0, 0]], [-0.2, -1.4, -0.9]] },
      items: { counts: [3, 2.5], logLikelihood: [-1, -2, -3], signals: { 'm-1': [['', 2, 1]] } },
    } as const;
    const conditions = { priorVariance: 1, conditions: { short: { 'cat:horror': [-0.5, 0.75] } }, split: [4, 3.25] } as const;
    states.push(
      JSON.parse(JSON.stringify(userModelState(user, 4))),
      JSON.parse(JSON.stringify({ ...userModelState(user, 4, borrowing), reliability })),
      JSON.parse(JSON.stringify({ ...userModelState(user, 4), conditions })),
    );
  }
  return states;
}
