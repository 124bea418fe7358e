import { BorrowingEvidence, profileLogit, type DiagonalGaussianLogisticJSON, type FeedbackObservation, type PersonaMixture } from '@chorus/reward';
import type { ShardState, UserState } from './learner-state';

/**
 * Cold-start borrowing's learner step (issue #16), run after an event was applied (only then: a refused event adds
 * no evidence), when LEARNER_BORROWING is on:
 *
 * 1. evidence — a cold user's event is scored with the donor chosen after their previous event, before this one was
 *    learned (the donor is a snapshot, which learning the event does not move): the gain of aggregate + donor over
 *    the aggregate alone goes into the user's BorrowingEvidence (prequential, as the guard requires);
 * 2. donors — the user is offered to the partition's donor pool (taken once they have LEARNER_BORROWING_COLD_EVENTS
 *    events, a copy of the means of their persona with the most mass);
 * 3. next donor — while still cold, the donor closest under the user's posterior now is kept for their next event
 *    and for serving; a user who is no longer cold drops the borrowing state (warm users are served their own).
 *
 * All of it is in the user's row and the shard's row, committed with the partition's offsets: exactly-once, and a
 * function of the partition's events alone (the pool holds only the partition's users).
 */
export function borrowAfterEvent(user: UserState, shard: ShardState, observation: FeedbackObservation, aggregateLogit: number): void {
  const pool = shard.donors;
  if (!pool) {
    if (user.borrowing) user.borrowing = undefined; // borrowing was turned off: a row keeps no stale evidence
    return;
  }
  const donor = user.borrowing?.donor;
  if (user.borrowing && donor) {
    user.borrowing.evidence.record(aggregateLogit, profileLogit(donor.means, observation.userX, aggregateLogit), observation.y, observation.weight);
  }
  pool.offer(user.userId, user.eventsSeen, () => strongestPersona(user.model));
  if (user.eventsSeen >= pool.options.minEvents) {
    user.borrowing = undefined;
    return;
  }
  const next = pool.closest(user.model.personas[0]!.model, user.userId);
  user.borrowing = { ...(next ? { donor: { userId: next.userId, means: next.means } } : {}), evidence: user.borrowing?.evidence ?? new BorrowingEvidence() };
}

/** The posterior of the persona that explained most of the user's events (the first on a tie). */
function strongestPersona(model: PersonaMixture): DiagonalGaussianLogisticJSON {
  let best = model.personas[0]!;
  for (const persona of model.personas) if (persona.mass > best.mass) best = persona;
  return best.model.toJSON();
}
