/**
 * A compact key for the retry-dedupe window: a 53-bit hash of the eventId, kept as a number (a safe integer: exact
 * in JSON, compared without string work) instead of the 36-character id.
 * The window is persisted with every user row, and bytes written per commit are what bound the learner's throughput.
 * Two different eventIds of one user collide with probability 2⁻⁵³ per pair — with a 64-event window, never in
 * practice. Hashing the whole id (not a prefix) keeps time-ordered ids (UUIDv7) apart.
 */
export function eventDedupeKey(eventId: string): number {
  // cyrb53 (public domain, bryc): two 32-bit multiply-xorshift lanes combined into 53 bits.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < eventId.length; i++) {
    const ch = eventId.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
