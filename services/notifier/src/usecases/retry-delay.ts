import { createHash } from 'node:crypto';

export interface RetryDelayOptions {
  /** Delay before the first retry (after attempt 1 failed). */
  baseMs: number;
  /** No delay exceeds this. */
  maxMs: number;
  /** Fraction of the delay that is random, in [0, 1]: the delay is drawn uniformly from [d·(1 − jitter), d]. */
  jitter: number;
}

/**
 * Capped exponential backoff with jitter: after `attemptsMade` failed attempts (≥ 1) the next one waits
 * d = min(maxMs, baseMs · 2^(attemptsMade − 1)), less a uniformly random share `jitter` of d ("equal jitter" when
 * jitter = 0.5; AWS Architecture Blog, "Exponential Backoff and Jitter", 2015). Jitter spreads the retries of many
 * deliveries that failed together (one receiver down) so they do not return in one wave.
 */
export function retryDelayMs(attemptsMade: number, { baseMs, maxMs, jitter }: RetryDelayOptions, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attemptsMade));
  // 2^(n-1) overflows to Infinity for huge n; min() then caps it.
  const delay = Math.min(maxMs, baseMs * 2 ** (n - 1));
  return Math.round(delay - delay * jitter * random());
}

/**
 * A fraction in [0, 1) fixed by (job id, attempt): the "random" share of a job's jitter. Deterministic so the delay
 * the worker schedules and the `nextAttemptAt` recorded in the delivery log are the same number.
 */
export function jitterFraction(jobId: string, attemptsMade: number): () => number {
  return () => createHash('sha256').update(`${jobId}#${attemptsMade}`).digest().readUInt32BE(0) / 2 ** 32;
}
