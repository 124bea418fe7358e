import { DiagonalGaussianLogistic } from '@chorus/reward';
import { describe, expect, it } from 'vitest';
import { ModelPriors } from './model-priors';

const priors = (tau2: number) =>
  new ModelPriors({ LEARNER_TAU2: tau2, LEARNER_TAU2_BY_DOMAIN: { code: 0 }, LEARNER_PRIOR_VARIANCE: 1, LEARNER_ITEM_PRIOR_VARIANCE: 1, LEARNER_FORGETTING: 0 });

describe('ModelPriors.restoreUser', () => {
  const learned = () => {
    const user = new DiagonalGaussianLogistic({ priorVariance: 4 });
    user.update(new Map([['bias', 1], ['cat:drama', 1]]), 1);
    return user.toJSON();
  };

  it('restores a deviation learned under the same τ² exactly', () => {
    const json = learned();
    expect(priors(4).restoreUser('movies', json).toJSON()).toEqual(json);
  });

  it('caps variances above a lowered τ² instead of refusing the user', () => {
    const json = learned();
    expect(() => DiagonalGaussianLogistic.fromJSON(json, { priorVariance: 0.5 })).toThrow();
    const restored = priors(0.5).restoreUser('movies', json);
    expect(restored.variance('bias')).toBe(0.5);
    expect(restored.mean('bias')).toBe(json.bias![0]);
  });

  it('collapses to the aggregate when the domain τ² is now 0', () => {
    const restored = priors(4).restoreUser('code', learned());
    expect(restored.mean('bias')).toBe(0);
    expect(restored.mean('cat:drama')).toBe(0);
  });
});
