import { describe, expect, it } from 'vitest';
import { PartitionMerge, type InputTopic, type MergeEntry } from './partition-merge';

const entry = (topic: InputTopic, offset: number, at: number | null): MergeEntry<string> => ({ topic, offset, at, payload: `${topic}@${at}` });
const order = (entries: MergeEntry<string>[]) => entries.map((e) => `${e.topic[0]}${e.offset}`);

describe('PartitionMerge', () => {
  const options = { idleMs: 1_000, maxHoldMs: 60_000 };

  it('releases both topics in event-time order, holding what the other topic may still precede', () => {
    const merge = new PartitionMerge<string>(0, options);
    // The exposures batch runs ahead: 4 lists at t = 0..30 s; the feedback batch has caught up to 15 s only.
    merge.push('exposures', [entry('exposures', 0, 0), entry('exposures', 1, 10_000), entry('exposures', 2, 20_000), entry('exposures', 3, 30_000)], 10);
    merge.push('feedback', [entry('feedback', 0, 5_000), entry('feedback', 1, 15_000)], 10);
    expect(order(merge.release(20))).toEqual(['e0', 'f0', 'e1', 'f1']);
    // Lists at 20 s and 30 s wait: feedback has not shown anything beyond 15 s.
    expect(merge.waiting).toBe(2);
    expect(merge.nextOffset('exposures')).toBe(2);
    expect(merge.nextOffset('feedback')).toBe(2);
    merge.push('feedback', [entry('feedback', 2, 25_000)], 30);
    expect(order(merge.release(40))).toEqual(['e2', 'f2']);
    expect(merge.nextOffset('exposures')).toBe(3);
  });

  it('lets a topic go when the other has been silent for idleMs, or has fallen behind by more than maxHoldMs', () => {
    const idle = new PartitionMerge<string>(0, options);
    idle.push('feedback', [entry('feedback', 0, 1_000), entry('feedback', 1, 2_000)], 0);
    expect(idle.release(999)).toEqual([]);
    expect(order(idle.release(1_000))).toEqual(['f0', 'f1']);

    const stalled = new PartitionMerge<string>(0, options);
    stalled.push('exposures', [entry('exposures', 0, 0)], 0);
    stalled.push('feedback', [entry('feedback', 0, 1_000), entry('feedback', 1, 61_001)], 0);
    // e0 goes first (earliest); f0 is 60.001 s behind the newest feedback: released; f1 waits for exposures or idleness.
    expect(order(stalled.release(500))).toEqual(['e0', 'f0']);
    expect(stalled.nextOffset('feedback')).toBe(1);
  });

  it('passes messages with nothing to order (dead letters) at once and ignores offsets queued before', () => {
    const merge = new PartitionMerge<string>(0, options);
    merge.push('feedback', [entry('feedback', 4, null), entry('feedback', 5, 9_000)], 0);
    merge.push('feedback', [entry('feedback', 5, 9_000)], 0);
    expect(order(merge.release(1))).toEqual(['f4']);
    expect(order(merge.release(1, true))).toEqual(['f5']);
    expect(merge.nextOffset('feedback')).toBe(6);
    expect(merge.nextOffset('exposures')).toBeUndefined();
  });
});
