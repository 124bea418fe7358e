import { describe, expect, it } from 'vitest';
import { ExposureGini, giniCoefficient } from './exposure-gini.metric';
import { MetricInputError } from './metric-input.error';
import { mulberry32 } from '@chorus/random';

// Oracle for the oracle: the definition Σ_i Σ_j |x_i − x_j| / (2 n Σx), O(n²).
function pairwiseGini(values: number[]): number | undefined {
  const n = values.length;
  const total = values.reduce((a, b) => a + b, 0);
  if (n === 0 || total === 0) return undefined;
  let d = 0;
  for (const a of values) for (const b of values) d += Math.abs(a - b);
  return d / (2 * n * total);
}

/** Batch sorted-formula Gini of the metric's current counts, zeros included. */
function batchOf(metric: ExposureGini, universe: string[]): number | undefined {
  const counts = universe.map((item) => metric.countOf(item)).filter((c) => c > 0);
  const zeros = metric.itemCount - counts.length;
  return giniCoefficient([...counts, ...new Array<number>(zeros).fill(0)]);
}

describe('giniCoefficient (batch, sorted formula)', () => {
  it('matches the pairwise definition on seeded data (tolerance 1e-12)', () => {
    const random = mulberry32(61);
    for (let trial = 0; trial < 50; trial++) {
      const values = Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * random() * 50));
      const expected = pairwiseGini(values);
      const actual = giniCoefficient(values);
      if (expected === undefined) expect(actual).toBeUndefined();
      else expect(Math.abs((actual as number) - expected)).toBeLessThan(1e-12);
    }
  });

  it('edge cases: empty or all-zero undefined, constant 0, one of n holding everything 1 − 1/n', () => {
    expect(giniCoefficient([])).toBeUndefined();
    expect(giniCoefficient([0, 0])).toBeUndefined();
    expect(giniCoefficient([5])).toBe(0);
    expect(giniCoefficient([3, 3, 3])).toBe(0);
    expect(giniCoefficient([0, 0, 0, 10])).toBeCloseTo(0.75, 15);
    expect(() => giniCoefficient([1, Number.NaN])).toThrow(RangeError);
    expect(() => giniCoefficient([1, -1])).toThrow(/≥ 0/);
  });
});

describe('ExposureGini', () => {
  for (const catalogueSize of [0, 150]) {
    it(`equals the batch Gini after every record/remove on a seeded Zipf-like stream (catalogue ${catalogueSize}, tolerance 1e-12)`, () => {
      const random = mulberry32(62 + catalogueSize);
      const universe = Array.from({ length: 120 }, (_, i) => `item-${i}`);
      const metric = new ExposureGini({ catalogueSize });
      const log: string[] = [];
      for (let step = 0; step < 1500; step++) {
        if (log.length > 0 && random() < 0.35) {
          // Remove a past exposure (a sliding window dropping old events).
          const at = Math.floor(random() * log.length);
          const item = log[at] as string;
          log[at] = log[log.length - 1] as string;
          log.pop();
          metric.remove(item);
        } else {
          const item = universe[Math.floor(universe.length * Math.pow(random(), 3))] as string; // popular head
          log.push(item);
          metric.record(item);
        }
        const expected = batchOf(metric, universe);
        if (expected === undefined) expect(metric.value).toBeUndefined();
        else expect(Math.abs((metric.value as number) - expected)).toBeLessThan(1e-12);
      }
      expect(metric.totalExposures).toBe(log.length);
    });
  }

  it('edge cases: empty undefined, n = 1 is 0, equal counts 0, one exposed item of 10 is 0.9', () => {
    const metric = new ExposureGini();
    expect(metric.value).toBeUndefined();
    metric.record('a', 3);
    expect(metric.value).toBe(0);
    metric.record('b', 3);
    metric.record('c', 3);
    expect(metric.value).toBe(0);
    const catalogue = new ExposureGini({ catalogueSize: 10 });
    catalogue.record('hit', 7);
    expect(catalogue.value).toBeCloseTo(0.9, 15);
    catalogue.remove('hit', 7);
    expect(catalogue.value).toBeUndefined();
    expect(catalogue.itemCount).toBe(10);
  });

  it('tracks catalogue growth and shrinkage (zeros joining or leaving)', () => {
    const metric = new ExposureGini({ catalogueSize: 4 });
    metric.record('a', 5);
    metric.record('b', 1);
    expect(metric.value).toBeCloseTo(giniCoefficient([5, 1, 0, 0]) as number, 15);
    metric.setCatalogueSize(8);
    expect(metric.value).toBeCloseTo(giniCoefficient([5, 1, 0, 0, 0, 0, 0, 0]) as number, 15);
    metric.setCatalogueSize(0);
    expect(metric.value).toBeCloseTo(giniCoefficient([5, 1]) as number, 15);
    expect(() => metric.setCatalogueSize(-1)).toThrow(RangeError);
  });

  it('rejects removing what was never recorded, bad ids and counts, without changing state', () => {
    const metric = new ExposureGini();
    metric.record('a', 2);
    const before = JSON.stringify(metric);
    let error: unknown;
    try {
      metric.remove('a', 3);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError);
    expect((error as MetricInputError).code).toBe('METRICS.UNKNOWN_REMOVAL');
    expect(() => metric.remove('zzz')).toThrow(/only 0 recorded/);
    expect(() => metric.record('a', Number.NaN)).toThrow(RangeError);
    expect(() => metric.record('a', 0)).toThrow(RangeError);
    expect(() => metric.record(42 as unknown as string)).toThrow(/string/);
    expect(JSON.stringify(metric)).toBe(before);
  });

  it('survives a JSON round trip and continues identically; refuses duplicate items', () => {
    const random = mulberry32(63);
    const a = new ExposureGini({ catalogueSize: 40 });
    for (let t = 0; t < 500; t++) a.record(`i${Math.floor(random() * 30)}`);
    const b = ExposureGini.fromJSON(JSON.parse(JSON.stringify(a)));
    expect(b.value).toBe(a.value);
    for (let t = 0; t < 500; t++) {
      const item = `i${Math.floor(random() * 60)}`;
      a.record(item);
      b.record(item);
      if (t % 3 === 0) {
        a.remove(item);
        b.remove(item);
      }
    }
    expect(Math.abs((b.value as number) - (a.value as number))).toBeLessThan(1e-12);
    const state = a.toJSON();
    expect(() =>
      ExposureGini.fromJSON({ ...state, counts: [...state.counts, [state.counts[0]?.[0], 1]] }),
    ).toThrow(/twice/);
    expect(() => ExposureGini.fromJSON({ ...state, counts: [['x', 0]] })).toThrow(/count ≥ 1/);
  });

  it('writes the same state whatever the history of exposures: an item that fell to 0 and came back is listed in item order', () => {
    const a = new ExposureGini({ catalogueSize: 5 });
    for (const item of ['m', 'b', 'z']) a.record(item);
    a.remove('b');
    const restored = ExposureGini.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    a.record('b');
    restored.record('b');
    expect(a.toJSON().counts).toEqual([['b', 1], ['m', 1], ['z', 1]]);
    expect(restored.toJSON()).toEqual(a.toJSON());
  });
});
