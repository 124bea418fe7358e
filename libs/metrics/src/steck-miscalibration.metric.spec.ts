import { describe, expect, it } from 'vitest';
import { ExponentialCategoryMix } from './exponential-category-mix.metric';
import { mulberry32 } from '@chorus/random';
import { STECK_ALPHA, servedCategoryMix, steckMiscalibration } from './steck-miscalibration.metric';

function randomDistribution(random: () => number, g: number, zeros = 0): number[] {
  const w = Array.from({ length: g }, (_, k) => (k < zeros ? 0 : random() + 1e-3));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

// Batch oracle written out from Steck 2018 eq. 5, independently of klDivergence.
function naiveCkl(p: number[], q: number[], alpha: number): number {
  let c = 0;
  for (let g = 0; g < p.length; g++) {
    if ((p[g] as number) === 0) continue;
    c += (p[g] as number) * Math.log((p[g] as number) / ((1 - alpha) * (q[g] as number) + alpha * (p[g] as number)));
  }
  return c;
}

describe('steckMiscalibration', () => {
  it('70 % drama / 30 % documentary served only drama: 0.7 ln(0.7/0.997) + 0.3 ln(0.3/0.003) (tolerance 1e-12)', () => {
    const expected = 0.7 * Math.log(0.7 / 0.997) + 0.3 * Math.log(0.3 / 0.003);
    expect(Math.abs(steckMiscalibration([0.7, 0.3], [1, 0]) - expected)).toBeLessThan(1e-12);
    expect(steckMiscalibration([0.7, 0.3], [1, 0])).toBeCloseTo(1.134, 3);
  });

  it('is 0 for a list that mirrors the profile and ln(1/α) for a list with none of the user’s categories', () => {
    expect(steckMiscalibration([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
    expect(steckMiscalibration([0.5, 0.5, 0, 0], [0, 0, 0.4, 0.6])).toBeCloseTo(Math.log(1 / STECK_ALPHA), 12);
  });

  it('matches the batch formula on seeded random profiles and lists, and lies in [0, ln(1/α)] (tolerance 1e-12)', () => {
    const random = mulberry32(21);
    for (let trial = 0; trial < 300; trial++) {
      const g = 2 + Math.floor(random() * 10);
      const p = randomDistribution(random, g, trial % 3 === 0 ? 1 : 0);
      const q = randomDistribution(random, g, trial % 4 === 0 ? Math.floor(g / 2) : 0);
      const c = steckMiscalibration(p, q);
      expect(Math.abs(c - naiveCkl(p, q, STECK_ALPHA))).toBeLessThan(1e-12);
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThanOrEqual(Math.log(1 / STECK_ALPHA) + 1e-12);
    }
  });

  it('with α = 0 is the plain KL: +Infinity when a user interest is missing from the list', () => {
    expect(steckMiscalibration([0.7, 0.3], [1, 0], 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects NaN, non-distributions, mismatched lengths and α outside [0, 1]', () => {
    expect(() => steckMiscalibration([Number.NaN, 1], [0.5, 0.5])).toThrow(RangeError);
    expect(() => steckMiscalibration([0.6, 0.6], [0.5, 0.5])).toThrow(/sum to 1/);
    expect(() => steckMiscalibration([0.5, 0.5], [1, 0, 0])).toThrow(/2 entries/);
    expect(() => steckMiscalibration([0.5, 0.5], [0.5, 0.5], 1.5)).toThrow(/alpha/);
    expect(() => steckMiscalibration([0.5, 0.5], [0.5, 0.5], Number.NaN)).toThrow(RangeError);
  });
});

describe('servedCategoryMix', () => {
  it('is the mean of the items’ mixes, each normalised to unit mass (tolerance 1e-15)', () => {
    const q = servedCategoryMix([
      [1, 0, 0],
      [0, 2, 2],
      [1, 1, 0],
    ]);
    [0.5, 0.5 / 3 + 1 / 6, 1 / 6].forEach((v, g) => expect(Math.abs((q[g] as number) - v)).toBeLessThan(1e-15));
  });

  it('weights items by rank when given rank weights', () => {
    const q = servedCategoryMix(
      [
        [1, 0],
        [0, 1],
      ],
      [3, 1],
    );
    expect(Array.from(q)).toEqual([0.75, 0.25]);
  });

  it('rejects an empty list, NaN weights, negative or all-zero rank weights, ragged mixes', () => {
    expect(() => servedCategoryMix([])).toThrow(/at least one item/);
    expect(() => servedCategoryMix([[Number.NaN, 1]])).toThrow(RangeError);
    expect(() => servedCategoryMix([[1, 0]], [-1])).toThrow(/≥ 0/);
    expect(() => servedCategoryMix([[1, 0]], [0])).toThrow(/all be zero/);
    expect(() => servedCategoryMix([[1, 0]], [Number.NaN])).toThrow(RangeError);
    expect(() => servedCategoryMix([[1, 0], [1]])).toThrow(/2 entries/);
  });

  it('composes with the consumption mix as Steck’s interest profile', () => {
    const profile = new ExponentialCategoryMix({ categoryCount: 2, decay: { decay: 1 } });
    for (let t = 0; t < 10; t++) profile.observeCategory(t < 7 ? 0 : 1); // 70 % drama, 30 % documentary
    const accuracyList = servedCategoryMix(Array.from({ length: 10 }, () => [1, 0]));
    const calibratedList = servedCategoryMix(Array.from({ length: 10 }, (_, i) => (i < 7 ? [1, 0] : [0, 1])));
    const p = profile.distribution() as Float64Array;
    expect(steckMiscalibration(p, accuracyList)).toBeGreaterThan(1);
    expect(steckMiscalibration(p, calibratedList)).toBeLessThan(1e-12);
  });
});
