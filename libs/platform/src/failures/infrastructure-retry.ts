import type { ContextLogger } from '../logging/json-logger';
import { classifyFailure, describeFailure } from './failure-class';

export interface InfrastructureRetryOptions {
  /** First delay (doubled after each failure), and the cap. */
  baseMs?: number;
  maxMs?: number;
  log: Pick<ContextLogger, 'warn'>;
  /** What is being retried, for the log line. */
  what: string;
  /** Failures not to retry (rethrown at once), e.g. a fence telling that the partition has a new owner. */
  giveUp?: (error: unknown) => boolean;
}

/** Capped exponential backoff: base·2^(attempt − 1), at most max. `attempt` counts from 1. */
export function infrastructureRetryDelayMs(attempt: number, baseMs = 200, maxMs = 30_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

/**
 * Runs `work` until it succeeds, waiting a capped exponential backoff after each infrastructure failure (logged with
 * the attempt and the delay), so an outage pauses the consumer instead of crash-looping the process. A `message`
 * failure is not retried (it would fail again): it is rethrown for the caller to dead-letter.
 */
export async function retryOnInfrastructure<T>(work: () => Promise<T>, options: InfrastructureRetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (classifyFailure(error) === 'message' || options.giveUp?.(error)) throw error;
      const delayMs = infrastructureRetryDelayMs(attempt, options.baseMs, options.maxMs);
      options.log.warn(`${options.what} failed on infrastructure; retrying`, { attempt, delayMs, error: describeFailure(error) });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
