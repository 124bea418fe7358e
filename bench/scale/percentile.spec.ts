import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latencySummary, median, percentile } from './percentile';

/** Oracle from the definition: the smallest observed value with at least p % of the sample at or below it. */
function oracle(sample: number[], p: number): number {
  const candidates = [...new Set(sample)].sort((a, b) => a - b);
  return candidates.find((v) => sample.filter((x) => x <= v).length * 100 >= p * sample.length)!;
}

describe('percentile (nearest rank)', () => {
  it('agrees with the definition for any sample and any p in (0, 100]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1_000, max: 1_000 }), { minLength: 1, maxLength: 300 }),
        fc.oneof(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0.001, max: 100, noNaN: true })),
        (sample, p) => {
          const sorted = [...sample].sort((a, b) => a - b);
          expect(percentile(sorted, p)).toBe(oracle(sample, p));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('known values: p50 and p99 of 1..100, p7 of 1..100 (where (p / 100)·n rounds wrong)', () => {
    const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 7)).toBe(7);
    expect(percentile(oneToHundred, 100)).toBe(100);
  });

  it('latencySummary sorts a copy and counts the sample', () => {
    const sample = [5, 1, 4, 2, 3];
    expect(latencySummary(sample)).toEqual({ p50: 3, p99: 5, n: 5 });
    expect(sample).toEqual([5, 1, 4, 2, 3]);
  });

  it('refuses an empty sample and p outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(/empty/);
    expect(() => percentile([1], 0)).toThrow(/p must be in \(0, 100\], got 0/);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('has as many values at or below it as at or above it, whatever the order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 41 }), (xs) => {
        const m = median(xs);
        expect(xs.filter((x) => x <= m).length).toBeGreaterThanOrEqual(xs.length / 2);
        expect(xs.filter((x) => x >= m).length).toBeGreaterThanOrEqual(xs.length / 2);
      }),
    );
  });
});
