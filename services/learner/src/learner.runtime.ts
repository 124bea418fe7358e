import { randomUUID } from 'node:crypto';
import { topicName } from '@chorus/contracts';
import { createKafka, ensureTopics, JsonLogger, type Probe, probes } from '@chorus/platform';
import type { Admin, Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { CatalogueChangeConsumer } from './consumers/catalogue-change.consumer';
import { FeedbackConsumer } from './consumers/feedback.consumer';
import type { LearnerConfig } from './learner.config';
import { LearnerStateRepository } from './persistence/learner-state.repository';

/** Wires the learner's parts; the Nest module, the benchmark and tests all start the learner through this. */
export class LearnerRuntime {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly feedback: FeedbackConsumer;
  readonly repository: LearnerStateRepository;
  private readonly catalogueChanges: CatalogueChangeConsumer;

  constructor(
    readonly config: LearnerConfig,
    readonly db: DataSource,
    logger: JsonLogger,
    registry: Registry,
    onFatal: (error: Error) => void,
  ) {
    this.kafka = createKafka(`chorus-learner-${randomUUID().slice(0, 8)}`, config.KAFKA_BROKERS, logger);
    this.admin = this.kafka.admin();
    this.repository = new LearnerStateRepository(db, config.LEARNER_GROUP_ID, topicName('feedback', config.KAFKA_TOPIC_PREFIX));
    this.feedback = new FeedbackConsumer(this.kafka, config, this.repository, logger.child('feedback-consumer'), registry, onFatal);
    this.catalogueChanges = new CatalogueChangeConsumer(this.kafka, config.KAFKA_TOPIC_PREFIX, randomUUID(), (itemIds) => this.feedback.evictItems(itemIds));
  }

  healthProbes(): Record<string, Probe> {
    return { kafka: probes.kafka(this.admin), postgres: probes.postgres(this.db) };
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await ensureTopics(this.admin, { partitions: this.config.FEEDBACK_PARTITIONS, prefix: this.config.KAFKA_TOPIC_PREFIX });
    await this.feedback.start();
    await this.catalogueChanges.start();
  }

  async stop(): Promise<void> {
    await this.catalogueChanges.stop();
    await this.feedback.stop();
    await this.admin.disconnect();
  }
}
