import { DiagonalGaussianLogistic } from '@chorus/reward';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '@chorus/platform';
import { ModelPriors, rewardPriorConfigShape } from './model-priors';

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

describe('ModelPriors.tau2', () => {
  it('a domain named like an Object.prototype property takes LEARNER_TAU2 (domain names are client-chosen)', () => {
    expect(priors(2).tau2('constructor')).toBe(2);
    expect(priors(2).tau2('code')).toBe(0);
    expect(() => priors(2).user('constructor')).not.toThrow();
  });

  it('reads per-domain values from LEARNER_TAU2_BY_DOMAIN as parsed from the environment, any name included', () => {
    const config = loadConfig(z.object(rewardPriorConfigShape), { LEARNER_TAU2: '2', LEARNER_TAU2_BY_DOMAIN: 'news=0.5,constructor=3,__proto__=4' });
    const fromEnv = new ModelPriors(config);
    expect([fromEnv.tau2('news'), fromEnv.tau2('constructor'), fromEnv.tau2('__proto__'), fromEnv.tau2('tostring'), fromEnv.tau2('movies')]).toEqual([0.5, 3, 4, 2, 2]);
  });
});
