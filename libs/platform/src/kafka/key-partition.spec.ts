import { describe, expect, it } from 'vitest';
import { kafkaKeyPartition } from './key-partition';

describe('kafkaKeyPartition', () => {
  // That it is the broker's own placement is shown end to end (test/reliability-replay.e2e-spec.ts: the gateway's
  // events land where this says, or the learner's weights would differ from the replay's).
  it('is a function of key and partition count that uses every partition', () => {
    const keys = Array.from({ length: 600 }, (_, k) => `user-${k}`);
    const placed = keys.map((key) => kafkaKeyPartition(key, 6));
    expect(keys.map((key) => kafkaKeyPartition(key, 6))).toEqual(placed);
    for (let p = 0; p < 6; p++) expect(placed.filter((x) => x === p).length).toBeGreaterThan(60);
    expect(keys.every((key) => kafkaKeyPartition(key, 1) === 0)).toBe(true);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => kafkaKeyPartition('u', 0)).toThrow(/partitions is 0; it must be an integer ≥ 1/);
    expect(() => kafkaKeyPartition('u', 1.5)).toThrow(RangeError);
  });
});
