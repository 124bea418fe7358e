import { describe, expect, it } from 'vitest';
import { mulberry32 } from './mulberry32.prng';
import { gaussian, gumbel, sampleWithoutReplacement } from './random-variates';

describe('random variates', () => {
  it('gaussian has mean 0 and variance 1; gumbel has mean γ (Euler–Mascheroni) and variance π²/6', () => {
    const r = mulberry32(11);
    const n = 20_000;
    const normals = Array.from({ length: n }, () => gaussian(r));
    const gumbels = Array.from({ length: n }, () => gumbel(r));
    const moments = (xs: number[]) => {
      const m = xs.reduce((a, x) => a + x, 0) / xs.length;
      return [m, xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)] as const;
    };
    const [normalMean, normalVariance] = moments(normals);
    const [gumbelMean, gumbelVariance] = moments(gumbels);
    expect(Math.abs(normalMean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(normalVariance - 1)).toBeLessThan(0.05);
    expect(Math.abs(gumbelMean - 0.5772156649)).toBeLessThan(4 * Math.sqrt(Math.PI ** 2 / 6 / n));
    expect(Math.abs(gumbelVariance - Math.PI ** 2 / 6)).toBeLessThan(0.1);
  });

  it('sampleWithoutReplacement draws k distinct elements of the input', () => {
    const r = mulberry32(9);
    const items = Array.from({ length: 30 }, (_, i) => i);
    const sample = sampleWithoutReplacement(r, items, 12);
    expect(sample).toHaveLength(12);
    expect(new Set(sample).size).toBe(12);
    expect(sample.every((x) => items.includes(x))).toBe(true);
    expect(sampleWithoutReplacement(r, items, 99)).toHaveLength(30);
    expect(items).toEqual(Array.from({ length: 30 }, (_, i) => i)); // input untouched
  });
});
