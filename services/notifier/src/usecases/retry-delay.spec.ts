import { describe, expect, it } from 'vitest';
import { jitterFraction, retryDelayMs } from './retry-delay';

describe('retryDelayMs', () => {
  const exact = { baseMs: 1000, maxMs: 60_000, jitter: 0 };

  it('doubles from the base after each failed attempt', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, exact))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000]);
  });

  it('caps at maxMs, also for attempt counts whose power overflows', () => {
    expect(retryDelayMs(7, exact)).toBe(60_000);
    expect(retryDelayMs(2000, exact)).toBe(60_000);
  });

  it('treats attemptsMade below 1 as the first retry', () => {
    expect(retryDelayMs(0, exact)).toBe(1000);
  });

  it('draws the jittered delay from [d(1 - jitter), d]', () => {
    const options = { baseMs: 1000, maxMs: 60_000, jitter: 0.2 };
    expect(retryDelayMs(3, options, () => 0)).toBe(4000);
    expect(retryDelayMs(3, options, () => 0.5)).toBe(3600);
    expect(retryDelayMs(3, options, () => 0.999999)).toBe(3200);
    expect(retryDelayMs(3, { ...options, jitter: 1 }, () => 0.999999)).toBe(0);
  });
});

describe('jitterFraction', () => {
  it('is a fixed fraction in [0, 1) per (job, attempt), different across attempts and jobs', () => {
    const a1 = jitterFraction('alert.s.a', 1)();
    expect(a1).toBe(jitterFraction('alert.s.a', 1)());
    expect(a1).toBeGreaterThanOrEqual(0);
    expect(a1).toBeLessThan(1);
    expect(jitterFraction('alert.s.a', 2)()).not.toBe(a1);
    expect(jitterFraction('alert.s.b', 1)()).not.toBe(a1);
  });

  it('spreads roughly uniformly (mean of 2000 draws within 0.03 of 1/2)', () => {
    let sum = 0;
    for (let i = 0; i < 2000; i++) sum += jitterFraction(`job-${i}`, 1)();
    expect(Math.abs(sum / 2000 - 0.5)).toBeLessThan(0.03);
  });
});
