import type { KafkaMessage } from 'kafkajs';

/** A topic-partition's next offset to consume, as a service committed it to Postgres. */
export interface CommittedOffset {
  topic: string;
  partition: number;
  nextOffset: number;
}

/** What the transport hears from the service after the fact: commits to follow in Kafka, and failures it cannot recover. */
export interface OffsetsOfRecordListener {
  /**
   * These offsets were committed to Postgres (with the state and any dead letters of the same transaction). Kafka's
   * committed offsets follow them; when `deadLetters` is true the outbox is relayed.
   */
  committed(offsets: readonly CommittedOffset[], deadLetters: boolean): void;
  /**
   * The service cannot go on as it is. A {@link PartitionFencedError} is recovered while it can be a previous owner's
   * stale commit (the transport calls {@link OffsetsOfRecord.reload} and seeks to the stored offsets again: see
   * `STALE_FENCES_PER_PARTITION`); any other error, or a fence after this member reloaded and committed the
   * partition, stops the transport and is reported as fatal. A service reports a fence once and then holds still
   * (applies and commits nothing) until it is reloaded.
   */
  fatal(error: Error): void;
}

/**
 * The port a service gives the offsets-of-record transport: where its offsets of record are, and how it lets go of
 * its partitions. State and offsets are committed by the service, in one Postgres transaction; the transport only
 * seeks, delivers, and lets Kafka follow.
 */
export interface OffsetsOfRecord {
  /** The stored resume point of a topic-partition (0 when nothing was ever committed). Read on every group join. */
  storedNextOffset(topic: string, partition: number): Promise<number>;
  /**
   * A group join: partitions may have moved. Commit what was applied and forget every partition's state. Runs before
   * the seeks and before any batch of the new generation. A fence here is no failure (this member is letting go, and
   * every partition it keeps is reloaded next): forget, report nothing.
   */
  release(): Promise<void>;
  /**
   * After a fence: forget everything held, uncommitted work included (it was built on a stale state), commit nothing.
   * The transport then asks {@link storedNextOffset} again for every owned partition and refetches from there.
   */
  reload(): Promise<void>;
  /** Shutdown, after fetching stopped and the last batch was delivered: commit everything applied, nothing more. */
  drain(): Promise<void>;
  /** Called once, before the first batch: where to report commits and fatal failures. */
  attach(listener: OffsetsOfRecordListener): void;
}

/**
 * What an `@EventPattern(key)` handler receives: one fetched batch of one topic-partition, in offset order. `messages`
 * is kafkajs's own array (not copied). The handler returns once the batch is handed over (applied, or queued for a
 * worker); a rejection means nothing of it was taken, and is retried when the failure is infrastructure's.
 */
export interface TopicBatch {
  /** The subscription key the handler declared (`@EventPattern(key)`), and the topic's real name. */
  key: string;
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** Offsets between the stored position and this batch that the log no longer holds (retention): counted, logged. */
  missing: number;
  /** Keeps this member in the group during a long handler. */
  heartbeat(): Promise<void>;
}
