import { describe, expect, it } from 'vitest';
import { deviationInPriorSd, predictiveMixDivergence } from './personal-aggregate-divergence.metric';
import { mulberry32 } from '@chorus/random';

// Batch oracle: naive softmax (no shift) then KL, fine for |scores| ≤ 5.
function naiveDivergence(personal: number[], aggregate: number[]): number {
  const soft = (s: number[]): number[] => {
    const e = s.map(Math.exp);
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / z);
  };
  const p = soft(personal);
  const q = soft(aggregate);
  return p.reduce((acc, pg, g) => acc + pg * Math.log(pg / (q[g] as number)), 0);
}

describe('deviationInPriorSd', () => {
  it('equals sqrt(Σ b²/τ²) for scalar and per-coordinate τ (tolerance 1e-14)', () => {
    const random = mulberry32(31);
    for (let trial = 0; trial < 100; trial++) {
      const b = Array.from({ length: 8 }, () => random() * 2 - 1);
      const tau = Array.from({ length: 8 }, () => 0.1 + random());
      const expected = Math.sqrt(b.reduce((acc, bk, k) => acc + (bk * bk) / ((tau[k] as number) ** 2), 0));
      expect(Math.abs(deviationInPriorSd(b, tau) - expected)).toBeLessThan(1e-14 * Math.max(1, expected));
      const scalar = Math.sqrt(b.reduce((acc, bk) => acc + (bk * bk) / 0.25, 0));
      expect(Math.abs(deviationInPriorSd(b, 0.5) - scalar)).toBeLessThan(1e-14 * Math.max(1, scalar));
    }
  });

  it('is 0 for a new user (b = 0) and for an empty vector', () => {
    expect(deviationInPriorSd([0, 0, 0], 1)).toBe(0);
    expect(deviationInPriorSd([], 1)).toBe(0);
  });

  it('reads in standard deviations: b = 2τ on one coordinate is 2', () => {
    expect(deviationInPriorSd([0, 0.6, 0], 0.3)).toBeCloseTo(2, 14);
  });

  it('rejects NaN, τ ≤ 0 and length mismatch with a RangeError', () => {
    expect(() => deviationInPriorSd([Number.NaN], 1)).toThrow(/deviation\[0\]/);
    expect(() => deviationInPriorSd([1], 0)).toThrow(/τ = 0/);
    expect(() => deviationInPriorSd([1], Number.NaN)).toThrow(RangeError);
    expect(() => deviationInPriorSd([1, 2], [1])).toThrow(/one standard deviation per coordinate/);
  });
});

describe('predictiveMixDivergence', () => {
  it('equals KL(softmax(personal) ‖ softmax(aggregate)) on seeded scores (tolerance 1e-12)', () => {
    const random = mulberry32(32);
    for (let trial = 0; trial < 200; trial++) {
      const beta = Array.from({ length: 6 }, () => random() * 4 - 2);
      const personal = beta.map((v) => v + random() * 2 - 1);
      expect(Math.abs(predictiveMixDivergence(personal, beta) - naiveDivergence(personal, beta))).toBeLessThan(1e-12);
    }
  });

  it('is 0 when the user does not deviate, and ignores a shared shift (a user bias)', () => {
    expect(predictiveMixDivergence([0.3, -1, 2], [0.3, -1, 2])).toBe(0);
    const d = predictiveMixDivergence([0.5, 0, -0.5], [0, 0, 0]);
    expect(predictiveMixDivergence([10.5, 10, 9.5], [0, 0, 0])).toBeCloseTo(d, 12);
  });

  it('stays finite for scores far apart (no underflow to 0 in the denominator)', () => {
    const d = predictiveMixDivergence([800, 0], [0, 800]);
    expect(Number.isFinite(d)).toBe(true);
    expect(d).toBeCloseTo(800, 9);
  });

  it('rejects NaN and mismatched lengths', () => {
    expect(() => predictiveMixDivergence([0, Number.NaN], [0, 0])).toThrow(/personalScores\[1\]/);
    expect(() => predictiveMixDivergence([0], [0, 0])).toThrow(/same categories/);
    expect(() => predictiveMixDivergence([], [])).toThrow(RangeError);
  });
});
