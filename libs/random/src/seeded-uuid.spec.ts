import { describe, expect, it } from 'vitest';
import { mulberry32 } from './mulberry32.prng';
import { seededUuid } from './seeded-uuid';

// That the contracts accept these ids as event ids is held by libs/simulation's specs, which parse every simulated
// event with feedbackEventV1 (this library imports nothing of ours).
describe('seededUuid', () => {
  it('makes RFC 9562 version-4 UUIDs, reproducibly', () => {
    const r = mulberry32(5);
    const ids = Array.from({ length: 500 }, () => seededUuid(r));
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(seededUuid(mulberry32(5))).toBe(ids[0]);
  });

  it('builds the UUID from exactly four 32-bit draws, version and variant nibbles forced (worked by hand)', () => {
    const draws = [0, 0.5, 0.25, 0.75]; // 00000000 80000000 40000000 c0000000
    let calls = 0;
    const random = () => draws[calls++]!;
    // 13th hex digit becomes the version 4; the 17th ('4' = 0100) keeps its low two bits, variant bits 10 → '8'.
    expect(seededUuid(random)).toBe('00000000-8000-4000-8000-0000c0000000');
    expect(calls).toBe(4); // the caller's next draw is not consumed
  });
});
