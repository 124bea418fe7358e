import { randomUUID } from 'node:crypto';
import { DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { BullModule, Processor } from '@nestjs/bullmq';
import { createKafka, databaseLifecycleProvider, ensureTopics, JsonLogger, KafkaProducerClient, producerClientModule, RERANK_QUEUE, RerankQueue, retentionSweeperProvider, probes, RuntimeOpsController, serviceHealthProvider, serviceProviders } from '@chorus/platform';
import { ModelPriors, PersonalizedScorer, RewardModelsRepository } from '@chorus/scoring';
import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { CalibratedListsRepository } from './persistence/calibrated-lists.repository';
import { rerankerRetentionPolicies } from './persistence/retention.policy';
import { RerankProcessor } from './processors/rerank.processor';
import { loadRerankerConfig, RERANKER_CONFIG, type RerankerConfig } from './reranker.config';
import { RerankerLifecycle } from './reranker.lifecycle';
import { KAFKA_ADMIN, KAFKA_PRODUCER, WORKER_REDIS } from './reranker.tokens';
import { CalibrateBatchUseCase } from './usecases/calibrate-batch.usecase';
import { CalibrateUserUseCase, type CalibrationSettings } from './usecases/calibrate-user.usecase';
import { FanOutRerankUseCase } from './usecases/fan-out-rerank.usecase';

/**
 * The rerank processor class for this configuration: `@Processor`'s worker options are metadata read when Nest's BullMQ
 * explorer creates the Worker, and concurrency, lock duration and stalled interval are configuration, so the decorator
 * is applied here rather than at the class. `autorun: false`: the lifecycle runs the worker once Kafka is connected, so
 * no job is taken before its completion event can be sent.
 */
function configuredProcessor(config: RerankerConfig): Type<RerankProcessor> {
  @Processor(RERANK_QUEUE, {
    autorun: false,
    concurrency: config.RERANK_CONCURRENCY,
    lockDuration: config.RERANK_LOCK_DURATION_MS,
    stalledInterval: config.RERANK_STALLED_INTERVAL_MS,
    maxStalledCount: 1,
  })
  class ConfiguredRerankProcessor extends RerankProcessor {}
  return ConfiguredRerankProcessor;
}

@Module({})
export class RerankerModule {
  /** `config` defaults to the environment; tests and benchmarks pass their own. */
  static register(config: RerankerConfig = loadRerankerConfig()): DynamicModule {
    const logger = new JsonLogger('reranker', config.LOG_LEVEL);
    const settings: CalibrationSettings = {
      lambda: config.RERANK_LAMBDA,
      n: config.RERANK_LIST_SIZE,
      candidates: config.RERANK_CANDIDATES,
      alpha: config.RERANK_ALPHA,
      priorWeight: config.RERANK_PRIOR_WEIGHT,
      calibrateTo: config.RERANK_CALIBRATE_TO,
    };
    // The worker's blocking connection (BullMQ requires maxRetriesPerRequest null for workers); connected by BullMQ,
    // closed by the lifecycle after the worker.
    const workerRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
    const Configured = configuredProcessor(config);
    const clientId = `chorus-reranker-${randomUUID().slice(0, 8)}`;
    const providers: Provider[] = [
      { provide: RERANKER_CONFIG, useValue: config },
      // Each concurrent job holds at most one connection at a time; a little headroom for health checks.
      ...serviceProviders({ service: 'reranker', config, poolSize: config.RERANK_CONCURRENCY + 2 }, logger),
      { provide: WORKER_REDIS, useValue: workerRedis },
      {
        provide: KAFKA_ADMIN,
        useFactory: async (): Promise<Admin> => {
          const admin = createKafka(clientId, config.KAFKA_BROKERS, logger).admin();
          await admin.connect();
          await ensureTopics(admin, { partitions: config.FEEDBACK_PARTITIONS, prefix: config.KAFKA_TOPIC_PREFIX });
          return admin;
        },
      },
      { provide: RewardModelsRepository, inject: [DataSource], useFactory: (db: DataSource) => new RewardModelsRepository(db) },
      {
        provide: PersonalizedScorer,
        inject: [RewardModelsRepository],
        useFactory: (models: RewardModelsRepository) => new PersonalizedScorer(models, new ModelPriors(config), config.RERANK_MODEL_CACHE_SECONDS * 1000),
      },
      { provide: RerankQueue, inject: [RewardModelsRepository], useFactory: (models: RewardModelsRepository) => RerankQueue.fromConfig(config, models) },
      { provide: CalibratedListsRepository, inject: [DataSource], useFactory: (db: DataSource) => new CalibratedListsRepository(db) },
      {
        provide: CalibrateUserUseCase,
        inject: [PersonalizedScorer, CalibratedListsRepository, KAFKA_PRODUCER],
        useFactory: (scorer: PersonalizedScorer, lists: CalibratedListsRepository, producer: KafkaProducerClient) => new CalibrateUserUseCase(scorer, lists, producer, settings),
      },
      {
        provide: CalibrateBatchUseCase,
        inject: [PersonalizedScorer, CalibratedListsRepository, KAFKA_PRODUCER, Registry],
        useFactory: (scorer: PersonalizedScorer, lists: CalibratedListsRepository, producer: KafkaProducerClient, registry: Registry) => {
          const phases = new Histogram({
            name: 'reranker_batch_phase_seconds',
            help: 'Time a rerank-batch job spends in each step (find-stored, score, greedy, store, publish)',
            labelNames: ['phase'],
            buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
            registers: [registry],
          });
          return new CalibrateBatchUseCase(scorer, lists, producer, settings, (phase) => phases.startTimer({ phase }));
        },
      },
      {
        provide: FanOutRerankUseCase,
        inject: [RewardModelsRepository, RerankQueue],
        useFactory: (models: RewardModelsRepository, queue: RerankQueue) => new FanOutRerankUseCase(models, queue, config.RERANK_BATCH_SIZE),
      },
      {
        provide: RerankProcessor,
        inject: [CalibrateUserUseCase, FanOutRerankUseCase, CalibrateBatchUseCase, Registry],
        useFactory: (calibrate: CalibrateUserUseCase, fanOut: FanOutRerankUseCase, calibrateBatch: CalibrateBatchUseCase, registry: Registry) =>
          new Configured(calibrate, fanOut, calibrateBatch, logger.child('rerank-processor'), registry, config.RERANK_JOB_DELAY_MS),
      },
      retentionSweeperProvider((db) => rerankerRetentionPolicies(db, config), {
        intervalMs: config.RERANK_RETENTION_INTERVAL_MS,
        batchSize: config.RERANK_RETENTION_BATCH_SIZE,
        log: logger.child('retention'),
        metric: 'reranker_retention_deleted_rows_total',
      }),
      RerankerLifecycle,
      // /health: the broker, Postgres and the worker's Redis.
      serviceHealthProvider([KAFKA_ADMIN, DataSource, WORKER_REDIS], (admin: Admin, db: DataSource, redis: Redis) => ({
        kafka: probes.kafka(admin),
        postgres: probes.postgres(db),
        redis: probes.redis(redis),
      })),
      databaseLifecycleProvider(),
    ];
    return {
      module: RerankerModule,
      // registerQueue brings Nest's BullMQ explorer, which creates the Worker of every @Processor provider.
      imports: [
        // chorus.rerank-completed.v1 goes out through the producer client (@nestjs/microservices); the lifecycle connects it.
        producerClientModule(KAFKA_PRODUCER, { clientId, brokers: config.KAFKA_BROKERS, prefix: config.KAFKA_TOPIC_PREFIX, logger }),
        BullModule.forRoot({ connection: workerRedis, prefix: config.RERANK_QUEUE_PREFIX }), BullModule.registerQueue({ name: RERANK_QUEUE }),
      ],
      controllers: [RuntimeOpsController],
      providers,
      exports: [RerankQueue],
    };
  }
}
