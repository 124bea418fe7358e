import { describe, expect, it } from 'vitest';
import { EstebanRayPolarization } from './esteban-ray-polarization.metric';
import { mulberry32 } from '@chorus/random';
import { twoCampStances, unimodalStances } from './stance-population.fixture';

/**
 * Batch oracle: the double sum over individuals. With π_i = n_i/N, Σ_i Σ_j π_i^{1+α} π_j |y_i − y_j| over bins equals
 * Σ_k Σ_l π_{b(k)}^α (1/N)(1/N) |y_{b(k)} − y_{b(l)}| over individuals k, l — O(N²), no bin counts involved.
 */
function batchPolarization(stances: number[], alpha: number, bins: number): number | undefined {
  const n = stances.length;
  if (n === 0) return undefined;
  const bin = (s: number): number => Math.min(bins - 1, Math.floor(((s + 1) / 2) * bins));
  const centre = (b: number): number => -1 + (2 * b + 1) / bins;
  const share = new Map<number, number>();
  for (const s of stances) share.set(bin(s), (share.get(bin(s)) ?? 0) + 1 / n);
  let sum = 0;
  for (const sk of stances) {
    const weight = Math.pow(share.get(bin(sk)) as number, alpha) / (n * n);
    for (const sl of stances) sum += weight * Math.abs(centre(bin(sk)) - centre(bin(sl)));
  }
  const k = Math.pow(2, 1 + alpha) / (centre(bins - 1) - centre(0));
  return k * sum;
}

describe('EstebanRayPolarization', () => {
  it('equals the batch double sum over individuals through adds, removes and stance moves (tolerance 1e-12)', () => {
    const random = mulberry32(81);
    for (const [alpha, bins] of [
      [1.3, 10],
      [0.5, 7],
      [1.6, 21],
    ] as const) {
      const metric = new EstebanRayPolarization({ alpha, binCount: bins });
      const population: number[] = [];
      for (let step = 0; step < 400; step++) {
        const r = random();
        if (population.length > 0 && r < 0.2) {
          const at = Math.floor(random() * population.length);
          metric.remove(population[at] as number);
          population.splice(at, 1);
        } else if (population.length > 0 && r < 0.5) {
          const at = Math.floor(random() * population.length);
          const next = random() * 2 - 1;
          metric.update(population[at] as number, next);
          population[at] = next;
        } else {
          const s = random() < 0.05 ? (random() < 0.5 ? -1 : 1) : random() * 2 - 1; // include the endpoints
          metric.add(s);
          population.push(s);
        }
        if (step % 20 === 0) {
          const expected = batchPolarization(population, alpha, bins);
          expect(Math.abs((metric.value ?? -1) - (expected ?? -1))).toBeLessThan(1e-12);
        }
      }
      expect(metric.populationSize).toBe(population.length);
    }
  });

  // Two camps at ±0.7 (sd 0.1) read ≈ 0.35, one camp (sd 0.25) ≈ 0.09: each camp spreads over ~3 bins, which lowers
  // identification — P = 1 needs everyone in the two outermost bins.
  it('two camps: high polarization; one camp: low (α = 1.3, 10 bins)', () => {
    const camps = new EstebanRayPolarization();
    const single = new EstebanRayPolarization();
    twoCampStances(400, 1).forEach((s) => camps.add(s));
    unimodalStances(400, 2).forEach((s) => single.add(s));
    expect(camps.value as number).toBeGreaterThan(0.3);
    expect(single.value as number).toBeLessThan(0.15);
    expect(camps.value as number).toBeGreaterThan(3 * (single.value as number));
  });

  it('is 1 for a half/half split between the outermost bins, and never above 1 for α ∈ (0, 1.6]', () => {
    const random = mulberry32(82);
    for (const alpha of [0.1, 0.8, 1.3, 1.6]) {
      const split = new EstebanRayPolarization({ alpha, binCount: 10 });
      for (let i = 0; i < 50; i++) {
        split.add(-1);
        split.add(1);
      }
      expect(split.value).toBeCloseTo(1, 12);
      for (let trial = 0; trial < 200; trial++) {
        const metric = new EstebanRayPolarization({ alpha, binCount: 10 });
        const concentration = 1 + random() * 6; // skewed draws reach near-extreme splits too
        for (let i = 0; i < 40; i++) {
          const side = random() < 0.5 ? -1 : 1;
          metric.add(side * (1 - Math.pow(random(), concentration)));
        }
        expect(metric.value as number).toBeLessThanOrEqual(1 + 1e-12);
      }
    }
  });

  it('n = 0: undefined; n = 1: 0; constant input: 0', () => {
    const metric = new EstebanRayPolarization();
    expect(metric.value).toBeUndefined();
    metric.add(0.42);
    expect(metric.value).toBe(0);
    for (let i = 0; i < 99; i++) metric.add(0.42);
    expect(metric.value).toBe(0);
    for (let i = 0; i < 100; i++) metric.remove(0.42);
    expect(metric.value).toBeUndefined();
  });

  it('rejects NaN and out-of-range stances, α outside (0, 1.6], < 2 bins, unknown removals — state unchanged', () => {
    const metric = new EstebanRayPolarization();
    metric.add(0.5);
    expect(() => metric.add(Number.NaN)).toThrow(/stance must be a finite number/);
    expect(() => metric.add(1.01)).toThrow(RangeError);
    expect(() => metric.remove(-0.5)).toThrow(/to remove/);
    expect(() => metric.update(0.5, Number.NaN)).toThrow(RangeError);
    expect(() => metric.update(-0.9, 0.1)).toThrow(/to remove/);
    expect(Array.from(metric.binCounts())).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    for (const alpha of [0, -1, 1.7, Number.NaN]) {
      expect(() => new EstebanRayPolarization({ alpha })).toThrow(/\(0, 1.6\]/);
    }
    expect(() => new EstebanRayPolarization({ binCount: 1 })).toThrow(/binCount/);
  });

  it('a population splitting into camps raises P step by step as users move (update old → new)', () => {
    const start = unimodalStances(200, 3, 0, 0.2);
    const end = twoCampStances(200, 4);
    const metric = new EstebanRayPolarization();
    start.forEach((s) => metric.add(s));
    const before = metric.value as number;
    start.forEach((s, i) => metric.update(s, end[i] as number));
    expect(metric.value as number).toBeGreaterThan(before + 0.2);
  });

  it('survives a JSON round trip; refuses corrupt bin counts', () => {
    const metric = new EstebanRayPolarization({ alpha: 1, binCount: 5 });
    twoCampStances(50, 5).forEach((s) => metric.add(s));
    const restored = EstebanRayPolarization.fromJSON(JSON.parse(JSON.stringify(metric)));
    expect(restored.value).toBe(metric.value);
    expect(restored.alpha).toBe(1);
    expect(() => EstebanRayPolarization.fromJSON({ ...metric.toJSON(), binCounts: [1, 2] })).toThrow(/binCounts/);
    expect(() => EstebanRayPolarization.fromJSON({ ...metric.toJSON(), binCounts: [1, 2, 3, 4, 0.5] })).toThrow(
      /integers/,
    );
  });
});
