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
});
