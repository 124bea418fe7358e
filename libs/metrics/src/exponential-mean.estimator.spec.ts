import { describe, expect, it } from 'vitest';
import { resolveDecayFactor } from './exponential-decay.config';
import { ExponentialMean } from './exponential-mean.estimator';
import { MetricInputError } from './metric-input.error';
import { mulberry32 } from '@chorus/random';

// Batch oracle: x̄_T = Σ λ^{T−t} x_t / Σ λ^{T−t}, computed from scratch.
function batchMean(xs: number[], lambda: number): number {
  let num = 0;
  let den = 0;
  const T = xs.length - 1;
  xs.forEach((x, t) => {
    const w = Math.pow(lambda, T - t);
    num += w * x;
    den += w;
  });
  return num / den;
}

describe('resolveDecayFactor', () => {
  it('turns a half-life into λ with λ^h = 1/2', () => {
    const lambda = resolveDecayFactor({ halfLife: 20 });
    expect(Math.pow(lambda, 20)).toBeCloseTo(0.5, 14);
  });

  it('passes a decay factor through and rejects values outside (0, 1]', () => {
    expect(resolveDecayFactor({ decay: 0.9 })).toBe(0.9);
    expect(resolveDecayFactor({ decay: 1 })).toBe(1);
    for (const decay of [0, -0.1, 1.01, Number.NaN]) {
      expect(() => resolveDecayFactor({ decay })).toThrow(RangeError);
    }
    for (const halfLife of [0, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => resolveDecayFactor({ halfLife })).toThrow(/halfLife/);
    }
  });
});

describe('ExponentialMean', () => {
  it('equals the batch weighted mean over a seeded stream (relative tolerance 1e-12)', () => {
    const random = mulberry32(7);
    const mean = new ExponentialMean({ halfLife: 37 });
    const xs: number[] = [];
    for (let t = 0; t < 2000; t++) {
      const x = random() * 4 - 1;
      xs.push(x);
      mean.update(x);
      if (t % 97 === 0 || t < 5) {
        expect(Math.abs((mean.value as number) - batchMean(xs, mean.decay))).toBeLessThan(1e-12);
      }
    }
  });

  it('is the plain arithmetic mean with decay 1', () => {
    const mean = new ExponentialMean({ decay: 1 });
    [1, 2, 3, 4].forEach((x) => mean.update(x));
    expect(mean.value).toBeCloseTo(2.5, 15);
  });

  it('is undefined at n = 0, the value itself at n = 1, and exact for constant input (tolerance 1e-15)', () => {
    const mean = new ExponentialMean({ halfLife: 5 });
    expect(mean.value).toBeUndefined();
    mean.update(0.3);
    expect(mean.value).toBe(0.3);
    for (let t = 0; t < 500; t++) mean.update(0.3);
    expect(Math.abs((mean.value as number) - 0.3)).toBeLessThan(1e-15);
    expect(mean.eventCount).toBe(501);
  });

  it('rejects NaN and infinities with a RangeError that says what to do, and keeps its state', () => {
    const mean = new ExponentialMean({ halfLife: 5 });
    mean.update(1);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const error = (() => {
        try {
          mean.update(bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(RangeError);
      expect(error).toBeInstanceOf(MetricInputError);
      expect((error as MetricInputError).code).toBe('METRICS.NOT_FINITE');
      expect((error as Error).message).toMatch(/finite.*drop or repair/);
    }
    expect(mean.value).toBe(1);
    expect(mean.eventCount).toBe(1);
  });

  it('survives a JSON round trip and continues identically', () => {
    const random = mulberry32(11);
    const a = new ExponentialMean({ halfLife: 10 });
    for (let t = 0; t < 50; t++) a.update(random());
    const b = ExponentialMean.fromJSON(JSON.parse(JSON.stringify(a)));
    for (let t = 0; t < 50; t++) {
      const x = random();
      a.update(x);
      b.update(x);
    }
    expect(b.value).toBe(a.value);
    expect(b.eventCount).toBe(a.eventCount);
  });

  it('refuses corrupt or foreign state with a RangeError', () => {
    const good = new ExponentialMean({ halfLife: 10 }).toJSON();
    expect(() => ExponentialMean.fromJSON({ ...good, kind: 'exposure-gini' })).toThrow(/another metric/);
    expect(() => ExponentialMean.fromJSON({ ...good, version: 2 })).toThrow(/version/);
    expect(() => ExponentialMean.fromJSON({ ...good, weight: 'x' })).toThrow(RangeError);
    expect(() => ExponentialMean.fromJSON({ ...good, count: 3 })).toThrow(/inconsistent/);
    expect(() => ExponentialMean.fromJSON(null)).toThrow(/expected an object/);
  });
});
