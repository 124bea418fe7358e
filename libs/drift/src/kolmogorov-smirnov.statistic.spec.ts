import { describe, expect, it } from 'vitest';
import { KS_2SAMP_CASES } from '../fixtures/scipy-ks-2samp.fixture';
import { ksTwoSampleEqualSizes } from './kolmogorov-smirnov.statistic';

// Oracle: scipy.stats.ks_2samp(a, b, method='auto') (SciPy 1.17.1, fixtures/generate-oracle-fixtures.py), on samples of
// sizes 1, 5, 30, 50 and 100 with heavy ties (small integer ranges) and without (Gaussian floats). Exact comparison.

describe('ksTwoSampleEqualSizes (SciPy ks_2samp, exact two-sided branch)', () => {
  it.each(KS_2SAMP_CASES.map((c, i) => [i, c.a.length, c] as const))(
    'case %i (n = %i) matches SciPy bit for bit',
    (_i, _n, c) => {
      const result = ksTwoSampleEqualSizes(c.a, c.b);
      expect(result.statistic).toBe(c.statistic);
      expect(result.pValue).toBe(c.pValue);
    },
  );

  it('is symmetric in its arguments and does not mutate them', () => {
    const a = [3, 1, 2, 2, 5];
    const b = [9, 8, 7, 1, 0];
    const ab = ksTwoSampleEqualSizes(a, b);
    expect(ksTwoSampleEqualSizes(b, a)).toEqual(ab);
    expect(a).toEqual([3, 1, 2, 2, 5]);
  });

  it('rejects empty, unequal or too-large samples', () => {
    expect(() => ksTwoSampleEqualSizes([], [])).toThrow(/non-empty and of equal size/);
    expect(() => ksTwoSampleEqualSizes([1], [1, 2])).toThrow(/got 1 and 2/);
    const big = new Array<number>(10001).fill(0);
    expect(() => ksTwoSampleEqualSizes(big, big)).toThrow(/asymptotic/);
  });
});
