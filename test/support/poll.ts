import { isDeepStrictEqual } from 'node:util';

/** Poll `probe` until it returns a value that `done` accepts, or fail at the deadline with what was last seen. */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 30_000, intervalMs = 100, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${String(lastError)}` : ''}`);
}

/**
 * Checks that nothing new arrives for `windowMs`: reads `probe` at once (the baseline), then again every `intervalMs`
 * until the window has passed, and fails as soon as a reading differs from the baseline (deep equality), naming both.
 * Returns the last reading, which equals the baseline. Use it for "and nothing else" checks instead of a sleep followed
 * by one look: a late duplicate is caught whenever it lands inside the window.
 */
export async function expectNothingNewFor<T>(
  windowMs: number,
  probe: () => T | Promise<T>,
  { intervalMs = 100, what = 'the probed value' }: { intervalMs?: number; what?: string } = {},
): Promise<T> {
  const baseline = await probe();
  const deadline = Date.now() + windowMs;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(deadline - Date.now(), 0))));
    const current = await probe();
    if (!isDeepStrictEqual(current, baseline)) {
      throw new Error(`${what} changed within ${windowMs} ms, expected nothing new: was ${JSON.stringify(baseline)}, now ${JSON.stringify(current)}`);
    }
    if (Date.now() >= deadline) return current;
  }
}
