import { randomUUID } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import {
  createKafka,
  databaseLifecycleProvider,
  DeadLetterOutbox,
  ensureTopics,
  exitOnFatal,
  JsonLogger,
  OffsetsOfRecordTransport,
  retentionSweeperProvider,
  RuntimeOpsController,
  SERVICE_HEALTH,
  serviceProviders,
} from '@chorus/platform';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { ApplyWorkerClient } from './consumers/apply-worker.client';
import { CatalogueChangeConsumer } from './consumers/catalogue-change.consumer';
import { FeedbackIngestService } from './consumers/feedback-ingest.service';
import { FeedbackController } from './consumers/feedback.controller';
import { LearnerHealth } from './learner.health';
import { LEARNER_CONFIG, loadLearnerConfig, type LearnerConfig } from './learner.config';
import { LEARNER_TOPICS, learnerTopics, type LearnerTopics } from './learner.topics';
import { LearnerRetention } from './learner.retention';
import { LearnerStateRepository } from './persistence/learner-state.repository';
import { learnerRetentionPolicies } from './persistence/retention.policy';

/**
 * The learner: chorus.feedback.v1 on the offsets-of-record transport (FeedbackController → FeedbackIngestService → the
 * apply worker), the catalogue-change consumer, and the ops routes. Start it with {@link startHybridService} on
 * {@link OffsetsOfRecordTransport}.
 */
@Module({})
export class LearnerModule {
  /** `config` defaults to the environment; tests and benchmarks pass their own, and may collect fatal errors instead of exiting. */
  static register(config: LearnerConfig = loadLearnerConfig(), onFatal?: (error: Error) => void): DynamicModule {
    const logger = new JsonLogger('learner', config.LOG_LEVEL);
    return {
      module: LearnerModule,
      controllers: [RuntimeOpsController, FeedbackController],
      providers: [
        { provide: LEARNER_CONFIG, useValue: config },
        { provide: LEARNER_TOPICS, useValue: learnerTopics(config.KAFKA_TOPIC_PREFIX) },
        ...serviceProviders({ service: 'learner', config }, logger),
        {
          provide: Kafka,
          // Topics exist before anything subscribes (the broker does not create them).
          useFactory: async () => {
            const kafka = createKafka(`chorus-learner-${randomUUID().slice(0, 8)}`, config.KAFKA_BROKERS, logger);
            const admin = kafka.admin();
            await admin.connect();
            try {
              await ensureTopics(admin, { partitions: config.FEEDBACK_PARTITIONS, prefix: config.KAFKA_TOPIC_PREFIX });
            } finally {
              await admin.disconnect();
            }
            return kafka;
          },
        },
        {
          provide: LearnerStateRepository,
          inject: [DataSource, LEARNER_TOPICS],
          useFactory: (db: DataSource, topics: LearnerTopics) => new LearnerStateRepository(db, config.LEARNER_GROUP_ID, topics.feedback),
        },
        ApplyWorkerClient,
        FeedbackIngestService,
        CatalogueChangeConsumer,
        {
          provide: OffsetsOfRecordTransport,
          inject: [Kafka, DataSource, FeedbackIngestService, LEARNER_TOPICS],
          useFactory: (kafka: Kafka, db: DataSource, ingest: FeedbackIngestService, topics: LearnerTopics) =>
            new OffsetsOfRecordTransport({
              name: 'learner feedback',
              kafka,
              groupId: config.LEARNER_GROUP_ID,
              topics: { feedback: topics.feedback },
              sessionTimeoutMs: config.LEARNER_SESSION_TIMEOUT_MS,
              offsetsOfRecord: ingest,
              deadLetters: { outbox: new DeadLetterOutbox(db, config.LEARNER_GROUP_ID), topic: topics.feedbackDlq },
              log: logger.child('feedback-transport'),
              onFatal: onFatal ?? exitOnFatal(logger, 'learner'),
            }),
        },
        retentionSweeperProvider((db) => learnerRetentionPolicies(db, config), {
          intervalMs: config.LEARNER_RETENTION_INTERVAL_MS,
          batchSize: config.LEARNER_RETENTION_BATCH_SIZE,
          log: logger.child('retention'),
          metric: 'learner_retention_deleted_rows_total',
        }),
        LearnerRetention,
        LearnerHealth,
        { provide: SERVICE_HEALTH, useExisting: LearnerHealth },
        databaseLifecycleProvider(),
      ],
    };
  }
}
