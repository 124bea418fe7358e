import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { settleWithin, withDeadline } from './settle-within';

/** A promise that settles only when the test says so. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** The live timers Node holds (each keeps the process alive); real timers, not vitest's fakes. */
const liveTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('settleWithin', () => {
  afterEach(() => vi.useRealTimers());

  it('answers the value of work that settles within the limit', async () => {
    await expect(settleWithin(Promise.resolve(42), 1_000)).resolves.toEqual({ settled: true, value: 42 });
  });

  it('answers settled: false once the limit passes first, not a moment before', async () => {
    vi.useFakeTimers();
    let outcome: unknown;
    void settleWithin(new Promise(() => undefined), 100).then((o) => (outcome = o));
    await vi.advanceTimersByTimeAsync(99);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toEqual({ settled: false });
  });

  it('rejects with the work’s own error when it fails within the limit', async () => {
    const error = new Error('broker refused');
    await expect(settleWithin(Promise.reject(error), 1_000)).rejects.toBe(error);
  });

  it('clears its timer as soon as the work settles, so nothing keeps the process alive', async () => {
    const before = liveTimers();
    const work = deferred<string>();
    const answer = settleWithin(work.promise, 600_000);
    expect(liveTimers()).toBe(before + 1);
    work.resolve('done');
    await answer;
    expect(liveTimers()).toBe(before);
  });

  it('clears its timer when the work fails too', async () => {
    const before = liveTimers();
    await settleWithin(Promise.reject(new Error('x')), 600_000).catch(() => undefined);
    expect(liveTimers()).toBe(before);
  });

  it('handles a rejection that comes after the limit (no unhandled rejection)', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const work = deferred<never>();
      await expect(settleWithin(work.promise, 1)).resolves.toEqual({ settled: false });
      work.reject(new Error('too late'));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('settles exactly when the work takes less time than the limit (any times)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 5_000 }), async (takesMs, limitMs) => {
        fc.pre(takesMs !== limitMs);
        vi.useFakeTimers();
        try {
          const work = new Promise<string>((resolve) => setTimeout(() => resolve('v'), takesMs));
          const answer = settleWithin(work, limitMs);
          // Only up to whichever comes first: the answer is already there, and the limit's timer already gone.
          await vi.advanceTimersByTimeAsync(Math.min(takesMs, limitMs));
          expect(await answer).toEqual(takesMs < limitMs ? { settled: true, value: 'v' } : { settled: false });
          // What remains is the work's own timer when the limit came first; nothing when the work did.
          expect(vi.getTimerCount()).toBe(takesMs < limitMs ? 0 : 1);
        } finally {
          vi.useRealTimers();
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('withDeadline', () => {
  it('answers the work’s value and never builds the expiry error', async () => {
    const expired = vi.fn(() => new Error('late'));
    await expect(withDeadline(Promise.resolve('ok'), 1_000, expired)).resolves.toBe('ok');
    expect(expired).not.toHaveBeenCalled();
  });

  it('throws the expiry error when the limit passes first', async () => {
    const late = new Error('no answer within 5 ms');
    await expect(withDeadline(new Promise(() => undefined), 5, () => late)).rejects.toBe(late);
  });

  it('rethrows the work’s own failure as it is', async () => {
    const failure = new Error('ENOTFOUND');
    await expect(withDeadline(Promise.reject(failure), 1_000, () => new Error('late'))).rejects.toBe(failure);
  });
});
