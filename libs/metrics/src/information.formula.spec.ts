import { describe, expect, it } from 'vitest';
import { klDivergence, normalizedEntropy, shannonEntropy, softmax } from './information.formula';

describe('information formulas', () => {
  it('entropy: ln G for a uniform mix, 0 for a point mass, 0·ln 0 = 0', () => {
    expect(shannonEntropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(Math.log(4), 15);
    expect(shannonEntropy([0, 1, 0])).toBe(0);
    expect(normalizedEntropy([0.25, 0.25, 0.25, 0.25], 4)).toBe(1);
    expect(normalizedEntropy([0.5, 0.5, 0, 0], 4)).toBeCloseTo(0.5, 15);
    expect(normalizedEntropy([1], 1)).toBe(0);
  });

  it('KL: 0 for equal mixes, +Infinity where q misses p, throws on length mismatch', () => {
    expect(klDivergence([0.2, 0.8], [0.2, 0.8])).toBe(0);
    expect(klDivergence([0.5, 0.5], [1, 0])).toBe(Number.POSITIVE_INFINITY);
    expect(klDivergence([1, 0], [0.5, 0.5])).toBeCloseTo(Math.log(2), 15);
    expect(() => klDivergence([1], [0.5, 0.5])).toThrow(RangeError);
  });

  it('softmax: stable for huge scores, shift-invariant, rejects NaN', () => {
    const p = softmax([1000, 1000, 999]);
    expect(Array.from(p).every(Number.isFinite)).toBe(true);
    const q = softmax([1, 1, 0]);
    p.forEach((v, g) => expect(v).toBeCloseTo(q[g] as number, 14));
    expect(() => softmax([0, Number.NaN])).toThrow(RangeError);
    expect(() => softmax([])).toThrow(RangeError);
  });

  it('softmax normalises: scores 0 and ln 3 give 1/4 and 3/4 (e⁰ : e^{ln 3} = 1 : 3)', () => {
    const p = softmax([0, Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 14);
    expect(p[1]).toBeCloseTo(0.75, 14);
    expect(Array.from(softmax([5]))).toEqual([1]);
  });
});
