import { describe, expect, it } from 'vitest';
import { BIMODALITY_THRESHOLD, BimodalityCoefficient, bimodalityFromMoments } from './bimodality-coefficient.metric';
import { mulberry32 } from '@chorus/random';
import { twoCampStances, unimodalStances } from './stance-population.fixture';

/** Batch oracle: G1, G2 and BC from a two-pass computation, written out as in SAS / Pfister et al. 2013. */
function batchBimodality(xs: number[]): { skewness: number; excessKurtosis: number; coefficient: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const m = (p: number): number => xs.reduce((a, x) => a + Math.pow(x - mean, p), 0) / n;
  const g1 = m(3) / Math.pow(m(2), 1.5);
  const g2 = m(4) / Math.pow(m(2), 2) - 3;
  const skewness = (Math.sqrt(n * (n - 1)) / (n - 2)) * g1;
  const excessKurtosis = ((n - 1) / ((n - 2) * (n - 3))) * ((n + 1) * g2 + 6);
  return {
    skewness,
    excessKurtosis,
    coefficient: (skewness ** 2 + 1) / (excessKurtosis + (3 * (n - 1) ** 2) / ((n - 2) * (n - 3))),
  };
}

describe('BimodalityCoefficient', () => {
  it('reproduces scipy.stats skew/kurtosis(bias=False) and the resulting BC on a fixed sample (tolerance 1e-12)', () => {
    // scipy 1.x: skew([1,2,3,4,10], bias=False) = 1.6970562748477143, kurtosis(..., bias=False) = 3.152
    const metric = new BimodalityCoefficient();
    [1, 2, 3, 4, 10].forEach((x) => metric.add(x));
    const stats = metric.statistics();
    expect(Math.abs((stats?.skewness as number) - 1.6970562748477143)).toBeLessThan(1e-12);
    expect(Math.abs((stats?.excessKurtosis as number) - 3.152)).toBeLessThan(1e-12);
    expect(Math.abs((metric.value as number) - 0.34791965566714494)).toBeLessThan(1e-12);
  });

  it('equals the batch formula through adds, removes and stance updates on a seeded stream (tolerance 1e-9)', () => {
    const random = mulberry32(101);
    const metric = new BimodalityCoefficient();
    const stances: number[] = [];
    for (let step = 0; step < 2000; step++) {
      const r = random();
      if (stances.length > 5 && r < 0.2) {
        const at = Math.floor(random() * stances.length);
        metric.remove(stances[at] as number);
        stances.splice(at, 1);
      } else if (stances.length > 0 && r < 0.5) {
        const at = Math.floor(random() * stances.length);
        const next = Math.tanh(3 * (random() - 0.5));
        metric.update(stances[at] as number, next);
        stances[at] = next;
      } else {
        const s = random() * 2 - 1;
        metric.add(s);
        stances.push(s);
      }
      if (stances.length >= 4 && step % 25 === 0) {
        const expected = batchBimodality(stances);
        const stats = metric.statistics();
        expect(Math.abs((stats?.coefficient as number) - expected.coefficient)).toBeLessThan(1e-9);
        expect(Math.abs((stats?.skewness as number) - expected.skewness)).toBeLessThan(1e-9);
        expect(Math.abs((stats?.excessKurtosis as number) - expected.excessKurtosis)).toBeLessThan(1e-9);
      }
    }
  });

  it('two camps: BC > 5/9; one camp: BC < 5/9; uniform ≈ 5/9 (n = 400–20000)', () => {
    const camps = new BimodalityCoefficient();
    const single = new BimodalityCoefficient();
    twoCampStances(400, 1).forEach((s) => camps.add(s));
    unimodalStances(400, 2).forEach((s) => single.add(s));
    expect(camps.value as number).toBeGreaterThan(0.85);
    expect(camps.suggestsBimodality()).toBe(true);
    expect(single.value as number).toBeLessThan(0.45);
    expect(single.suggestsBimodality()).toBe(false);

    const random = mulberry32(102);
    const uniform = new BimodalityCoefficient();
    for (let i = 0; i < 20_000; i++) uniform.add(random() * 2 - 1);
    expect(Math.abs((uniform.value as number) - BIMODALITY_THRESHOLD)).toBeLessThan(0.02);
  });

  it('n < 4: undefined; constant input: undefined, also after removals bring it back to constant', () => {
    const metric = new BimodalityCoefficient();
    expect(metric.value).toBeUndefined();
    [0.1, 0.2, 0.3].forEach((s) => metric.add(s));
    expect(metric.value).toBeUndefined();
    const constant = new BimodalityCoefficient();
    for (let i = 0; i < 50; i++) constant.add(0.3);
    expect(constant.value).toBeUndefined();
    expect(constant.suggestsBimodality()).toBeUndefined();
    constant.add(-0.9);
    constant.add(0.95);
    expect(constant.value).toBeDefined();
    constant.remove(-0.9);
    constant.remove(0.95);
    expect(constant.value).toBeUndefined();
    expect(bimodalityFromMoments(10, 0, 0, 0)).toBeUndefined();
  });

  it('rejects NaN (state unchanged) and removal from an empty population', () => {
    const metric = new BimodalityCoefficient();
    [0.1, 0.5, -0.4, 0.9].forEach((s) => metric.add(s));
    const before = metric.value;
    expect(() => metric.add(Number.NaN)).toThrow(/finite number/);
    expect(() => metric.update(0.1, Number.NaN)).toThrow(RangeError);
    expect(metric.value).toBe(before);
    expect(metric.n).toBe(4);
    expect(() => new BimodalityCoefficient().remove(0.1)).toThrow(RangeError);
  });

  it('survives a JSON round trip and continues identically', () => {
    const a = new BimodalityCoefficient();
    twoCampStances(100, 7).forEach((s) => a.add(s));
    const b = BimodalityCoefficient.fromJSON(JSON.parse(JSON.stringify(a)));
    a.update(0.7, -0.2);
    b.update(0.7, -0.2);
    expect(b.value).toBe(a.value);
    expect(() => BimodalityCoefficient.fromJSON({ kind: 'bimodality-coefficient', version: 1, moments: {} })).toThrow(
      /running-moments/,
    );
  });
});
