import { randomUUID } from 'node:crypto';
import { DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { accessControlProviders, CoalescingEventClient, connectDatabase, createKafka, createMetricsRegistry, ensureTopics, HttpErrorFilter, JsonLogger, KafkaProducerClient, producerClientModule, RerankQueue, RetentionSweeper, retentionSweeperProvider, probes, RuntimeOpsController, serviceHealthProvider } from '@chorus/platform';
import { topicName } from '@chorus/contracts';
import { conditionDeviations, ModelPriors, PersonalizedScorer, RewardModelsRepository } from '@chorus/scoring';
import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { FeedbackController } from './controllers/feedback.controller';
import { ItemsController } from './controllers/items.controller';
import { DriftAdminController } from './controllers/drift-admin.controller';
import { DriftSegmentsController } from './controllers/drift-segments.controller';
import { ModelsController } from './controllers/models.controller';
import { OperationsController } from './controllers/operations.controller';
import { RerankAdminController } from './controllers/rerank-admin.controller';
import { GATEWAY_CONFIG, loadGatewayConfig, type GatewayConfig } from './gateway.config';
import { KAFKA_ADMIN, KAFKA_PRODUCER } from './gateway.tokens';
import { HttpMetricsInterceptor } from './http-metrics.interceptor';
import { ItemsRepository } from './persistence/items.repository';
import { ReliabilityRepository } from './persistence/reliability.repository';
import { CalibratedListsRepository } from './persistence/calibrated-lists.repository';
import { DriftAlertsRepository } from './persistence/drift-alerts.repository';
import { DriftConfigRepository } from './persistence/drift-config.repository';
import { DriftSegmentsRepository } from './persistence/drift-segments.repository';
import { DriftSeriesRepository } from './persistence/drift-series.repository';
import { OperationsOverviewRepository } from './persistence/operations-overview.repository';
import { RerankRequestsRepository } from './persistence/rerank-requests.repository';
import { gatewayRetentionPolicies } from './persistence/retention.policy';
import { DriftAdminUseCase } from './usecases/drift-admin.usecase';
import { ConsumerLagUseCase } from './usecases/consumer-lag.usecase';
import { DriftSegmentsUseCase } from './usecases/drift-segments.usecase';
import { IngestFeedbackUseCase } from './usecases/ingest-feedback.usecase';
import { OperationsOverviewUseCase } from './usecases/operations-overview.usecase';
import { ReadModelsUseCase } from './usecases/read-models.usecase';
import { ReadReliabilityUseCase } from './usecases/read-reliability.usecase';
import { ReconcileRerankRequestsUseCase } from './usecases/reconcile-rerank-requests.usecase';
import { RequestRerankUseCase } from './usecases/request-rerank.usecase';
import { UpsertItemsUseCase } from './usecases/upsert-items.usecase';
import { UserListsUseCase } from './usecases/user-lists.usecase';

class GatewayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    @Inject(KAFKA_PRODUCER) private readonly producer: KafkaProducerClient,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(Redis) private readonly redis: Redis,
    @Inject(RerankQueue) private readonly rerankQueue: RerankQueue,
    @Inject(ReconcileRerankRequestsUseCase) private readonly reconciler: ReconcileRerankRequestsUseCase,
    @Inject(RetentionSweeper) private readonly retention: RetentionSweeper,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  /**
   * The producer connects before the HTTP server listens (no request waits for it). Operator rerank requests Redis lost
   * (or never got) are enqueued from Postgres: now, on every reconnect, periodically.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.producer.connect();
    const log = this.logger.child('rerank-reconciler');
    const reconcile = () => {
      if (this.stopping) return;
      void this.reconciler
        .reconcile(this.config.RERANK_KEEP_COMPLETED_SECONDS * 1000)
        .catch((error: Error) => log.warn('checking rerank requests against Redis failed; the next check retries', { error: error.message }));
    };
    reconcile();
    this.rerankQueue.onReconnect(reconcile);
    this.timer = setInterval(reconcile, this.config.GATEWAY_RERANK_RECONCILE_MS);
    this.retention.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.allSettled([this.retention.stop(), this.reconciler.idle()]);
    // The producer client is closed by ClientsModule.
    await Promise.allSettled([this.admin.disconnect(), this.rerankQueue.close()]);
    await Promise.allSettled([this.db.destroy(), this.redis.quit()]);
  }
}

@Module({})
export class GatewayModule {
  static register(config: GatewayConfig = loadGatewayConfig()): DynamicModule {
    const logger = new JsonLogger('gateway', config.LOG_LEVEL);
    const clientId = `chorus-gateway-${randomUUID().slice(0, 8)}`;
    const prefix = config.KAFKA_TOPIC_PREFIX;
    const access = accessControlProviders({
      policy: { metricsScope: config.METRICS_SCOPE },
      quotas: {
        windowMs: config.QUOTA_WINDOW_SECONDS * 1000,
        perKey: { ingest: config.GATEWAY_QUOTA_INGEST, read: config.GATEWAY_QUOTA_READ, admin: config.GATEWAY_QUOTA_ADMIN },
        keyLookupsPerAddress: config.QUOTA_KEY_LOOKUPS_PER_ADDRESS,
        prefix: `${config.QUOTA_REDIS_PREFIX}:gateway`,
      },
    });
    return {
      module: GatewayModule,
      // Feedback, exposures and catalogue changes go out through one producer client (@nestjs/microservices).
      imports: [producerClientModule(KAFKA_PRODUCER, { clientId, brokers: config.KAFKA_BROKERS, prefix, logger })],
      controllers: [FeedbackController, ItemsController, ModelsController, RuntimeOpsController, RerankAdminController, DriftAdminController, DriftSegmentsController, OperationsController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: logger },
        { provide: Registry, useFactory: () => createMetricsRegistry('gateway') },
        { provide: DataSource, useFactory: () => connectDatabase(config.DATABASE_URL, { applicationName: 'chorus-gateway' }) },
        { provide: Redis, useFactory: () => new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 }) },
        {
          provide: KAFKA_ADMIN,
          useFactory: async () => {
            const admin = createKafka(clientId, config.KAFKA_BROKERS, logger).admin();
            await admin.connect();
            await ensureTopics(admin, { partitions: config.FEEDBACK_PARTITIONS, prefix });
            return admin;
          },
        },
        { provide: ItemsRepository, inject: [DataSource], useFactory: (db: DataSource) => new ItemsRepository(db) },
        { provide: RewardModelsRepository, inject: [DataSource], useFactory: (db: DataSource) => new RewardModelsRepository(db) },
        { provide: CalibratedListsRepository, inject: [DataSource], useFactory: (db: DataSource) => new CalibratedListsRepository(db) },
        {
          provide: PersonalizedScorer,
          inject: [RewardModelsRepository],
          useFactory: (models: RewardModelsRepository) => new PersonalizedScorer(models, new ModelPriors(config), config.GATEWAY_MODEL_CACHE_SECONDS * 1000, (domain) => conditionDeviations(config, domain).personalized),
        },
        { provide: ReadReliabilityUseCase, inject: [DataSource], useFactory: (db: DataSource) => new ReadReliabilityUseCase(new ReliabilityRepository(db), config) },
        {
          provide: ReadModelsUseCase,
          inject: [PersonalizedScorer, CalibratedListsRepository, KAFKA_PRODUCER, ReadReliabilityUseCase],
          useFactory: (scorer: PersonalizedScorer, lists: CalibratedListsRepository, producer: KafkaProducerClient, reliability: ReadReliabilityUseCase) =>
            new ReadModelsUseCase(scorer, lists, producer, { policy: config.SERVING_POLICY, maxAgeMs: config.CALIBRATED_LIST_MAX_AGE_SECONDS * 1000 }, reliability),
        },
        { provide: RerankQueue, inject: [RewardModelsRepository], useFactory: (models: RewardModelsRepository) => RerankQueue.fromConfig(config, models) },
        { provide: RerankRequestsRepository, inject: [DataSource], useFactory: (db: DataSource) => new RerankRequestsRepository(db) },
        {
          provide: RequestRerankUseCase,
          inject: [RerankQueue, RerankRequestsRepository],
          useFactory: (queue: RerankQueue, requests: RerankRequestsRepository) => new RequestRerankUseCase(queue, requests, logger.child('rerank-requests')),
        },
        {
          provide: ReconcileRerankRequestsUseCase,
          inject: [RerankQueue, RerankRequestsRepository],
          useFactory: (queue: RerankQueue, requests: RerankRequestsRepository) => new ReconcileRerankRequestsUseCase(queue, requests, logger.child('rerank-reconciler')),
        },
        retentionSweeperProvider((db) => gatewayRetentionPolicies(db, config), {
          intervalMs: config.GATEWAY_RETENTION_INTERVAL_MS,
          batchSize: config.GATEWAY_RETENTION_BATCH_SIZE,
          log: logger.child('retention'),
          metric: 'gateway_retention_deleted_rows_total',
        }),
        {
          provide: IngestFeedbackUseCase,
          inject: [KAFKA_PRODUCER],
          // Concurrent ingest requests share produce requests (one per merged send instead of one per HTTP request);
          // each is still answered 202 only once its own events are acknowledged.
          useFactory: (producer: KafkaProducerClient) =>
            new IngestFeedbackUseCase(new CoalescingEventClient(producer, { maxQueueMs: config.GATEWAY_PRODUCE_TIMEOUT_MS }), config.GATEWAY_PRODUCE_TIMEOUT_MS),
        },
        {
          provide: UpsertItemsUseCase,
          inject: [ItemsRepository, KAFKA_PRODUCER, ReadModelsUseCase],
          useFactory: (items: ItemsRepository, producer: KafkaProducerClient, read: ReadModelsUseCase) =>
            new UpsertItemsUseCase(items, producer, (domains) => read.invalidateCatalogue(domains)),
        },
        {
          provide: DriftAdminUseCase,
          inject: [DataSource],
          useFactory: (db: DataSource) => new DriftAdminUseCase(new DriftAlertsRepository(db), new DriftSeriesRepository(db), new DriftConfigRepository(db)),
        },
        { provide: DriftSegmentsUseCase, inject: [DataSource], useFactory: (db: DataSource) => new DriftSegmentsUseCase(new DriftSegmentsRepository(db)) },
        // The console's operations reads (issue #17).
        {
          provide: ConsumerLagUseCase,
          inject: [KAFKA_ADMIN],
          useFactory: (admin: Admin) =>
            new ConsumerLagUseCase(
              admin,
              [
                { group: config.LEARNER_GROUP_ID, topic: topicName('feedback', prefix) },
                { group: config.DRIFT_GROUP_ID, topic: topicName('feedback', prefix) },
                { group: config.DRIFT_GROUP_ID, topic: topicName('exposures', prefix) },
              ],
              { cacheMs: config.GATEWAY_LAG_CACHE_MS, timeoutMs: config.GATEWAY_LAG_TIMEOUT_MS },
            ),
        },
        {
          provide: OperationsOverviewUseCase,
          inject: [DataSource],
          useFactory: (db: DataSource) => new OperationsOverviewUseCase(new OperationsOverviewRepository(db, { learner: config.LEARNER_GROUP_ID, 'drift-watch': config.DRIFT_GROUP_ID, notifier: config.NOTIFIER_GROUP_ID })),
        },
        {
          provide: UserListsUseCase,
          inject: [PersonalizedScorer, CalibratedListsRepository],
          useFactory: (scorer: PersonalizedScorer, lists: CalibratedListsRepository) => new UserListsUseCase(scorer, lists),
        },
        // Authorization, then quotas (guards run in this order), and the boot-time check that every route declares its access.
        ...access,
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor },
        GatewayLifecycle,
        // /health: the broker, Postgres and Redis (the rerank queue and quotas).
        serviceHealthProvider([KAFKA_ADMIN, DataSource, Redis], (admin: Admin, db: DataSource, redis: Redis) => ({
          kafka: probes.kafka(admin),
          postgres: probes.postgres(db),
          redis: probes.redis(redis),
        })),
      ],
    };
  }
}
