import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventDedupeKey } from './event-dedupe-key';

describe('eventDedupeKey', () => {
  it('is deterministic, a safe integer, and distinguishes ids that differ in one character', () => {
    const id = '0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01';
    expect(eventDedupeKey(id)).toBe(eventDedupeKey(id));
    expect(Number.isSafeInteger(eventDedupeKey(id))).toBe(true);
    expect(eventDedupeKey(id)).not.toBe(eventDedupeKey('0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a02'));
  });

  it('has no collisions over 200k random and 200k time-ordered ids', () => {
    const random = new Set(Array.from({ length: 200_000 }, () => eventDedupeKey(randomUUID())));
    expect(random.size).toBe(200_000);
    // UUIDv7-like: same millisecond prefix, differing only in the tail.
    const ordered = new Set(Array.from({ length: 200_000 }, (_, i) => eventDedupeKey(`0190f1c2-7a3b-7000-8000-${i.toString(16).padStart(12, '0')}`)));
    expect(ordered.size).toBe(200_000);
  });
});
