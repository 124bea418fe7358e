import { uuid } from '@chorus/contracts';
import { describe, expect, it } from 'vitest';
import { gaussian, gumbel, mulberry32, sampleWithoutReplacement, seededUuid, stableHash } from './mulberry32.prng';

describe('mulberry32', () => {
  it('yields the reference sequence (pinned from a standalone copy of the published algorithm)', () => {
    const a = mulberry32(42);
    expect([a(), a(), a()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const b = mulberry32(0);
    expect([b(), b()]).toEqual([0.26642920868471265, 0.0003297457005828619]);
  });

  it('is deterministic per seed, and different seeds give different streams', () => {
    const take = (seed: number) => {
      const r = mulberry32(seed);
      return Array.from({ length: 5 }, () => r());
    };
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
  });

  it('returns uniforms in [0, 1) with mean ½ and variance 1/12 (n = 20 000, tolerance 4 standard errors)', () => {
    const r = mulberry32(3);
    const xs = Array.from({ length: 20_000 }, () => r());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
    const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / xs.length));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003);
  });
});

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

  it('seededUuid makes RFC 9562 version-4 UUIDs that the contracts accept, reproducibly', () => {
    const r = mulberry32(5);
    const ids = Array.from({ length: 500 }, () => seededUuid(r));
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(uuid.safeParse(id).success).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(seededUuid(mulberry32(5))).toBe(ids[0]);
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

  it('stableHash is FNV-1a 32 (reference vectors from the FNV test suite)', () => {
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('a')).toBe(0xe40c292c);
    expect(stableHash('foobar')).toBe(0xbf9cf968);
  });
});
