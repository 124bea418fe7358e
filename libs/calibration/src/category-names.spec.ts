import { describe, expect, it } from 'vitest';
import { calibratedRerank, type RerankCandidate } from './calibrated-rerank';
import { calibrationKl } from './calibration-kl';
import { categoryDistribution, normalisedCategoryDistribution, uniformCategoryDistribution } from './category-distribution';

// Category names come from the catalogue, which clients write: a name that is also a property of Object.prototype
// ("constructor", "toString", "valueOf", "hasOwnProperty") is a category like any other. Each case runs the same input
// twice, with ordinary names and with such names, and expects the same numbers.
const RENAME: Readonly<Record<string, string>> = { Drama: 'constructor', Documentary: 'toString', War: 'valueOf', Comedy: 'hasOwnProperty' };
const renamed = (distribution: Readonly<Record<string, number>>): Record<string, number> =>
  Object.fromEntries(Object.entries(distribution).map(([name, weight]) => [RENAME[name] ?? name, weight]));

describe('category names that are Object.prototype properties', () => {
  it('categoryDistribution sums them like any other name', () => {
    const history: { categories: Record<string, number>; weight: number }[] = [{ categories: { Drama: 1 }, weight: 7 }, { categories: { Documentary: 0.5, War: 0.5 }, weight: 3 }];
    expect(categoryDistribution(history.map((entry) => ({ ...entry, categories: renamed(entry.categories) })))).toEqual({ constructor: 0.7, toString: 0.15, valueOf: 0.15 });
    const twoTastes: Record<string, number>[] = [{ Comedy: 1 }, { Drama: 1 }];
    expect(categoryDistribution(twoTastes.map((categories) => ({ categories: renamed(categories) })))).toEqual({ hasOwnProperty: 0.5, constructor: 0.5 });
  });

  it('normalised and uniform distributions keep them as own entries', () => {
    expect({ ...normalisedCategoryDistribution({ constructor: 0.25, toString: 0.75 }, 'p') }).toEqual({ constructor: 0.25, toString: 0.75 });
    expect({ ...uniformCategoryDistribution(['valueOf', 'constructor']) }).toEqual({ valueOf: 0.5, constructor: 0.5 });
  });

  it('calibrationKl treats a profile category missing from the list as mass 0', () => {
    const plain = calibrationKl({ Drama: 0.7, Documentary: 0.3 }, { Drama: 3 });
    expect(calibrationKl({ constructor: 0.7, toString: 0.3 }, { constructor: 3 })).toBe(plain);
    expect(Number.isFinite(plain)).toBe(true);
  });

  it('calibratedRerank gives the same lists, KLs and minority shares', () => {
    const candidates: RerankCandidate[] = [
      { id: 'd1', score: 0.9, categories: { Drama: 1 } },
      { id: 'd2', score: 0.8, categories: { Drama: 1 } },
      { id: 'd3', score: 0.7, categories: { Drama: 0.5, War: 0.5 } },
      { id: 'doc1', score: 0.5, categories: { Documentary: 1 } },
      { id: 'c1', score: 0.4, categories: { Comedy: 1 } },
    ];
    const profile = { Drama: 0.6, Documentary: 0.15, War: 0.1, Comedy: 0.15 };
    const input = { n: 3, lambda: 0.5, prior: { weight: 0.2, distribution: { Drama: 0.25, Documentary: 0.25, War: 0.25, Comedy: 0.25 } } };
    const plain = calibratedRerank({ ...input, candidates, profile });
    const odd = calibratedRerank({
      ...input,
      candidates: candidates.map((c) => ({ ...c, categories: renamed(c.categories) })),
      profile: renamed(profile),
      prior: { weight: 0.2, distribution: renamed(input.prior.distribution) },
    });
    expect(odd.items).toEqual(plain.items);
    // Equal up to summation order (categories are indexed by name, so the order of the sums differs): 12 digits.
    expect(odd.klBefore).toBeCloseTo(plain.klBefore, 12);
    expect(odd.klAfter).toBeCloseTo(plain.klAfter, 12);
    expect(odd.minorityShare.listShare).toBeCloseTo(plain.minorityShare.listShare, 12);
    expect(odd.minorityShare.listShareBefore).toBeCloseTo(plain.minorityShare.listShareBefore, 12);
    expect(odd.minorityShare.profileShare).toBeCloseTo(plain.minorityShare.profileShare, 12);
    expect(Number.isFinite(odd.minorityShare.listShare)).toBe(true);
  });
});
