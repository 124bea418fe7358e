import { describe, expect, it } from 'vitest';
import { MinHashFamily, MinHashSketch, exactJaccard } from './minhash.sketch';

/** Two sets with |A ∪ B| = union and |A ∩ B| = round(J · union): A = [0, a), B = [union − b, union). */
function setsWithJaccard(jaccard: number, union: number, prefix: string): [string[], string[]] {
  const intersection = Math.round(jaccard * union);
  const onlyA = Math.floor((union - intersection) / 2);
  const a = Array.from({ length: onlyA + intersection }, (_, i) => `${prefix}${i}`);
  const b = Array.from({ length: union - onlyA }, (_, i) => `${prefix}${onlyA + i}`);
  return [a, b];
}

function estimate(a: string[], b: string[], family: MinHashFamily): number {
  const sa = new MinHashSketch(family);
  const sb = new MinHashSketch(family);
  a.forEach((x) => sa.add(x));
  b.forEach((x) => sb.add(x));
  return sa.estimateJaccard(sb) as number;
}

describe('exactJaccard', () => {
  it('is |A ∩ B| / |A ∪ B|, ignores duplicates, undefined for two empty sets', () => {
    expect(exactJaccard(['a', 'b', 'c'], ['b', 'c', 'd'])).toBe(0.5);
    expect(exactJaccard(['a', 'a'], ['a'])).toBe(1);
    expect(exactJaccard(['a'], [])).toBe(0);
    expect(exactJaccard([], [])).toBeUndefined();
    const [a, b] = setsWithJaccard(0.3, 1000, 'x');
    expect(exactJaccard(a, b)).toBe(0.3);
  });
});

describe('MinHashSketch', () => {
  it('estimates J within the standard error bound 1/√k on test sets (k = 256)', () => {
    const family = new MinHashFamily({ k: 256, seed: 2018 });
    for (const j of [0, 0.1, 0.3, 0.5, 0.8, 1]) {
      const [a, b] = setsWithJaccard(j, 1000, `j${j}-`);
      expect(Math.abs(estimate(a, b, family) - j)).toBeLessThanOrEqual(1 / Math.sqrt(256));
    }
    const [same] = setsWithJaccard(0.5, 500, 's');
    expect(estimate(same, [...same].reverse(), family)).toBe(1); // order does not matter
  });

  it('has the binomial error sqrt(J(1−J)/k) across seeds and no visible bias (J = 0.3, k = 64, 60 seeds)', () => {
    const [a, b] = setsWithJaccard(0.3, 600, 'e');
    const k = 64;
    const errors = Array.from({ length: 60 }, (_, seed) => estimate(a, b, new MinHashFamily({ k, seed })) - 0.3);
    const rms = Math.sqrt(errors.reduce((acc, e) => acc + e * e, 0) / errors.length);
    const bias = errors.reduce((acc, e) => acc + e, 0) / errors.length;
    const theory = Math.sqrt((0.3 * 0.7) / k); // 0.0573
    // RMS of 60 draws is within ±30 % of σ with overwhelming probability if the slots are independent.
    expect(rms / theory).toBeGreaterThan(0.7);
    expect(rms / theory).toBeLessThan(1.3);
    expect(Math.abs(bias)).toBeLessThan((3 * theory) / Math.sqrt(60));
  });

  it('converges as k grows (mean |error| over 20 seeds: k = 512 well below k = 16)', () => {
    const [a, b] = setsWithJaccard(0.4, 400, 'c');
    const meanError = (k: number): number =>
      Array.from({ length: 20 }, (_, seed) => Math.abs(estimate(a, b, new MinHashFamily({ k, seed: 100 + seed })) - 0.4))
        .reduce((x, y) => x + y, 0) / 20;
    expect(meanError(512)).toBeLessThan(meanError(16) / 2.5); // theory: ratio √(512/16) ≈ 5.7
  });

  it('is undefined for two empty sets and 0 against an empty set', () => {
    const family = new MinHashFamily({ k: 16, seed: 1 });
    const empty = new MinHashSketch(family);
    const other = new MinHashSketch(family);
    expect(empty.estimateJaccard(other)).toBeUndefined();
    other.add('x');
    expect(empty.estimateJaccard(other)).toBe(0);
  });

  it('refuses to compare sketches from different families, and bad options', () => {
    const a = new MinHashSketch(new MinHashFamily({ k: 16, seed: 1 }));
    const b = new MinHashSketch(new MinHashFamily({ k: 16, seed: 2 }));
    expect(() => a.estimateJaccard(b)).toThrow(/different families/);
    expect(() => new MinHashFamily({ k: 0, seed: 1 })).toThrow(RangeError);
    expect(() => new MinHashFamily({ k: 8, seed: Number.NaN })).toThrow(RangeError);
    expect(() => a.add(7 as unknown as string)).toThrow(/strings/);
  });

  it('is deterministic for a seed and survives a JSON round trip', () => {
    const family = new MinHashFamily({ k: 32, seed: 9 });
    const a = new MinHashSketch(family);
    ['p', 'q', 'r'].forEach((x) => a.add(x));
    const again = new MinHashSketch(new MinHashFamily({ k: 32, seed: 9 }));
    ['r', 'q', 'p'].forEach((x) => again.add(x));
    expect(Array.from(again.values())).toEqual(Array.from(a.values()));
    const restored = MinHashSketch.fromJSON(JSON.parse(JSON.stringify(a)), family);
    expect(restored.estimateJaccard(a)).toBe(1);
    expect(() => MinHashSketch.fromJSON(a.toJSON(), new MinHashFamily({ k: 32, seed: 10 }))).toThrow(/built with/);
    expect(() => MinHashSketch.fromJSON({ ...a.toJSON(), signature: [1, 2] })).toThrow(/signature/);
    expect(() => MinHashSketch.fromJSON({ ...a.toJSON(), itemCount: 0 })).toThrow(/inconsistent/);
  });
});
