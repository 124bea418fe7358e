import { describe, expect, it } from 'vitest';
import { mulberry32 } from './mulberry32.prng';
import { gaussian, gumbel, randomIndex, sampleWithoutReplacement, shuffleInPlace } from './random-variates';

/** A generator that replays the given draws in a loop, so each expectation below can be worked out by hand. */
const replay = (...draws: number[]) => {
  let next = 0;
  return () => draws[next++ % draws.length]!;
};

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

  it('shuffleInPlace permutes the array it is given, uniformly: each of the 6 orders of 3 about 1/6 of the time', () => {
    const r = mulberry32(4);
    const items = [1, 2, 3];
    expect(shuffleInPlace(r, items)).toBe(items);
    expect([...items].sort()).toEqual([1, 2, 3]);
    const counts = new Map<string, number>();
    for (let k = 0; k < 6000; k++) {
      const order = shuffleInPlace(r, [1, 2, 3]).join('');
      counts.set(order, (counts.get(order) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Binomial(6000, 1/6): sd ≈ 29; 5 sd either side.
    for (const count of counts.values()) expect(Math.abs(count - 1000)).toBeLessThan(145);
  });

  it('gumbel clamps a draw of 1 just below 1: −ln(−ln(1 − 2⁻⁵³)) = 53·ln 2, finite', () => {
    // 1 − 1e-16 rounds to the double 1 − 2⁻⁵³, whose log is −2⁻⁵³ to double precision.
    expect(gumbel(replay(1))).toBeCloseTo(53 * Math.LN2, 9);
    expect(gumbel(replay(0))).toBeCloseTo(-Math.log(300 * Math.LN10), 9);
  });

  it('randomIndex scales the draw by n: 0.5 of 10 is 5, 0.99 of 3 is 2', () => {
    expect(randomIndex(replay(0.5), 10)).toBe(5);
    expect(randomIndex(replay(0.99), 3)).toBe(2);
    expect(randomIndex(replay(0), 3)).toBe(0);
  });

  it('sampleWithoutReplacement swaps position i with i + ⌊draw·(n − i)⌋ (partial Fisher–Yates), worked by hand', () => {
    // draw 0.99 on [a,b,c,d]: i=0 swaps 0↔3 → [d,b,c,a]; i=1 swaps 1↔3 → [d,a,c,b].
    expect(sampleWithoutReplacement(replay(0.99), ['a', 'b', 'c', 'd'], 2)).toEqual(['d', 'a']);
    // draws 0.7, 0: ⌊0.7·3⌋ = 2, so i=0 swaps 0↔2 → [c,b,a]; i=1 keeps b; i=2 keeps a.
    expect(sampleWithoutReplacement(replay(0.7, 0, 0), ['a', 'b', 'c'], 3)).toEqual(['c', 'b', 'a']);
    // k elements take exactly k draws: the caller's next draw is not consumed.
    let calls = 0;
    const counted = () => (calls++, 0.5);
    sampleWithoutReplacement(counted, ['a', 'b', 'c', 'd'], 2);
    expect(calls).toBe(2);
  });
});
