import { describe, expect, it } from 'vitest';
import { expectNothingNewFor, pollUntil } from './poll';

describe('pollUntil', () => {
  it('returns the first value the predicate accepts', async () => {
    let n = 0;
    await expect(pollUntil(async () => ++n, (v) => v === 3, { intervalMs: 1 })).resolves.toBe(3);
  });

  it('fails at the deadline with what it waited for and the last value', async () => {
    await expect(pollUntil(async () => 7, (v) => v > 7, { timeoutMs: 50, intervalMs: 5, what: 'eight' })).rejects.toThrow(
      /timed out after 50 ms waiting for eight; last value: 7/,
    );
  });
});

describe('expectNothingNewFor', () => {
  it('returns the unchanged reading once the window has passed, having looked more than once', async () => {
    const list = ['a', 'b'];
    let reads = 0;
    const started = Date.now();
    const last = await expectNothingNewFor(200, () => (reads++, [...list]), { intervalMs: 20 });
    expect(last).toEqual(['a', 'b']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(reads).toBeGreaterThan(2);
  });

  it('fails as soon as something new arrives inside the window, not at its end', async () => {
    const list = ['a'];
    setTimeout(() => list.push('a'), 60);
    const started = Date.now();
    await expect(expectNothingNewFor(5_000, () => [...list], { intervalMs: 10, what: 'the alert ids' })).rejects.toThrow(
      'the alert ids changed within 5000 ms, expected nothing new: was ["a"], now ["a","a"]',
    );
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('catches an arrival just before the window closes', async () => {
    let count = 0;
    setTimeout(() => (count = 1), 140);
    await expect(expectNothingNewFor(150, () => count, { intervalMs: 50 })).rejects.toThrow(/was 0, now 1/);
  });
});
