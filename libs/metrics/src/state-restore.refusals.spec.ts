import { describe, expect, it } from 'vitest';
import { ExponentialCategoryMix } from './exponential-category-mix.metric';
import { ExponentialMean } from './exponential-mean.estimator';
import { ExposureGini } from './exposure-gini.metric';
import { MinHashFamily, MinHashSketch } from './minhash.sketch';
import { RunningMoments } from './running-moments.estimator';

// Persisted states come back from Postgres JSONB as `unknown`: each corruption is refused with a literal message
// naming what is wrong. The mutation run showed these refusals untested (any of them could be dropped unnoticed).
const EMPTY = 4294967295; // an empty MinHash slot

describe('metric state restore refuses corrupt rows', () => {
  it('ExposureGini: counts entries must be [itemId, integer ≥ 1], each item once; restored counts are re-sorted', () => {
    const state = new ExposureGini({ catalogueSize: 2 }).toJSON();
    const restore = (counts: unknown) => () => ExposureGini.fromJSON({ ...state, counts });
    const message = 'cannot restore exposure-gini state: counts[0] must be [itemId, integer count ≥ 1]';
    for (const entry of [['a', 0], ['a', 1.5], ['a', '1'], [1, 1], ['a'], ['a', 1, 2], 'a1']) {
      expect(restore([entry])).toThrow(message);
    }
    expect(restore([['a', 1], ['a', 2]])).toThrow('cannot restore exposure-gini state: item "a" appears twice');
    // Ascending order in the row: Gini of [1, 3] over a catalogue of 2 is (−1·1 + 1·3) / (2 · 4) = 0.25.
    const gini = ExposureGini.fromJSON({ ...state, counts: [['a', 1], ['b', 3]] });
    expect(gini.value).toBeCloseTo(0.25, 12);
    gini.record('a', 2); // [3, 3]: equal exposure
    expect(gini.value).toBeCloseTo(0, 12);
    gini.record('a'); // [3, 4]: (−3 + 4) / (2 · 7)
    expect(gini.value).toBeCloseTo(1 / 14, 12);
  });

  it('RunningMoments: n a non-negative integer, M2 and M4 non-negative', () => {
    const state = new RunningMoments().toJSON();
    const prefix = 'cannot restore running-moments state: n must be a non-negative integer and M2, M4 non-negative';
    expect(() => RunningMoments.fromJSON({ ...state, n: 1.5 })).toThrow(`${prefix} (got n 1.5, M2 0, M4 0)`);
    expect(() => RunningMoments.fromJSON({ ...state, n: -1 })).toThrow(`${prefix} (got n -1, M2 0, M4 0)`);
    expect(() => RunningMoments.fromJSON({ ...state, m2: -0.5 })).toThrow(`${prefix} (got n 0, M2 -0.5, M4 0)`);
    expect(() => RunningMoments.fromJSON({ ...state, m4: -2 })).toThrow(`${prefix} (got n 0, M2 0, M4 -2)`);
    const restored = RunningMoments.fromJSON({ ...state, n: 2, mean: 1, m2: 2, m3: 0, m4: 2 }); // the values 0 and 2
    expect(restored.n).toBe(2);
    expect(restored.mean).toBe(1);
    expect(restored.sums).toEqual({ m2: 2, m3: 0, m4: 2 });
  });

  it('MinHashSketch: the item count agrees with the signature, which holds k unsigned 32-bit integers', () => {
    const family = new MinHashFamily({ k: 2, seed: 1 });
    const state = new MinHashSketch(family).toJSON();
    const restore = (fields: object) => () => MinHashSketch.fromJSON({ ...state, ...fields });
    expect(restore({ itemCount: 1 })).toThrow('cannot restore minhash-sketch state: itemCount 1 is inconsistent with the signature');
    expect(restore({ itemCount: -1 })).toThrow('cannot restore minhash-sketch state: itemCount -1 is inconsistent with the signature');
    expect(restore({ itemCount: 0.5 })).toThrow('cannot restore minhash-sketch state: itemCount 0.5 is inconsistent with the signature');
    expect(restore({ itemCount: 0, signature: [5, 7] })).toThrow('cannot restore minhash-sketch state: itemCount 0 is inconsistent with the signature');
    const slots = 'cannot restore minhash-sketch state: field "signature" must hold 2 unsigned 32-bit integers';
    for (const signature of [[5], [5, 7, 9], [5, -1], [5, 1.5], [5, EMPTY + 1]]) {
      expect(restore({ itemCount: 1, signature })).toThrow(slots);
    }
    const sketch = MinHashSketch.fromJSON({ ...state, itemCount: 3, signature: [0, EMPTY] });
    expect(Array.from(sketch.values())).toEqual([0, EMPTY]);
    expect(sketch.isEmpty).toBe(false);
  });

  it('ExponentialMean: weight and count agree (both zero or both positive), count a non-negative integer', () => {
    const state = new ExponentialMean({ decay: 0.5 }).toJSON();
    const restore = (fields: object) => () => ExponentialMean.fromJSON({ ...state, ...fields });
    const message = (weight: number, count: number) =>
      `cannot restore exponential-mean state: weight ${weight} and count ${count} are inconsistent`;
    expect(restore({ weight: -1, count: 1 })).toThrow(message(-1, 1));
    expect(restore({ weight: 1, count: 1.5 })).toThrow(message(1, 1.5));
    expect(restore({ weight: 1, count: -1 })).toThrow(message(1, -1));
    expect(restore({ weight: 1, count: 0 })).toThrow(message(1, 0));
    expect(restore({ weight: 0, count: 2 })).toThrow(message(0, 2));
    expect(ExponentialMean.fromJSON({ ...state, weight: 2, count: 3, weightedSum: 3 }).value).toBe(1.5);
  });

  it('ExponentialCategoryMix: the normalizer is named, the mass is non-negative and agrees with the event count', () => {
    const mix = new ExponentialCategoryMix({ categoryCount: 2, decay: { decay: 0.5 }, normalizer: 'seen' });
    const state = mix.toJSON();
    const restore = (fields: object) => () => ExponentialCategoryMix.fromJSON({ ...state, ...fields });
    const prefix = 'cannot restore exponential-category-mix state: ';
    expect(restore({ normalizer: 'all' })).toThrow(`${prefix}field "normalizer" must be 'total' or 'seen'`);
    expect(restore({ mass: [1, -1], eventCount: 1 })).toThrow(`${prefix}field "mass" must hold 2 non-negative numbers`);
    expect(restore({ mass: [1], eventCount: 1 })).toThrow(`${prefix}field "mass" must hold 2 non-negative numbers`);
    expect(restore({ mass: [1, 0], eventCount: 0 })).toThrow(`${prefix}eventCount 0 is inconsistent with the stored mass`);
    expect(restore({ mass: [0, 0], eventCount: 2 })).toThrow(`${prefix}eventCount 2 is inconsistent with the stored mass`);
    expect(restore({ mass: [1, 0], eventCount: 1.5 })).toThrow(`${prefix}eventCount 1.5 is inconsistent with the stored mass`);
    expect(restore({ mass: [1, 0], eventCount: -1 })).toThrow(`${prefix}eventCount -1 is inconsistent with the stored mass`);
    const restored = ExponentialCategoryMix.fromJSON({ ...state, mass: [3, 1], eventCount: 4 });
    expect(restored.eventCount).toBe(4);
    expect(Array.from(restored.distribution()!)).toEqual([0.75, 0.25]);
    const total = ExponentialCategoryMix.fromJSON({ ...state, normalizer: 'total', mass: [3, 1], eventCount: 4 });
    expect(total.toJSON().normalizer).toBe('total');
  });
});
