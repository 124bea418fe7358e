export type InputTopic = 'feedback' | 'exposures';

export interface MergeEntry<T> {
  topic: InputTopic;
  offset: number;
  /** Event time (ms); null for a message with nothing to order (it failed validation and is only an offset to pass). */
  at: number | null;
  payload: T | undefined;
}

const OTHER: Record<InputTopic, InputTopic> = { feedback: 'exposures', exposures: 'feedback' };

/**
 * Merges one partition's two input topics into a single stream in event-time order. Kafka hands the topics over as
 * separate batches, so one can be minutes or hours (during a catch-up) ahead of the other; applied in arrival order,
 * a served list would be compared with a consumption profile from the wrong time and a user would be gated at the
 * wrong moment. Messages wait here until they are the earliest of both queues and the other topic has shown it has
 * nothing earlier: it delivered a later event, or it has been silent for `idleMs` (wall clock: a topic with no
 * traffic, or the tail of a stream), or the waiting message is more than `maxHoldMs` (event time) behind the newest
 * message of its own topic (a stalled other topic must not make memory grow without bound).
 *
 * Offsets are committed only up to the first message still waiting, so waiting messages are redelivered after a crash.
 * Equal times release the served list first (a list is served before it is clicked).
 */
export class PartitionMerge<T> {
  private readonly queues: Record<InputTopic, MergeEntry<T>[]> = { feedback: [], exposures: [] };
  private readonly seenMax: Record<InputTopic, number> = { feedback: -Infinity, exposures: -Infinity };
  private readonly lastQueued: Record<InputTopic, number> = { feedback: -1, exposures: -1 };
  private readonly lastSeenWall: Record<InputTopic, number>;

  constructor(
    now: number,
    private readonly options: { idleMs: number; maxHoldMs: number },
  ) {
    // Both topics count as just seen: a topic whose first batch is a moment behind the other's must not lose order.
    this.lastSeenWall = { feedback: now, exposures: now };
  }

  /** Queues a topic's messages (in offset order); offsets already queued are ignored. */
  push(topic: InputTopic, entries: readonly MergeEntry<T>[], now: number): void {
    for (const entry of entries) {
      if (entry.offset <= this.lastQueued[topic]) continue;
      this.queues[topic].push(entry);
      this.lastQueued[topic] = entry.offset;
      if (entry.at !== null && entry.at > this.seenMax[topic]) this.seenMax[topic] = entry.at;
    }
    if (entries.length > 0) this.lastSeenWall[topic] = now;
  }

  /** Takes every message that may be applied now, in merged order; with `force`, everything queued. */
  release(now: number, force = false): MergeEntry<T>[] {
    const out: MergeEntry<T>[] = [];
    for (;;) {
      const f = this.queues.feedback[0];
      const e = this.queues.exposures[0];
      if (f && f.at === null) {
        out.push(this.queues.feedback.shift()!);
        continue;
      }
      if (e && e.at === null) {
        out.push(this.queues.exposures.shift()!);
        continue;
      }
      let pick: InputTopic;
      if (f && e) {
        pick = e.at! <= f.at! ? 'exposures' : 'feedback';
      } else if (f || e) {
        pick = f ? 'feedback' : 'exposures';
        const head = (f ?? e)!;
        const other = OTHER[pick];
        const ready =
          force ||
          this.seenMax[other] >= head.at! ||
          now - this.lastSeenWall[other] >= this.options.idleMs ||
          this.seenMax[pick] - head.at! > this.options.maxHoldMs;
        if (!ready) break;
      } else {
        break;
      }
      out.push(this.queues[pick].shift()!);
    }
    return out;
  }

  /** The offset to commit for a topic: the first message still waiting, or past the last one queued. */
  nextOffset(topic: InputTopic): number | undefined {
    const waiting = this.queues[topic][0];
    if (waiting) return waiting.offset;
    return this.lastQueued[topic] >= 0 ? this.lastQueued[topic] + 1 : undefined;
  }

  get waiting(): number {
    return this.queues.feedback.length + this.queues.exposures.length;
  }
}
