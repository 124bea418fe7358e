import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { CONSUMER_MAX_WAIT_MS } from './kafka-client';

/**
 * Follows chorus.items.v1 so a service re-reads a changed item from Postgres on its next use. Every instance needs
 * every change, so each uses a group of its own (`<groupPrefix>-<uuid>`) and starts at the end of the log. No offsets
 * of record: a missed change costs only a stale cache entry until it is evicted, so this is a plain consumer. The one
 * catalogue-change consumer of the services (learner, drift-watch).
 */
export class CatalogueChanges {
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    groupPrefix: string,
    /** The ids (message keys) of the items that changed in one fetched batch. */
    private readonly evict: (itemIds: string[]) => void,
  ) {
    this.consumer = kafka.consumer({ groupId: `${groupPrefix}-${randomUUID()}`, sessionTimeout: 30_000, maxWaitTimeInMs: CONSUMER_MAX_WAIT_MS });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await this.consumer.run({
      eachBatch: async ({ batch }) => this.evict(batch.messages.flatMap((m) => (m.key ? [m.key.toString('utf8')] : []))),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
