import { randomUUID } from 'node:crypto';
import { createKafka, ensureTopics, type JsonLogger, ModelPriors, PersonalizedScorer, type Probe, probes, RerankQueue, RetentionSweeper, RewardModelsRepository } from '@chorus/platform';
import { Redis } from 'ioredis';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { CalibratedListsRepository } from './persistence/calibrated-lists.repository';
import { rerankerRetentionPolicies } from './persistence/retention.policy';
import { RerankProcessor } from './processors/rerank.processor';
import type { RerankerConfig } from './reranker.config';
import { CalibrateUserUseCase } from './usecases/calibrate-user.usecase';
import { FanOutRerankUseCase } from './usecases/fan-out-rerank.usecase';

/** Wires the reranker's parts; the Nest module, the benchmark and tests all start the reranker through this. */
export class RerankerRuntime {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  /** Blocking worker connection: BullMQ requires maxRetriesPerRequest null for workers. */
  readonly workerConnection: Redis;
  readonly queue: RerankQueue;
  readonly processor: RerankProcessor;
  readonly calibrate: CalibrateUserUseCase;
  /** Deletes published, superseded calibrated lists older than RERANK_LIST_RETENTION_DAYS. */
  readonly retention: RetentionSweeper;

  constructor(
    readonly config: RerankerConfig,
    readonly db: DataSource,
    private readonly logger: JsonLogger,
    registry: Registry,
  ) {
    this.kafka = createKafka(`chorus-reranker-${randomUUID().slice(0, 8)}`, config.KAFKA_BROKERS, logger);
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    const models = new RewardModelsRepository(db);
    const scorer = new PersonalizedScorer(models, new ModelPriors(config), config.RERANK_MODEL_CACHE_SECONDS * 1000);
    this.queue = RerankQueue.fromConfig(config, models);
    this.workerConnection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    this.calibrate = new CalibrateUserUseCase(scorer, new CalibratedListsRepository(db), this.producer, config.KAFKA_TOPIC_PREFIX, {
      lambda: config.RERANK_LAMBDA,
      n: config.RERANK_LIST_SIZE,
      candidates: config.RERANK_CANDIDATES,
      alpha: config.RERANK_ALPHA,
      priorWeight: config.RERANK_PRIOR_WEIGHT,
      calibrateTo: config.RERANK_CALIBRATE_TO,
    });
    this.processor = new RerankProcessor(
      this.workerConnection,
      {
        prefix: config.RERANK_QUEUE_PREFIX,
        concurrency: config.RERANK_CONCURRENCY,
        lockDurationMs: config.RERANK_LOCK_DURATION_MS,
        stalledIntervalMs: config.RERANK_STALLED_INTERVAL_MS,
        delayBeforeStoreMs: config.RERANK_JOB_DELAY_MS,
      },
      this.calibrate,
      new FanOutRerankUseCase(models, this.queue),
      logger.child('rerank-processor'),
      registry,
    );
    this.retention = new RetentionSweeper(rerankerRetentionPolicies(db, config), {
      intervalMs: config.RERANK_RETENTION_INTERVAL_MS,
      batchSize: config.RERANK_RETENTION_BATCH_SIZE,
      log: logger.child('retention'),
      registry,
      metric: 'reranker_retention_deleted_rows_total',
    });
  }

  healthProbes(): Record<string, Probe> {
    return { kafka: probes.kafka(this.admin), postgres: probes.postgres(this.db), redis: probes.redis(this.workerConnection) };
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await ensureTopics(this.admin, { partitions: this.config.FEEDBACK_PARTITIONS, prefix: this.config.KAFKA_TOPIC_PREFIX });
    await this.producer.connect();
    const syncSchedules = () => this.queue.syncSchedules(this.config.RERANK_SCHEDULE_DOMAINS, this.config.RERANK_SCHEDULE_EVERY_SECONDS * 1000);
    const schedules = await syncSchedules();
    // Schedules live only in Redis: a Redis restarted without its data would otherwise stop them until our restart.
    this.queue.onReconnect(() =>
      void syncSchedules().catch((error: Error) => this.logger.write('warn', 'restoring the rerank schedules after a Redis reconnect failed; restart the reranker', { error: error.message })),
    );
    this.processor.start();
    await this.processor.waitUntilReady();
    this.retention.start();
    this.logger.write('info', 'rerank worker started', {
      queue: 'rerank',
      prefix: this.config.RERANK_QUEUE_PREFIX,
      concurrency: this.config.RERANK_CONCURRENCY,
      schedules,
    });
  }

  /** Graceful: the worker finishes its active jobs before the connections close. */
  async stop(): Promise<void> {
    await this.retention.stop();
    await this.processor.stop();
    await Promise.allSettled([this.queue.close(), this.producer.disconnect(), this.admin.disconnect()]);
    await this.workerConnection.quit().catch(() => undefined);
  }
}
