/** What became of work given a time limit: its value, or that the limit passed first. */
export type SettleOutcome<T> = { settled: true; value: T } | { settled: false };

/**
 * Wait for `work`, but for at most `ms`: its value (`settled: true`), or `settled: false` once `ms` passed first. A
 * rejection of `work` within the limit rejects with the same error. The timer is cleared as soon as either happens, so
 * no pending timer keeps the process alive after the answer (a shutdown or a CLI then exits at once). Work that
 * outlives the limit goes on (a promise cannot be cancelled); if it rejects later, that rejection is handled here and
 * dropped, never an unhandled rejection.
 */
export async function settleWithin<T>(work: Promise<T>, ms: number): Promise<SettleOutcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<SettleOutcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
  });
  try {
    return await Promise.race([work.then((value): SettleOutcome<T> => ({ settled: true, value })), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** `work`'s value, or `expired()` thrown if it has none within `ms` (a rejection within `ms` is rethrown as it is). */
export async function withDeadline<T>(work: Promise<T>, ms: number, expired: () => Error): Promise<T> {
  const outcome = await settleWithin(work, ms);
  if (!outcome.settled) throw expired();
  return outcome.value;
}
