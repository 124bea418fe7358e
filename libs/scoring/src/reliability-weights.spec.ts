import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { conditionDeviations, reliabilityWeightConfigShape, reliabilityWeighting } from './reliability-weights';

const schema = z.object(reliabilityWeightConfigShape);

describe('reliabilityWeightConfigShape', () => {
  it('weighs the aggregate only by default, and a domain named in the map as it says', () => {
    const defaults = schema.parse({});
    expect(reliabilityWeighting(defaults, 'movies')).toEqual({ aggregate: true, personalized: false });
    const config = schema.parse({ LEARNER_RELIABILITY_WEIGHTS: 'none', LEARNER_RELIABILITY_WEIGHTS_BY_DOMAIN: 'news=both, code=personalized' });
    expect(reliabilityWeighting(config, 'news')).toEqual({ aggregate: true, personalized: true });
    expect(reliabilityWeighting(config, 'code')).toEqual({ aggregate: false, personalized: true });
    expect(reliabilityWeighting(config, 'movies')).toEqual({ aggregate: false, personalized: false });
    // A domain called like an Object.prototype key is an ordinary name, not an inherited value.
    expect(reliabilityWeighting(config, 'constructor')).toEqual({ aggregate: false, personalized: false });
  });

  it('says what a bad value is and what a good one looks like', () => {
    const global = schema.safeParse({ LEARNER_RELIABILITY_WEIGHTS: 'all' });
    expect(global.success).toBe(false);
    expect(global.error!.issues[0]!.message).toBe('expected one of none, aggregate, personalized, both');
    const byDomain = schema.safeParse({ LEARNER_RELIABILITY_WEIGHTS_BY_DOMAIN: 'news=both,code' });
    expect(byDomain.error!.issues[0]!.message).toBe('expected comma-separated domain=none|aggregate|personalized|both pairs, e.g. "news=both,code=none"; "code" is not one');
    expect(schema.safeParse({ LEARNER_RELIABILITY_WEIGHTS_BY_DOMAIN: 'news=yes' }).success).toBe(false);
  });

  it('keeps per-condition deviations in the personalized model by default (κ² = 1), per domain as the map says', () => {
    expect(conditionDeviations(schema.parse({}), 'movies')).toEqual({ personalized: true, priorVariance: 1 });
    const config = schema.parse({ LEARNER_CONDITION_DEVIATIONS: 'none', LEARNER_CONDITION_DEVIATIONS_BY_DOMAIN: 'news=personalized', LEARNER_CONDITION_PRIOR_VARIANCE: '0.5' });
    expect(conditionDeviations(config, 'news')).toEqual({ personalized: true, priorVariance: 0.5 });
    expect(conditionDeviations(config, 'movies')).toEqual({ personalized: false, priorVariance: 0.5 });
    expect(conditionDeviations(config, '__proto__')).toEqual({ personalized: false, priorVariance: 0.5 });
  });

  it('refuses a bad condition setting at boot, saying what is expected', () => {
    expect(schema.safeParse({ LEARNER_CONDITION_DEVIATIONS: 'aggregate' }).error!.issues[0]!.message).toBe('expected one of none, personalized');
    expect(schema.safeParse({ LEARNER_CONDITION_DEVIATIONS_BY_DOMAIN: 'news=on' }).error!.issues[0]!.message).toBe(
      'expected comma-separated domain=none|personalized pairs, e.g. "news=none,code=personalized"; "news=on" is not one',
    );
    expect(schema.safeParse({ LEARNER_CONDITION_PRIOR_VARIANCE: '0' }).error!.issues[0]!.message).toBe('expected a number > 0');
    expect(schema.safeParse({ LEARNER_CONDITION_PRIOR_VARIANCE: 'wide' }).success).toBe(false);
  });
});
