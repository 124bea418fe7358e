import { describe, expect, it } from 'vitest';
import { RunningMoments } from './running-moments.estimator';
import { mulberry32 } from '@chorus/random';

// Batch oracle: two passes — the mean, then Σ (x − x̄)^p.
function batchMoments(xs: number[]): { mean: number; m2: number; m3: number; m4: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  return { mean, m2, m3, m4 };
}

function expectClose(actual: number, expected: number, scale: number, tolerance: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.max(scale, 1e-300));
}

describe('RunningMoments', () => {
  it('matches two-pass batch moments through adds and removes (relative tolerance 1e-9)', () => {
    const random = mulberry32(91);
    const moments = new RunningMoments();
    const xs: number[] = [];
    for (let step = 0; step < 3000; step++) {
      if (xs.length > 0 && random() < 0.4) {
        const at = Math.floor(random() * xs.length);
        moments.remove(xs[at] as number);
        xs[at] = xs[xs.length - 1] as number;
        xs.pop();
      } else {
        const x = random() < 0.5 ? -0.6 + 0.3 * random() : 0.5 + 0.4 * random() * random();
        moments.add(x);
        xs.push(x);
      }
      if (xs.length >= 2 && step % 50 === 0) {
        const b = batchMoments(xs);
        const { m2, m3, m4 } = moments.sums;
        expectClose(moments.mean as number, b.mean, 1, 1e-12);
        expectClose(m2, b.m2, b.m2, 1e-9);
        expectClose(m3, b.m3, Math.pow(b.m2, 1.5) / Math.sqrt(xs.length), 1e-9);
        expectClose(m4, b.m4, b.m4, 1e-9);
      }
    }
  });

  it('is stable for a large offset (1e8 + noise), where raw power sums would cancel (relative tolerance 1e-6)', () => {
    // Attainable accuracy is about ε·|x̄|/σ ≈ 2.2e-16 · 1e8 / 0.29 ≈ 8e-8 per rounding of the running mean.
    const random = mulberry32(92);
    const moments = new RunningMoments();
    const xs: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const x = 1e8 + random();
      xs.push(x);
      moments.add(x);
    }
    const b = batchMoments(xs);
    expectClose(moments.sums.m2, b.m2, b.m2, 1e-6);
    expectClose(moments.sums.m4, b.m4, b.m4, 1e-6);
    // The naive Σx² − (Σx)²/n is off by orders of magnitude here; the running update is not.
    const naive = xs.reduce((a, x) => a + x * x, 0) - Math.pow(xs.reduce((a, x) => a + x, 0), 2) / xs.length;
    expect(Math.abs(naive - b.m2) / b.m2).toBeGreaterThan(1e-3);
  });

  it('n = 0 and n = 1 are exact; removing the last value resets; removing from empty throws', () => {
    const moments = new RunningMoments();
    expect(moments.mean).toBeUndefined();
    expect(moments.isDegenerate()).toBe(true);
    moments.add(3);
    moments.add(5);
    moments.remove(5);
    expect(moments.n).toBe(1);
    expect(moments.mean).toBe(3);
    expect(moments.sums).toEqual({ m2: 0, m3: 0, m4: 0 });
    moments.remove(3);
    expect(moments.n).toBe(0);
    expect(() => moments.remove(3)).toThrow(/no values recorded/);
    expect(() => moments.add(Number.NaN)).toThrow(RangeError);
  });

  it('round-trips through JSON', () => {
    const moments = new RunningMoments();
    [0.1, 0.5, -0.3].forEach((x) => moments.add(x));
    const restored = RunningMoments.fromJSON(JSON.parse(JSON.stringify(moments)));
    expect(restored.sums).toEqual(moments.sums);
    expect(() => RunningMoments.fromJSON({ ...moments.toJSON(), m2: -1 })).toThrow(/non-negative/);
  });
});
