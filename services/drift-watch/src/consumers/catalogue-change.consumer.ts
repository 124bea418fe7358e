import { topicName } from '@chorus/contracts';
import { CONSUMER_MAX_WAIT_MS } from '@chorus/platform';
import type { Consumer, Kafka } from 'kafkajs';
import type { ItemCatalogue } from '../engine/item-catalogue';

/**
 * Follows chorus.items.v1 so an item whose categories or stance change is re-read from Postgres on its next use (and
 * the domain's vocabulary and catalogue size with it). Every instance needs every change, so each uses its own group
 * and starts at the end of the log.
 */
export class CatalogueChangeConsumer {
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly prefix: string,
    instanceId: string,
    private readonly catalogue: ItemCatalogue,
  ) {
    this.consumer = kafka.consumer({ groupId: `chorus-drift-watch-catalogue-${instanceId}`, sessionTimeout: 30_000, maxWaitTimeInMs: CONSUMER_MAX_WAIT_MS });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: topicName('items', this.prefix), fromBeginning: false });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key) this.catalogue.evict(message.key.toString('utf8'));
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
