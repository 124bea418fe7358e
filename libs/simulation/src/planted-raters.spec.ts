import { ReliabilityTracker, type LabelClass } from '@chorus/reliability';
import { describe, expect, it } from 'vitest';
import { plantRaters } from './planted-raters';
import { SimulationInputError } from './simulation-input.error';

describe('plantRaters', () => {
  it('is seeded: the same seed gives the same ratings, another seed others', () => {
    const small = { raterCount: 10, itemsPerRater: 5, itemCount: 20 };
    expect(plantRaters({ ...small, seed: 3 })).toEqual(plantRaters({ ...small, seed: 3 }));
    expect(plantRaters({ ...small, seed: 4 }).ratings).not.toEqual(plantRaters({ ...small, seed: 3 }).ratings);
  });

  it('plants what it says: genuine ratings follow quality, non-attitudes are coin flips', () => {
    const planted = plantRaters();
    const behaviour = new Map(planted.raters.map((r) => [r.id, r.behaviour]));
    const followsQuality = (kind: LabelClass) => {
      const mine = planted.ratings.filter((r) => behaviour.get(r.userId) === kind);
      return mine.filter((r) => r.positive === planted.quality.get(r.itemId)! > 0).length / mine.length;
    };
    expect(followsQuality('genuine')).toBeGreaterThan(0.8);
    expect(Math.abs(followsQuality('non-attitude') - 0.5)).toBeLessThan(0.04);
    expect(planted.ratings).toHaveLength(120 * 30 * 4);
  });

  it('refuses options it cannot use, naming them', () => {
    expect(() => plantRaters({ itemsPerRater: 30, itemCount: 10 })).toThrow(new SimulationInputError('itemsPerRater is 30; it must be ≤ itemCount (10)'));
    expect(() => plantRaters({ repeats: 0 })).toThrow(/repeats is 0; it must be an integer ≥ 1/);
    expect(() => plantRaters({ shares: { genuine: 0.5, 'non-attitude': 0.2, constructed: 0.2 } })).toThrow(/must be ≥ 0 and sum to 1/);
  });
});

describe('item reliability on planted raters (issue #15)', () => {
  const planted = plantRaters();
  const tracker = new ReliabilityTracker();
  const weights = new Map<LabelClass, number[]>([['genuine', []], ['non-attitude', []], ['constructed', []]]);
  const behaviour = new Map(planted.raters.map((r) => [r.id, r.behaviour]));
  const seen = new Set<string>();
  for (const rating of planted.ratings) {
    const { weight } = tracker.observeItem(rating);
    const key = `${rating.userId}|${rating.itemId}`;
    // First observations weigh 1 whatever the rater; the repeats are where the classes differ.
    if (seen.has(key)) weights.get(behaviour.get(rating.userId)!)!.push(weight);
    else expect(weight).toBe(1);
    seen.add(key);
  }

  it('classifies the planted raters’ item signals: genuine as genuine, non-attitudes as non-attitudes', () => {
    const labelled = (kind: LabelClass) => {
      const counts: Record<string, number> = { genuine: 0, 'non-attitude': 0, constructed: 0, unknown: 0 };
      for (const rater of planted.raters.filter((r) => r.behaviour === kind)) {
        for (const [label, count] of Object.entries(tracker.user(rater.id)!.items.classCounts)) counts[label]! += count;
      }
      const total = Object.values(counts).reduce((x, y) => x + y, 0);
      return (label: string) => counts[label]! / total;
    };
    const genuine = labelled('genuine');
    const nonAttitude = labelled('non-attitude');
    const constructed = labelled('constructed');
    expect(genuine('genuine')).toBeGreaterThan(0.8);
    expect(nonAttitude('non-attitude')).toBeGreaterThan(0.8);
    expect(constructed('constructed')).toBeGreaterThan(0.75);
    expect(genuine('constructed')).toBeLessThan(0.05);
    expect(genuine('non-attitude')).toBeLessThan(0.1);
  });

  it('weighs repeats of genuine raters most, of non-attitudes least', () => {
    const mean = (kind: LabelClass) => weights.get(kind)!.reduce((x, y) => x + y, 0) / weights.get(kind)!.length;
    expect(mean('genuine')).toBeGreaterThan(0.9);
    expect(mean('non-attitude')).toBeLessThan(0.5);
    expect(mean('constructed')).toBeLessThan(mean('genuine'));
    expect(mean('constructed')).toBeGreaterThan(mean('non-attitude'));
  });

  it('has the retest agreement the planted behaviours imply: genuine raters agree with themselves, non-attitudes near ½', () => {
    const retest = (kind: LabelClass) => {
      let agreeing = 0;
      let compared = 0;
      for (const rater of planted.raters.filter((r) => r.behaviour === kind)) {
        const r = tracker.user(rater.id)!.items.retest;
        agreeing += r.agreeing;
        compared += r.compared;
      }
      return agreeing / compared;
    };
    expect(retest('genuine')).toBeGreaterThan(0.8);
    expect(Math.abs(retest('non-attitude') - 0.5)).toBeLessThan(0.08);
  });
});
