import { randomUUID } from 'node:crypto';
import { topicName } from '@chorus/contracts';
import { createKafka, ensureTopics, JsonLogger, ModelPriors } from '@chorus/platform';
import type { Admin, Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { CatalogueChangeConsumer } from './consumers/catalogue-change.consumer';
import { FeedbackConsumer } from './consumers/feedback.consumer';
import type { LearnerConfig } from './learner.config';
import { CatalogueRepository } from './persistence/catalogue.repository';
import { LearnerStateRepository } from './persistence/learner-state.repository';
import { ApplyFeedbackUseCase } from './usecases/apply-feedback.usecase';
import { ItemCatalogue } from './usecases/item-catalogue';
import { LearnerState } from './usecases/learner-state';

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
    const topic = topicName('feedback', config.KAFKA_TOPIC_PREFIX);
    const priors = new ModelPriors(config);
    const state = new LearnerState(priors, config.LEARNER_USER_CACHE_SIZE);
    const catalogue = new ItemCatalogue(new CatalogueRepository(db));
    this.repository = new LearnerStateRepository(db, config.LEARNER_GROUP_ID, topic);
    const usecase = new ApplyFeedbackUseCase(state, catalogue, this.repository, {
      topic,
      consumer: config.LEARNER_GROUP_ID,
      dedupeWindow: config.LEARNER_DEDUPE_WINDOW,
      logPredictions: config.LEARNER_PREQUENTIAL_LOG,
    });
    this.feedback = new FeedbackConsumer(this.kafka, config, state, usecase, this.repository, logger.child('feedback-consumer'), registry, onFatal);
    this.catalogueChanges = new CatalogueChangeConsumer(this.kafka, config.KAFKA_TOPIC_PREFIX, randomUUID(), catalogue);
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await ensureTopics(this.admin, { partitions: this.config.FEEDBACK_PARTITIONS, prefix: this.config.KAFKA_TOPIC_PREFIX });
    await this.catalogueChanges.start();
    await this.feedback.start();
  }

  async stop(): Promise<void> {
    await this.feedback.stop();
    await this.catalogueChanges.stop();
    await this.admin.disconnect();
  }
}
