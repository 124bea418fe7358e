import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_POOLING_GRID } from '@chorus/reward';
import { ModelPriors, rewardPriorConfigShape, type ModelPriorsConfig } from './model-priors';

const config: ModelPriorsConfig = {
  LEARNER_TAU2: 2,
  LEARNER_TAU2_BY_DOMAIN: { news: 0.5 },
  LEARNER_PRIOR_VARIANCE: 3,
  LEARNER_ITEM_PRIOR_VARIANCE: 7,
  LEARNER_FORGETTING: 0.25,
  LEARNER_MAX_PERSONAS: 3,
};

describe('rewardPriorConfigShape', () => {
  const schema = z.object(rewardPriorConfigShape);

  it('defaults to a learned τ² (LEARNER_TAU2 unset) on the √2 grid 1/16 … 64, unit prior variances , no forgetting and up to 3 personas', () => {
    const { LEARNER_TAU2_GRID: grid, ...rest } = schema.parse({});
    expect(rest).toEqual({
      LEARNER_TAU2_BY_DOMAIN: {},
      LEARNER_PRIOR_VARIANCE: 1,
      LEARNER_FORGETTING: 0,
      LEARNER_MAX_PERSONAS: 3,
      LEARNER_BORROWING: false,
      LEARNER_BORROWING_COLD_EVENTS: 50,
      LEARNER_BORROWING_DONORS: 32,
    });
    expect(rest.LEARNER_TAU2).toBeUndefined();
    expect([grid.length, grid[0], grid.at(-1)]).toEqual([21, 1 / 16, 64]);
    expect(grid).toContain(1);
    for (let k = 1; k < grid.length; k++) expect(grid[k]! / grid[k - 1]!).toBeCloseTo(Math.SQRT2, 12);
  });

  it('reads cold-start borrowing (off by default) and refuses settings it cannot use, saying what would do', () => {
    expect(schema.parse({ LEARNER_BORROWING: 'true', LEARNER_BORROWING_COLD_EVENTS: '6', LEARNER_BORROWING_DONORS: '8' })).toMatchObject({
      LEARNER_BORROWING: true,
      LEARNER_BORROWING_COLD_EVENTS: 6,
      LEARNER_BORROWING_DONORS: 8,
    });
    const refused = (env: Record<string, string>) => schema.safeParse(env).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(refused({ LEARNER_BORROWING: 'yes' })).toEqual(['LEARNER_BORROWING: expected true or false']);
    // Below 6 the guard (5 scored events, the first event having no donor yet) could never say yes.
    expect(refused({ LEARNER_BORROWING_COLD_EVENTS: '5' })).toEqual(['LEARNER_BORROWING_COLD_EVENTS: expected an integer in [6, 100000]']);
    expect(refused({ LEARNER_BORROWING_DONORS: '0' })).toEqual(['LEARNER_BORROWING_DONORS: expected an integer in [1, 1024]']);
  });

  it('reads a grid of candidate τ²', () => {
    expect(schema.parse({ LEARNER_TAU2_GRID: '0.5, 1,2' }).LEARNER_TAU2_GRID).toEqual([0.5, 1, 2]);
  });

  it('reads per-domain τ² and accepts 0 where 0 means something (τ², forgetting)', () => {
    expect(schema.parse({ LEARNER_TAU2: '0', LEARNER_TAU2_BY_DOMAIN: 'news=0.5,code=0', LEARNER_FORGETTING: '0' })).toMatchObject({
      LEARNER_TAU2: 0,
      LEARNER_TAU2_BY_DOMAIN: { news: 0.5, code: 0 },
      LEARNER_FORGETTING: 0,
    });
  });

  it.each([
    ['LEARNER_TAU2', '-0.1'],
    ['LEARNER_TAU2_BY_DOMAIN', 'news=-1'],
    ['LEARNER_PRIOR_VARIANCE', '0'],
    ['LEARNER_ITEM_PRIOR_VARIANCE', '0'],
    ['LEARNER_FORGETTING', '-0.5'],
    // A variance this large overflows the score variance Σ x²v on the first event: every event would be dead-lettered.
    ['LEARNER_TAU2', '1e308'],
    ['LEARNER_TAU2', ''],
    ['LEARNER_TAU2_GRID', '1,0.5'],
    ['LEARNER_TAU2_GRID', '0,1'],
    ['LEARNER_TAU2_GRID', '1,,2'],
    ['LEARNER_TAU2_GRID', '1,1e308'],
    ['LEARNER_TAU2', '1000001'],
    ['LEARNER_TAU2_BY_DOMAIN', 'news=1e308'],
    ['LEARNER_PRIOR_VARIANCE', '1e308'],
    ['LEARNER_ITEM_PRIOR_VARIANCE', '1e308'],
    ['LEARNER_FORGETTING', '1e308'],
    ['LEARNER_MAX_PERSONAS', '0'],
    ['LEARNER_MAX_PERSONAS', '2.5'],
    ['LEARNER_MAX_PERSONAS', '17'],
  ])('refuses %s=%s', (key, value) => {
    const result = schema.safeParse({ [key]: value });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([[key]]);
  });
});

describe('ModelPriors: which prior each feature and domain gets', () => {
  // Built in each test, not at collection: Stryker activates a mutant of the constructor only while tests run.
  let priors: ModelPriors;
  beforeEach(() => {
    priors = new ModelPriors(config);
  });

  it('gives per-item intercepts the item prior variance and every other feature the weight prior variance', () => {
    const priorVariance = priors.aggregate.priorVariance as (feature: string) => number;
    expect(priorVariance('item:m42')).toBe(7);
    expect(priorVariance('cat:drama')).toBe(3);
    expect(priorVariance('bias')).toBe(3);
    // The prefix must lead: a feature that merely contains it is a weight.
    expect(priorVariance('cat:item:x')).toBe(3);
    expect(priors.aggregate.forgetting).toBe(0.25);
  });

  it('uses a domain τ² where one is configured and the global τ² elsewhere', () => {
    expect(priors.tau2('news')).toBe(0.5);
    expect(priors.tau2('movies')).toBe(2);
    expect(priors.user('news')).toEqual({ priorVariance: 0.5 });
    expect(priors.user('movies')).toEqual({ priorVariance: 2 });
  });

  it('keeps a stored variance equal to τ² as it is, and caps only the ones above it', () => {
    const restored = priors.restoreUser('news', { bias: [0.4, 0.5], 'cat:drama': [-0.2, 0.9], 'cat:war': [0.1, 0.3] });
    expect(restored.toJSON()).toEqual({ bias: [0.4, 0.5], 'cat:drama': [-0.2, 0.5], 'cat:war': [0.1, 0.3] });
  });

  it('combines shard posteriors under the aggregate prior (Gaussian product rule, worked by hand)', () => {
    // Two shards hold "cat:drama" (prior 3): precision = 1/3 + (1/1.5 − 1/3) + (1/2 − 1/3) = 0.8333…;
    // mean = (0.6/1.5 + 0.2/2) / precision = 0.5 / (5/6) = 0.6. One shard holds "item:m1" (copied as it is).
    const combined = priors.combineAggregate([{ state: { 'cat:drama': [0.6, 1.5], 'item:m1': [0.3, 6] } }, { state: { 'cat:drama': [0.2, 2] } }]);
    expect(combined.mean('cat:drama')).toBeCloseTo(0.6, 12);
    expect(combined.variance('cat:drama')).toBeCloseTo(1.2, 12);
    expect(combined.toJSON()['item:m1']).toEqual([0.3, 6]);
    // The combined model keeps the aggregate's prior: an unseen item is at the item prior.
    expect(combined.variance('item:unseen')).toBe(7);
    expect(combined.variance('cat:unseen')).toBe(3);
  });

  it('where σ²_c is learned, rebases each shard’s intercepts from its partition’s σ²_c to the served one before combining', () => {
    const learned = new ModelPriors({ ...config, LEARNER_ITEM_PRIOR_VARIANCE: undefined });
    // item:m1 learned under σ²_c = 4 with variance 2 (data precision ½ − ¼ = ¼): under 1, precision 1.25, mean (0.3/2)/1.25 = 0.12.
    const combined = learned.combineAggregate([{ state: { 'cat:drama': [0.6, 1.5], 'item:m1': [0.3, 2] }, itemVariance: 4 }, { state: { 'cat:drama': [0.2, 2] }, itemVariance: 1 }], 1);
    expect(combined.mean('item:m1')).toBeCloseTo(0.12, 12);
    expect(combined.variance('item:m1')).toBeCloseTo(0.8, 12);
    expect(combined.mean('cat:drama')).toBeCloseTo(0.6, 12); // category weights are not touched
    expect(combined.variance('item:unseen')).toBe(1);
  });

  it('reports σ²_c as fixed when configured, else the MAP of the shards’ summed evidence', () => {
    expect(priors.itemPriorVariance([])).toEqual({ source: 'fixed', variance: 7 });
    const learned = new ModelPriors({ ...config, LEARNER_ITEM_PRIOR_VARIANCE: undefined });
    const grid = DEFAULT_POOLING_GRID;
    // Two shards whose summed losses are lowest at σ²_c = 4 (grid member 12), by far.
    const losses = (at: number) => grid.map((_, k) => (k === at ? 10 : 60));
    const answer = learned.itemPriorVariance([{ grid, losses: losses(12) }, null, { grid, losses: losses(12) }]);
    expect(answer).toMatchObject({ source: 'learned', variance: 4, shards: 2 });
    if (answer.source === 'learned') expect(answer.logEvidence[12]).toBe(-20);
  });
});
