import { stableHash53 } from '@chorus/random';

/**
 * A compact key for the retry-dedupe window: a 53-bit hash of the eventId, kept as a number (a safe integer: exact
 * in JSON, compared without string work) instead of the 36-character id.
 * The window is persisted with every user row, and bytes written per commit are what bound the learner's throughput.
 * Two different eventIds of one user collide with probability 2⁻⁵³ per pair — with a 64-event window, never in
 * practice. Hashing the whole id (not a prefix) keeps time-ordered ids (UUIDv7) apart.
 */
export function eventDedupeKey(eventId: string): number {
  // cyrb53, the same hash drift-watch keeps its dedupe window in: persisted windows stay valid (same function, same bits).
  return stableHash53(eventId);
}
