import { randomUUID } from 'node:crypto';
import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { topicName } from '@chorus/contracts';
import {
  CatalogueChanges,
  createKafka,
  DeadLetterOutbox,
  exitOnFatal,
  JsonLogger,
  KafkaProducerClient,
  OffsetsOfRecordTransport,
  probes,
  producerClientModule,
  RerankQueue,
  retentionSweeperProvider,
  RuntimeOpsController,
  serviceHealthProvider,
  serviceProviders,
  topicsAdminProvider,
} from '@chorus/platform';
import { ModelPriors, RewardModelsRepository } from '@chorus/scoring';
import { Kafka, type Admin } from 'kafkajs';
import { Counter, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { DriftInputConsumer } from './consumers/drift-input.consumer';
import { DriftInputController } from './consumers/drift-input.controller';
import { DetectorSettingsPoller } from './detector-settings.poller';
import { DRIFT_WATCH_CONFIG, loadDriftWatchConfig, type DriftWatchConfig } from './drift-watch.config';
import { DriftWatchLifecycle } from './drift-watch.lifecycle';
import { ALERT_PRODUCER, KAFKA_ADMIN, ON_FATAL } from './drift-watch.tokens';
import { DetectorConfigs } from './engine/detector-configs';
import { DriftEngine, type DriftObserver } from './engine/drift-engine';
import { DriftSegments } from './engine/drift-segments';
import { DriftState } from './engine/drift-state';
import { ItemCatalogue } from './engine/item-catalogue';
import { AlertOutboxRepository } from './persistence/alert-outbox.repository';
import { CatalogueRepository } from './persistence/catalogue.repository';
import { DetectorConfigRepository } from './persistence/detector-config.repository';
import { DriftSegmentRepository } from './persistence/drift-segment.repository';
import { DriftStateRepository } from './persistence/drift-state.repository';
import { driftRetentionPolicies } from './persistence/retention.policy';
import { UserModelRepository } from './persistence/user-model.repository';
import { AlertOutbox } from './usecases/alert-outbox';
import { ObserveEventsUseCase } from './usecases/observe-events.usecase';

/** The engine: per-user and population state, the item catalogue cache, detector settings, and the detections counted. */
function engineProviders(config: DriftWatchConfig): Provider[] {
  return [
    { provide: ItemCatalogue, useFactory: () => new ItemCatalogue() },
    { provide: DetectorConfigs, useFactory: () => new DetectorConfigs() },
    { provide: DriftSegments, useFactory: () => new DriftSegments() },
    {
      provide: DriftState,
      useFactory: () =>
        new DriftState({
          maxResidentUsers: config.DRIFT_MAX_RESIDENT_USERS,
          halfLife: config.DRIFT_USER_HALF_LIFE_EVENTS,
          polarizationAlpha: config.DRIFT_POLARIZATION_ALPHA,
          panelPool: Math.min(4096, Math.max(64, 2 * config.DRIFT_HOMOGENIZATION_PAIRS)),
        }),
    },
    {
      provide: DriftEngine,
      inject: [DriftState, ItemCatalogue, DetectorConfigs, DriftSegments, Registry],
      useFactory: (state: DriftState, catalogue: ItemCatalogue, configs: DetectorConfigs, segments: DriftSegments, registry: Registry) => {
        const detections = new Counter({ name: 'drift_watch_detections_total', help: 'Detector drifts by outcome: alert (harmful), expected (not harmful in the domain), unwatched (other direction)', labelNames: ['scope', 'metric', 'domain', 'outcome'], registers: [registry] });
        const late = new Counter({ name: 'drift_watch_late_events_total', help: 'Events whose time bucket had already closed (counted for the user, not the population)', labelNames: ['domain'], registers: [registry] });
        const observer: DriftObserver = {
          detection: (scope, metric, domain, outcome) => detections.inc({ scope, metric, domain, outcome }),
          late: (domain) => late.inc({ domain }),
        };
        return new DriftEngine(state, catalogue, configs, segments, {
          minEvents: config.DRIFT_USER_MIN_EVENTS,
          bucketMs: config.DRIFT_BUCKET_SECONDS * 1000,
          latenessMs: config.DRIFT_BUCKET_LATENESS_SECONDS * 1000,
          homogenizationPairs: config.DRIFT_HOMOGENIZATION_PAIRS,
          polarizationMinUsers: config.DRIFT_POLARIZATION_MIN_USERS,
          segmentMinUsers: config.DRIFT_SEGMENT_MIN_USERS,
          maxInputSkewMs: config.DRIFT_INPUT_MAX_SKEW_SECONDS * 1000,
          dedupeWindow: 64,
          rerank: config.DRIFT_RERANK_ENABLED,
        }, observer);
      },
    },
  ];
}

/** drift-watch's Postgres repositories (it owns the drift tables; it reads the catalogue and the learner's models). */
function repositoryProviders(config: DriftWatchConfig): Provider[] {
  const onDb = <T>(Repository: new (db: DataSource) => T): Provider => ({ provide: Repository, inject: [DataSource], useFactory: (db: DataSource) => new Repository(db) });
  return [
    { provide: DriftStateRepository, inject: [DataSource], useFactory: (db: DataSource) => new DriftStateRepository(db, config.DRIFT_GROUP_ID, config.DRIFT_ALERT_COOLDOWN_SECONDS * 1000) },
    onDb(DetectorConfigRepository),
    onDb(DriftSegmentRepository),
    onDb(CatalogueRepository),
    onDb(UserModelRepository),
    onDb(AlertOutboxRepository),
  ];
}

/**
 * drift-watch: the engine, the feedback and exposures input on the offsets-of-record transport (co-partitioned), the
 * alert outbox publishing through the producer client, catalogue changes, retention, and the ops routes. Every part
 * is a provider; {@link DriftWatchLifecycle} starts and stops them in order. Start it with startHybridService.
 */
@Module({})
export class DriftWatchModule {
  /** `config` defaults to the environment; tests and benchmarks pass their own (and `onFatal`, so a fatal error fails them instead of exiting). */
  static register(config: DriftWatchConfig = loadDriftWatchConfig(), onFatal?: (error: Error) => void): DynamicModule {
    const logger = new JsonLogger('drift-watch', config.LOG_LEVEL);
    const clientId = `chorus-drift-watch-${randomUUID().slice(0, 8)}`;
    const topics = { feedback: topicName('feedback', config.KAFKA_TOPIC_PREFIX), exposures: topicName('exposures', config.KAFKA_TOPIC_PREFIX) };
    return {
      module: DriftWatchModule,
      // Alerts go out through the producer client (@nestjs/microservices); the lifecycle connects it.
      imports: [producerClientModule(ALERT_PRODUCER, { clientId, brokers: config.KAFKA_BROKERS, prefix: config.KAFKA_TOPIC_PREFIX, logger })],
      controllers: [RuntimeOpsController, DriftInputController],
      providers: [
        { provide: DRIFT_WATCH_CONFIG, useValue: config },
        { provide: ON_FATAL, useValue: onFatal ?? exitOnFatal(logger, 'drift-watch') },
        ...serviceProviders({ service: 'drift-watch', config }, logger),
        { provide: Kafka, useFactory: () => createKafka(clientId, config.KAFKA_BROKERS, logger) },
        topicsAdminProvider(KAFKA_ADMIN, { partitions: config.FEEDBACK_PARTITIONS, prefix: config.KAFKA_TOPIC_PREFIX }),
        ...engineProviders(config),
        ...repositoryProviders(config),
        DetectorSettingsPoller,
        {
          provide: ObserveEventsUseCase,
          inject: [DriftState, DriftEngine, ItemCatalogue, CatalogueRepository, DriftStateRepository, UserModelRepository],
          useFactory: (state: DriftState, engine: DriftEngine, catalogue: ItemCatalogue, items: CatalogueRepository, repository: DriftStateRepository, models: UserModelRepository) => {
            const priors = new ModelPriors(config);
            return new ObserveEventsUseCase(state, engine, catalogue, { catalogue: items, state: repository, models }, {
              topics,
              consumer: config.DRIFT_GROUP_ID,
              minEvents: config.DRIFT_USER_MIN_EVENTS,
              modelRefreshEvents: config.DRIFT_MODEL_REFRESH_EVENTS,
              modelRetryMs: config.DRIFT_MODEL_RETRY_MS,
              // The gateway's rule (GET /v1/users/:id/model): a learned τ² moves, and each row says which one it was learned under.
              tau: (domain, learnedUnder) => priors.fixedTau2(domain) ?? learnedUnder ?? priors.tau2(domain),
              merge: { idleMs: config.DRIFT_MERGE_IDLE_MS, maxHoldMs: config.DRIFT_INPUT_MAX_SKEW_SECONDS * 1000 },
            });
          },
        },
        // Reranks of harmful alerts through the shared queue, when enabled (the lifecycle and the outbox take it as optional).
        ...(config.DRIFT_RERANK_ENABLED
          ? [{ provide: RerankQueue, inject: [DataSource], useFactory: (db: DataSource) => RerankQueue.fromConfig(config, new RewardModelsRepository(db)) }]
          : []),
        {
          provide: AlertOutbox,
          inject: [AlertOutboxRepository, ALERT_PRODUCER, DriftSegmentRepository, { token: RerankQueue, optional: true }],
          useFactory: (repository: AlertOutboxRepository, producer: KafkaProducerClient, segments: DriftSegmentRepository, rerank: RerankQueue | undefined) =>
            new AlertOutbox(repository, producer, rerank, segments, logger.child('alert-outbox')),
        },
        {
          provide: DriftInputConsumer,
          inject: [DriftState, ObserveEventsUseCase, DriftStateRepository, AlertOutbox, Registry, ON_FATAL],
          useFactory: (state: DriftState, usecase: ObserveEventsUseCase, repository: DriftStateRepository, outbox: AlertOutbox, registry: Registry, fatal: (error: Error) => void) =>
            new DriftInputConsumer(config, state, usecase, repository, outbox, logger.child('drift-input-consumer'), registry, fatal),
        },
        {
          provide: CatalogueChanges,
          inject: [Kafka, ItemCatalogue, KAFKA_ADMIN],
          // An item whose categories or stance change is re-read on its next use (and the domain's vocabulary with it).
          useFactory: (kafka: Kafka, catalogue: ItemCatalogue) =>
            new CatalogueChanges(kafka, topicName('items', config.KAFKA_TOPIC_PREFIX), 'chorus-drift-watch-catalogue', (itemIds) => {
              for (const itemId of itemIds) catalogue.evict(itemId);
            }),
        },
        retentionSweeperProvider((db) => driftRetentionPolicies(db, config), {
          intervalMs: config.DRIFT_RETENTION_INTERVAL_MS,
          batchSize: config.DRIFT_RETENTION_BATCH_SIZE,
          log: logger.child('retention'),
          metric: 'drift_watch_retention_deleted_rows_total',
        }),
        {
          provide: OffsetsOfRecordTransport,
          inject: [Kafka, DataSource, DriftInputConsumer, ON_FATAL, KAFKA_ADMIN],
          useFactory: (kafka: Kafka, db: DataSource, input: DriftInputConsumer, fatal: (error: Error) => void) =>
            new OffsetsOfRecordTransport({
              name: 'drift-watch input',
              kafka,
              groupId: config.DRIFT_GROUP_ID,
              topics,
              coPartitioned: true,
              sessionTimeoutMs: config.DRIFT_SESSION_TIMEOUT_MS,
              offsetsOfRecord: input,
              deadLetters: { outbox: new DeadLetterOutbox(db, config.DRIFT_GROUP_ID), topic: topicName('driftWatchDlq', config.KAFKA_TOPIC_PREFIX) },
              log: logger.child('drift-input-transport'),
              onFatal: fatal,
            }),
        },
        DriftWatchLifecycle,
        // /health: the broker, Postgres, and Redis when reranks are enabled.
        serviceHealthProvider([KAFKA_ADMIN, DataSource, { token: RerankQueue, optional: true }], (admin: Admin, db: DataSource, rerank: RerankQueue | undefined) => ({
          kafka: probes.kafka(admin),
          postgres: probes.postgres(db),
          ...(rerank ? { redis: async () => void (await rerank.queue.getJobCounts('waiting')) } : {}),
        })),
      ],
    };
  }
}
