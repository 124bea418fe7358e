import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONSUMER_MAX_WAIT_MS } from '@chorus/platform';
import { Kafka, type Consumer } from 'kafkajs';
import { LEARNER_TOPICS, type LearnerTopics } from '../learner.topics';
import { FeedbackIngestService } from './feedback-ingest.service';

/**
 * Follows chorus.items.v1 so an item whose categories change is re-read from Postgres on its next use. Every learner
 * instance needs every change, so each instance uses its own group and starts at the end of the log. No offsets of
 * record: a missed change costs only a stale cache entry until the item is evicted, so this is a plain consumer.
 */
@Injectable()
export class CatalogueChangeConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    @Inject(LEARNER_TOPICS) private readonly topics: LearnerTopics,
    private readonly ingest: FeedbackIngestService,
  ) {
    this.consumer = kafka.consumer({ groupId: `chorus-learner-catalogue-${randomUUID()}`, sessionTimeout: 30_000, maxWaitTimeInMs: CONSUMER_MAX_WAIT_MS });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topics.items, fromBeginning: false });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        this.ingest.evictItems(batch.messages.flatMap((m) => (m.key ? [m.key.toString('utf8')] : [])));
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.disconnect();
  }
}
