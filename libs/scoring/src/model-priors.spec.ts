import { DiagonalGaussianLogistic } from '@chorus/reward';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '@chorus/platform';
import { ModelPriors, rewardPriorConfigShape } from './model-priors';

const priors = (tau2: number) =>
  new ModelPriors({ LEARNER_TAU2: tau2, LEARNER_TAU2_BY_DOMAIN: { code: 0 }, LEARNER_PRIOR_VARIANCE: 1, LEARNER_ITEM_PRIOR_VARIANCE: 1, LEARNER_FORGETTING: 0, LEARNER_MAX_PERSONAS: 3 });

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

describe('ModelPriors.restoreUserPersonas', () => {
  const priorsK = (tau2: number, maxPersonas: number) =>
    new ModelPriors({ LEARNER_TAU2: tau2, LEARNER_TAU2_BY_DOMAIN: { code: 0 }, LEARNER_PRIOR_VARIANCE: 1, LEARNER_ITEM_PRIOR_VARIANCE: 1, LEARNER_FORGETTING: 0, LEARNER_MAX_PERSONAS: maxPersonas });
  const weights = () => {
    const user = new DiagonalGaussianLogistic({ priorVariance: 4 });
    user.update(new Map([['bias', 1], ['cat:drama', 1]]), 1);
    return user.toJSON();
  };
  const x = new Map([['bias', 1], ['cat:drama', 1]]);

  it('reads a row without personas (K = 1 or older rows) as one persona with the same scores', () => {
    const restored = priorsK(4, 3).restoreUserPersonas('movies', { weights: weights(), eventsSeen: 1 });
    expect(restored.personas).toHaveLength(1);
    expect(restored.logit(x, 0.2)).toBe(priors(4).restoreUser('movies', weights()).logit(x, 0.2));
  });

  it('caps every persona under a lowered τ², keeps one persona when K was lowered, and none at τ² = 0', () => {
    const two = { personas: [{ id: 0, mass: 1, share: 1, weights: weights() }, { id: 2, mass: 1, share: 0, weights: { 'cat:horror': [1, 3] as const } }], evidence: 0, eventsSeen: 2, nextId: 3, decisions: [] };
    const capped = priorsK(0.5, 3).restoreUserPersonas('movies', { weights: two.personas[0]!.weights, personas: two, eventsSeen: 2 });
    expect(capped.personas.map((p) => p.model.variance('cat:horror'))).toEqual([0.5, 0.5]);
    const lowered = priorsK(4, 1).restoreUserPersonas('movies', { weights: two.personas[0]!.weights, personas: two, eventsSeen: 2 });
    expect(lowered.personas.map((p) => p.model.toJSON())).toEqual([weights()]);
    expect(priorsK(4, 3).restoreUserPersonas('code', { weights: weights(), personas: two, eventsSeen: 2 }).logit(x)).toBe(0);
  });
});
