import { topicName } from '@chorus/contracts';
import { CONSUMER_MAX_WAIT_MS } from '@chorus/platform';
import type { Consumer, Kafka } from 'kafkajs';

/**
 * Follows chorus.items.v1 so an item whose categories change is re-read from Postgres on its next use. Every learner
 * instance needs every change, so each instance uses its own group and starts at the end of the log.
 */
export class CatalogueChangeConsumer {
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly prefix: string,
    instanceId: string,
    private readonly onChanged: (itemIds: string[]) => void,
  ) {
    this.consumer = kafka.consumer({ groupId: `chorus-learner-catalogue-${instanceId}`, sessionTimeout: 30_000, maxWaitTimeInMs: CONSUMER_MAX_WAIT_MS });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: topicName('items', this.prefix), fromBeginning: false });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        this.onChanged(batch.messages.flatMap((m) => (m.key ? [m.key.toString('utf8')] : [])));
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
