import type { ContextLogger } from '../logging/json-logger';

/**
 * Where each topic-partition's next batch should start: the offset of record stored with a consumer's state (set when
 * it adopts the partition and seeks there), then each batch's end. A batch that starts later than that skipped offsets
 * the log no longer holds (retention deleted them, or they were never fetched): `advance` says how many.
 */
export class LogPositions {
  private readonly next = new Map<string, number>();

  /** Forget every partition (after a group join: the assignment may have changed). */
  clear(): void {
    this.next.clear();
  }

  /** The partition's offset of record, where the consumer has just sought to. */
  start(topic: string, partition: number, offset: number): void {
    this.next.set(key(topic, partition), offset);
  }

  /** Record a batch [firstOffset, lastOffset]; returns how many offsets before it were skipped (0 when none). */
  advance(topic: string, partition: number, firstOffset: number, lastOffset: number): number {
    const k = key(topic, partition);
    const expected = this.next.get(k);
    this.next.set(k, lastOffset + 1);
    return expected === undefined || firstOffset <= expected ? 0 : firstOffset - expected;
  }

  /** {@link advance} for a fetched batch; a gap is logged as an error and its size returned (for the caller's metric). */
  advanceBatch(batch: { topic: string; partition: number; messages: readonly { offset: string }[]; lastOffset(): string }, log: ContextLogger): number {
    const firstOffset = Number(batch.messages[0]!.offset);
    const missing = this.advance(batch.topic, batch.partition, firstOffset, Number(batch.lastOffset()));
    if (missing > 0) {
      log.error('offsets between the stored position and the log start are gone (retention); continuing from the log start', {
        topic: batch.topic,
        partition: batch.partition,
        storedOffset: firstOffset - missing,
        logOffset: firstOffset,
        missing,
      });
    }
    return missing;
  }
}

const key = (topic: string, partition: number) => `${topic}|${partition}`;
