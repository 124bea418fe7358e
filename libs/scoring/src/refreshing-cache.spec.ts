import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshingCache } from './refreshing-cache';

/** A read the test resolves or rejects by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('RefreshingCache', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('reads once while fresh, and again once expired, handing the read the previous value', async () => {
    const cache = new RefreshingCache<number>(1000);
    const read = vi.fn(async (previous: number | undefined) => (previous ?? 0) + 1);
    expect(await cache.get('k', read)).toBe(1);
    vi.setSystemTime(999);
    expect(await cache.get('k', read)).toBe(1);
    vi.setSystemTime(2000);
    expect(await cache.get('k', read)).toBe(2);
    expect(read.mock.calls.map(([previous]) => previous)).toEqual([undefined, 1]);
  });

  it('the caller that finds it expired waits for the new value; callers during that read get the last value at once', async () => {
    const cache = new RefreshingCache<string>(1000);
    await cache.get('k', async () => 'old');
    vi.setSystemTime(5000);
    const next = deferred<string>();
    const first = cache.get('k', () => next.promise);
    const read = vi.fn(async () => 'other');
    expect(await cache.get('k', read)).toBe('old');
    expect(read).not.toHaveBeenCalled();
    next.resolve('new');
    expect(await first).toBe('new');
    expect(await cache.get('k', read)).toBe('new');
  });

  it('a failed read rejects its caller, keeps the last value, and the next caller reads again', async () => {
    const cache = new RefreshingCache<string>(1000);
    await cache.get('k', async () => 'old');
    vi.setSystemTime(5000);
    await expect(cache.get('k', async () => Promise.reject(new Error('postgres down')))).rejects.toThrow('postgres down');
    expect(await cache.get('k', async () => 'new')).toBe('new');
  });

  it('with nothing read yet, concurrent callers share the one read', async () => {
    const cache = new RefreshingCache<string>(1000);
    const next = deferred<string>();
    const read = vi.fn(() => next.promise);
    const both = Promise.all([cache.get('k', read), cache.get('k', read)]);
    next.resolve('v');
    expect(await both).toEqual(['v', 'v']);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('delete makes the next caller read and wait', async () => {
    const cache = new RefreshingCache<string>(60_000);
    await cache.get('k', async () => 'old');
    cache.delete('k');
    expect(await cache.get('k', async () => 'new')).toBe('new');
  });
});
