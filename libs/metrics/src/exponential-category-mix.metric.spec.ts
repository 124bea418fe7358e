import { describe, expect, it } from 'vitest';
import { ExponentialCategoryMix, type EntropyNormalizer } from './exponential-category-mix.metric';
import { mulberry32 } from '@chorus/random';

const G = 6;

/** Random sparse item mix: 1–3 categories with random weights (not normalised, to exercise per-event normalisation). */
function randomItemMix(random: () => number): number[] {
  const w = new Array<number>(G).fill(0);
  const k = 1 + Math.floor(random() * 3);
  for (let i = 0; i < k; i++) w[Math.floor(random() * G)] += 0.1 + random();
  return w;
}

// Batch oracle: p_g ∝ Σ_t λ^{T−t} w_{t,g}/Σ_h w_{t,h}; H(p)/ln G_total or ln G_seen.
function batchNormalizedEntropy(history: number[][], lambda: number, normalizer: EntropyNormalizer): number {
  const T = history.length - 1;
  const m = new Array<number>(G).fill(0);
  history.forEach((w, t) => {
    const sum = w.reduce((a, b) => a + b, 0);
    w.forEach((wg, g) => (m[g] += (Math.pow(lambda, T - t) * wg) / sum));
  });
  const total = m.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const mg of m) if (mg > 0) h -= (mg / total) * Math.log(mg / total);
  const groups = normalizer === 'total' ? G : m.filter((mg) => mg > 0).length;
  return groups <= 1 ? 0 : h / Math.log(groups);
}

describe('ExponentialCategoryMix', () => {
  for (const normalizer of ['total', 'seen'] as const) {
    it(`equals the batch entropy over the weighted history (normalizer ${normalizer}, tolerance 1e-12)`, () => {
      const random = mulberry32(normalizer === 'total' ? 1 : 2);
      const mix = new ExponentialCategoryMix({ categoryCount: G, decay: { halfLife: 25 }, normalizer });
      const history: number[][] = [];
      for (let t = 0; t < 600; t++) {
        if (random() < 0.3) {
          const g = Math.floor(random() * 4); // categories 4, 5 stay unseen for a while under 'seen'
          mix.observeCategory(g);
          history.push(Array.from({ length: G }, (_, h) => (h === g ? 1 : 0)));
        } else {
          const w = t < 300 ? randomItemMix(random).map((v, g) => (g >= 4 ? 0 : v) + (g === 0 ? 0.01 : 0)) : randomItemMix(random);
          mix.observe(w);
          history.push(w);
        }
        if (t % 41 === 0) {
          const expected = batchNormalizedEntropy(history, mix.decay, normalizer);
          expect(Math.abs((mix.normalizedEntropy() as number) - expected)).toBeLessThan(1e-12);
        }
      }
    });
  }

  it('distribution sums to 1 and is the batch weighted mix (tolerance 1e-12)', () => {
    const random = mulberry32(3);
    const mix = new ExponentialCategoryMix({ categoryCount: G, decay: { decay: 0.9 } });
    const m = new Array<number>(G).fill(0);
    for (let t = 0; t < 200; t++) {
      const w = randomItemMix(random);
      mix.observe(w);
      const sum = w.reduce((a, b) => a + b, 0);
      for (let g = 0; g < G; g++) m[g] = 0.9 * (m[g] as number) + (w[g] as number) / sum;
    }
    const total = m.reduce((a, b) => a + b, 0);
    const p = mix.distribution() as Float64Array;
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    p.forEach((pg, g) => expect(Math.abs(pg - (m[g] as number) / total)).toBeLessThan(1e-12));
  });

  it('n = 0: undefined; n = 1 in one category: 0; constant input: 0; round robin: 1', () => {
    const mix = new ExponentialCategoryMix({ categoryCount: 4, decay: { halfLife: 10 } });
    expect(mix.normalizedEntropy()).toBeUndefined();
    expect(mix.distribution()).toBeUndefined();
    mix.observeCategory(2);
    expect(mix.normalizedEntropy()).toBe(0);
    for (let t = 0; t < 100; t++) mix.observeCategory(2);
    expect(mix.normalizedEntropy()).toBe(0);

    const even = new ExponentialCategoryMix({ categoryCount: 4, decay: { decay: 1 } });
    for (let t = 0; t < 400; t++) even.observeCategory(t % 4);
    expect(even.normalizedEntropy()).toBeCloseTo(1, 12);
  });

  it('falls when a user narrows onto one category (the drift it exists to show)', () => {
    const random = mulberry32(4);
    const mix = new ExponentialCategoryMix({ categoryCount: 8, decay: { halfLife: 30 } });
    for (let t = 0; t < 200; t++) mix.observeCategory(Math.floor(random() * 8));
    const before = mix.normalizedEntropy() as number;
    for (let t = 0; t < 200; t++) mix.observeCategory(random() < 0.9 ? 0 : 1);
    const after = mix.normalizedEntropy() as number;
    expect(before).toBeGreaterThan(0.95);
    expect(after).toBeLessThan(0.3);
  });

  it("'total' vs 'seen': two even categories out of 8 read 1/3 vs 1", () => {
    const total = new ExponentialCategoryMix({ categoryCount: 8, decay: { decay: 1 } });
    const seen = new ExponentialCategoryMix({ categoryCount: 8, decay: { decay: 1 }, normalizer: 'seen' });
    for (let t = 0; t < 10; t++) {
      total.observeCategory(t % 2);
      seen.observeCategory(t % 2);
    }
    expect(total.normalizedEntropy()).toBeCloseTo(1 / 3, 12);
    expect(seen.normalizedEntropy()).toBeCloseTo(1, 12);
    expect(seen.seenCategoryCount()).toBe(2);
  });

  it('rejects NaN, negative, all-zero and wrong-length weights with a RangeError and leaves state untouched', () => {
    const mix = new ExponentialCategoryMix({ categoryCount: 3, decay: { halfLife: 5 } });
    mix.observe([1, 0, 0]);
    const snapshot = JSON.stringify(mix);
    expect(() => mix.observe([0.5, Number.NaN, 0.5])).toThrow(/weights\[1\] must be a finite number/);
    expect(() => mix.observe([0.5, -0.1, 0.6])).toThrow(RangeError);
    expect(() => mix.observe([0, 0, 0])).toThrow(/positive total mass/);
    expect(() => mix.observe([1, 0])).toThrow(/3 entries/);
    expect(() => mix.observeCategory(3)).toThrow(RangeError);
    expect(() => mix.observeCategory(Number.NaN)).toThrow(RangeError);
    expect(JSON.stringify(mix)).toBe(snapshot);
  });

  it('rejects bad options', () => {
    expect(() => new ExponentialCategoryMix({ categoryCount: 1, decay: { halfLife: 5 } })).toThrow(/categoryCount/);
    expect(() => new ExponentialCategoryMix({ categoryCount: 3, decay: { halfLife: -1 } })).toThrow(/halfLife/);
    expect(
      () => new ExponentialCategoryMix({ categoryCount: 3, decay: { decay: 0.5 }, normalizer: 'x' as EntropyNormalizer }),
    ).toThrow(/normalizer/);
  });

  it('survives a JSON round trip and continues identically; refuses inconsistent state', () => {
    const random = mulberry32(5);
    const a = new ExponentialCategoryMix({ categoryCount: G, decay: { halfLife: 12 }, normalizer: 'seen' });
    for (let t = 0; t < 40; t++) a.observe(randomItemMix(random));
    const b = ExponentialCategoryMix.fromJSON(JSON.parse(JSON.stringify(a)));
    for (let t = 0; t < 40; t++) {
      const w = randomItemMix(random);
      a.observe(w);
      b.observe(w);
    }
    expect(b.normalizedEntropy()).toBe(a.normalizedEntropy());
    expect(b.eventCount).toBe(80);
    const state = a.toJSON();
    expect(() => ExponentialCategoryMix.fromJSON({ ...state, mass: [1, 2] })).toThrow(/mass/);
    expect(() => ExponentialCategoryMix.fromJSON({ ...state, eventCount: 0 })).toThrow(/inconsistent/);
  });
});

describe('ExponentialCategoryMix TSDoc example', () => {
  it('reproduces the documented output', () => {
    const mix = new ExponentialCategoryMix({ categoryCount: 4, decay: { halfLife: 50 } });
    mix.observeCategory(0);
    mix.observeCategory(1);
    expect(mix.normalizedEntropy()).toBeCloseTo(0.49998, 5);
    const p = mix.distribution() as Float64Array;
    expect(p[0]).toBeCloseTo(0.4965, 4);
    expect(p[1]).toBeCloseTo(0.5035, 4);
  });

  it('counts each observed event once, whichever way it arrives', () => {
    const mix = new ExponentialCategoryMix({ categoryCount: 3, decay: { decay: 0.5 } });
    mix.observeCategory(0);
    mix.observeCategory(1);
    mix.observe([1, 1, 2]);
    expect(mix.eventCount).toBe(3);
  });
});
