import { DomainError, withDeadline } from '@chorus/platform';
import type { Admin } from 'kafkajs';

/** What the lag read needs of the broker: a group's committed offsets and a topic's watermarks. */
export type KafkaOffsetsPort = Pick<Admin, 'fetchOffsets' | 'fetchTopicOffsets'>;

/** A consumer group and one topic it consumes. */
export interface LagSubject {
  group: string;
  topic: string;
}

export interface ConsumerLag {
  observedAt: string;
  groups: {
    group: string;
    topic: string;
    totalLag: number;
    partitions: { partition: number; endOffset: string; committedOffset: string | null; lag: number }[];
  }[];
}

/**
 * Lag per partition of the services' consumer groups, from Kafka's admin API: the high watermark minus the group's
 * committed offset (the learner and drift-watch commit to Kafka after each Postgres commit, so this trails the offsets
 * of record by at most one commit). A page view must not hammer the broker: one answer is shared by every caller for
 * `cacheMs`, concurrent callers wait for the same request, and a broker that does not answer within `timeoutMs` is
 * KAFKA.UNAVAILABLE (503) rather than a hung request, as is a broker that refuses. A failed read is not cached.
 */
export class ConsumerLagUseCase {
  private cached?: { at: number; lag: ConsumerLag };
  private inFlight?: Promise<ConsumerLag>;

  constructor(
    private readonly admin: KafkaOffsetsPort,
    private readonly subjects: readonly LagSubject[],
    private readonly options: { cacheMs: number; timeoutMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  async lag(): Promise<ConsumerLag> {
    if (this.cached && this.now() - this.cached.at < this.options.cacheMs) return this.cached.lag;
    this.inFlight ??= this.withTimeout(
      this.read().catch((error: Error) => {
        throw new DomainError('KAFKA.UNAVAILABLE', `the broker could not be asked for offsets (${error.message}), so consumer lag is unknown; retry shortly`);
      }),
    ).then(
      (lag) => {
        this.cached = { at: this.now(), lag };
        this.inFlight = undefined;
        return lag;
      },
      (error: unknown) => {
        this.inFlight = undefined;
        throw error;
      },
    );
    return this.inFlight;
  }

  private async read(): Promise<ConsumerLag> {
    const topics = [...new Set(this.subjects.map((s) => s.topic))];
    const watermarks = new Map(await Promise.all(topics.map(async (topic) => [topic, await this.admin.fetchTopicOffsets(topic)] as const)));
    const groups = await Promise.all(
      this.subjects.map(async ({ group, topic }) => {
        const [committed] = await this.admin.fetchOffsets({ groupId: group, topics: [topic] });
        const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, p.offset]));
        const partitions = watermarks
          .get(topic)!
          .map(({ partition, high, low }) => {
            const offset = byPartition.get(partition);
            const committedOffset = offset === undefined || Number(offset) < 0 ? null : offset;
            return { partition, endOffset: high, committedOffset, lag: Math.max(0, Number(high) - Number(committedOffset ?? low)) };
          })
          .sort((a, b) => a.partition - b.partition);
        return { group, topic, totalLag: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
      }),
    );
    return { observedAt: new Date(this.now()).toISOString(), groups };
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    return withDeadline(
      work,
      this.options.timeoutMs,
      () => new DomainError('KAFKA.UNAVAILABLE', `the broker did not answer within ${this.options.timeoutMs} ms, so consumer lag is unknown; retry shortly`),
    );
  }
}
