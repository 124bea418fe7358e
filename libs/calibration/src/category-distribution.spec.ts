import { describe, expect, it } from 'vitest';
import { CalibrationInputError } from './calibration-input.error';
import { categoryDistribution, uniformCategoryDistribution } from './category-distribution';

const TOLERANCE = 12; // decimal digits for toBeCloseTo

describe('categoryDistribution', () => {
  it('is the weighted mean of the history items’ distributions (Steck eq. 1)', () => {
    const profile = categoryDistribution([
      { categories: { Drama: 1 }, weight: 4 },
      { categories: { Drama: 0.5, Documentary: 0.5 }, weight: 2 },
      { categories: { Documentary: 1 }, weight: 2 },
    ]);
    // Drama: (4·1 + 2·0.5) / 8 = 0.625; Documentary: (2·0.5 + 2·1) / 8 = 0.375
    expect(profile.Drama).toBeCloseTo(0.625, TOLERANCE);
    expect(profile.Documentary).toBeCloseTo(0.375, TOLERANCE);
  });

  it('weights default to 1 and a 70/30 history gives a 70/30 profile', () => {
    const history = [
      ...Array.from({ length: 7 }, () => ({ categories: { Drama: 1 } })),
      ...Array.from({ length: 3 }, () => ({ categories: { Documentary: 1 } })),
    ];
    const profile = categoryDistribution(history);
    expect(profile.Drama).toBeCloseTo(0.7, TOLERANCE);
    expect(profile.Documentary).toBeCloseTo(0.3, TOLERANCE);
  });

  it('a single item gives that item’s distribution; zero-weight items are ignored', () => {
    expect(categoryDistribution([{ categories: { A: 0.25, B: 0.75 } }])).toEqual({ A: 0.25, B: 0.75 });
    expect(categoryDistribution([{ categories: { A: 1 }, weight: 2 }, { categories: { B: 1 }, weight: 0 }])).toEqual({ A: 1 });
  });

  it('rejects an empty history, negative or NaN weights, all-zero weights and non-distributions', () => {
    expect(() => categoryDistribution([])).toThrow(/non-empty history/);
    expect(() => categoryDistribution([{ categories: { A: 1 }, weight: -1 }])).toThrow(/history\[0\]\.weight must be a finite number ≥ 0/);
    expect(() => categoryDistribution([{ categories: { A: 1 }, weight: NaN }])).toThrow(/got NaN/);
    expect(() => categoryDistribution([{ categories: { A: 1 }, weight: 0 }])).toThrow(/weights sum to 0/);
    expect(() => categoryDistribution([{ categories: { A: 1 } }, { categories: { A: 0.6 } }])).toThrow(
      /history\[1\]\.categories must sum to 1 .* sums to 0\.6/,
    );
    expect(() => categoryDistribution([{ categories: { A: 1 } }, { categories: { A: 0.6 } }])).toThrow(CalibrationInputError);
  });
});

describe('uniformCategoryDistribution', () => {
  it('spreads 1 over the distinct categories', () => {
    expect(uniformCategoryDistribution(['Drama', 'War'])).toEqual({ Drama: 0.5, War: 0.5 });
    expect(uniformCategoryDistribution(['Drama', 'Drama'])).toEqual({ Drama: 1 });
  });

  it('rejects an empty category list, saying what to do instead', () => {
    expect(() => uniformCategoryDistribution([])).toThrow(/at least one category.*"\(no genres listed\)"/);
  });
});
