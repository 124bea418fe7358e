import { mulberry32 } from '@chorus/random';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { skewedUserPicker } from './skewed-users';

/** Events per user index for `events` draws. */
function counts(users: number, events: number, seed: number): number[] {
  const pick = skewedUserPicker(users, mulberry32(seed));
  const perUser = new Array<number>(users).fill(0);
  for (let i = 0; i < events; i++) perUser[pick()]!++;
  return perUser;
}

describe('skewedUserPicker', () => {
  it('the busiest 20 % of users produce 80 % of the events (±2 points), at any size and seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 5_000 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (users, seed) => {
        const events = 40_000;
        const sorted = counts(users, events, seed).sort((a, b) => b - a);
        const top = sorted.slice(0, Math.round(users * 0.2)).reduce((s, n) => s + n, 0);
        expect(top / events).toBeGreaterThan(0.78);
        expect(top / events).toBeLessThan(0.82 + 0.5 / Math.sqrt(users)); // the busiest cold users can join the top fifth
      }),
      { numRuns: 30 },
    );
  });

  it('the hot set is the first fifth of the indices; every index drawn is in range', () => {
    const perUser = counts(1_000, 100_000, 3);
    const hot = perUser.slice(0, 200).reduce((s, n) => s + n, 0);
    expect(hot / 100_000).toBeCloseTo(0.8, 1);
    expect(perUser.reduce((s, n) => s + n, 0)).toBe(100_000);
    expect(Math.min(...perUser.slice(0, 200))).toBeGreaterThan(0);
  });

  it('the same seed gives the same stream', () => {
    expect(counts(300, 5_000, 9)).toEqual(counts(300, 5_000, 9));
    expect(counts(300, 5_000, 9)).not.toEqual(counts(300, 5_000, 10));
  });

  it('refuses fewer than two users (no hot/cold split exists)', () => {
    expect(() => skewedUserPicker(1, Math.random)).toThrow(/users must be an integer ≥ 2, got 1/);
    expect(() => skewedUserPicker(2.5, Math.random)).toThrow(RangeError);
  });
});
