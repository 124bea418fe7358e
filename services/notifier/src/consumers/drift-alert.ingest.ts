import { isolatePoison, retryOnInfrastructure, type ContextLogger, type OffsetsOfRecord, type OffsetsOfRecordListener, type TopicBatch } from '@chorus/platform';
import type { Admin } from 'kafkajs';
import type { Counter } from 'prom-client';
import type { AlertMessage, RecordAlertsUseCase, RecordOutcome } from '../usecases/record-alerts.usecase';

const CHUNK = 500;

/**
 * The notifier's side of the offsets-of-record transport for chorus.drift-alerts.v1. Each chunk of a batch is stored
 * (alerts, deliveries and the chunk's dead letters: one transaction) and dispatched before the handler moves on, and
 * each stored chunk is reported to the transport: Kafka's committed offset follows it and the dead-letter outbox is
 * relayed. Nothing is held in memory between chunks, so a group join and a drain have nothing to commit.
 *
 * The offsets of record are Kafka's committed offsets: a replay of stored alerts is a no-op (alerts are unique by
 * alertId, deliveries are created only with an alert's first insert, letters only with the transaction that passes
 * their message), so the notifier needs no offsets in Postgres and resuming from Kafka's offset loses nothing.
 *
 * No single message stops it: when storing a chunk fails because of a message (a value Postgres refuses), the chunk is
 * stored again in halves until that message is alone, and it is dead-lettered (ALERT.UNSTORABLE); replaying the others
 * is a no-op for those already stored. Infrastructure failures are retried with capped exponential backoff.
 */
export class DriftAlertIngest implements OffsetsOfRecord {
  private transport?: OffsetsOfRecordListener;

  constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly usecase: RecordAlertsUseCase,
    private readonly log: ContextLogger,
    private readonly messages: Counter<'outcome'>,
  ) {}

  attach(transport: OffsetsOfRecordListener): void {
    this.transport = transport;
  }

  /** Kafka's committed offset of the group (0 on its first start: alerts raised before the notifier existed are stored too). */
  async storedNextOffset(topic: string, partition: number): Promise<number> {
    const [offsets] = await this.admin.fetchOffsets({ groupId: this.groupId, topics: [topic] });
    const offset = Number(offsets?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
    return offset < 0 ? 0 : offset;
  }

  async release(): Promise<void> {}
  async reload(): Promise<void> {}
  async drain(): Promise<void> {}

  /** A batch of drift alerts: stored chunk by chunk, each reported to the transport once committed. */
  async apply(batch: TopicBatch): Promise<void> {
    for (let i = 0; i < batch.messages.length; i += CHUNK) {
      const chunk = batch.messages.slice(i, i + CHUNK);
      const messages = chunk.map((m) => ({ partition: batch.partition, offset: m.offset, key: m.key?.toString('utf8') ?? null, value: m.value?.toString('utf8') ?? null }));
      const outcome = await retryOnInfrastructure(() => this.store(messages), { what: 'storing drift alerts', log: this.log });
      this.messages.inc({ outcome: 'stored' }, outcome.stored);
      this.messages.inc({ outcome: 'duplicate' }, outcome.duplicates);
      this.messages.inc({ outcome: 'dead_lettered' }, outcome.deadLetters.length);
      this.transport?.committed([{ topic: batch.topic, partition: batch.partition, nextOffset: Number(chunk[chunk.length - 1]!.offset) + 1 }], outcome.deadLetters.length > 0);
      await batch.heartbeat();
    }
  }

  /** Store a chunk, isolating any message Postgres refuses (isolatePoison); each attempt is one transaction. */
  private async store(messages: AlertMessage[]): Promise<{ stored: number; duplicates: number; deadLetters: RecordOutcome['deadLetters'] }> {
    const total = { stored: 0, duplicates: 0, deadLetters: [] as RecordOutcome['deadLetters'] };
    await isolatePoison(messages, {
      attempt: async (group) => {
        const outcome = await this.usecase.record([...group]);
        total.stored += outcome.stored.length;
        total.duplicates += outcome.duplicates;
        total.deadLetters.push(...outcome.deadLetters);
      },
      quarantine: async (message, error) => void total.deadLetters.push(await this.usecase.refuse(message, error)),
    });
    return total;
  }
}
