import { classifyFailure, type FailureClass } from './failure-class';

/** How a consumer applies and commits messages, for {@link isolatePoison}. */
export interface PoisonIsolation<M> {
  /**
   * Apply `group` (consecutive messages, in order) starting from the last committed state, and commit it atomically
   * with its offsets. Throws if anything fails; then nothing of the group is committed.
   */
  attempt(group: readonly M[]): Promise<void>;
  /** Commit `message` as a dead letter (with its offset, so it is never applied), `error` being what convicted it. */
  quarantine(message: M, error: unknown): Promise<void>;
  /** Defaults to {@link classifyFailure}. */
  classify?: (error: unknown) => FailureClass;
}

/**
 * Applies messages whose commit as one group failed because of (at least) one of them, so that only the culprits are
 * dead-lettered and every other message is applied exactly once.
 *
 * Bisection: a group that fails with a `message` failure is split in two halves, tried in order (the first half is
 * committed before the second is applied, so each attempt starts from a committed state that includes everything
 * before it); a single message that fails alone is quarantined. One culprit among n messages costs about 2·log2(n)
 * attempts instead of n. An `infrastructure` failure propagates: the caller retries (the groups already committed are
 * then skipped by their offsets, which is why `attempt` must start from the committed state).
 */
export async function isolatePoison<M>(messages: readonly M[], isolation: PoisonIsolation<M>): Promise<void> {
  const classify = isolation.classify ?? classifyFailure;
  // A stack of groups still to apply, the next one on top.
  const pending: (readonly M[])[] = [messages];
  while (pending.length > 0) {
    const group = pending.pop()!;
    if (group.length === 0) continue;
    try {
      await isolation.attempt(group);
    } catch (error) {
      if (classify(error) !== 'message') throw error;
      if (group.length === 1) {
        await isolation.quarantine(group[0]!, error);
        continue;
      }
      const middle = group.length >> 1;
      pending.push(group.slice(middle), group.slice(0, middle));
    }
  }
}
