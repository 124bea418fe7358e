import { DynamicModule, Inject, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { topicName } from '@chorus/contracts';
import {
  accessControlProviders,
  ApiKeyRepository,
  ApiKeyVerifier,
  connectDatabase,
  createMetricsRegistry,
  HttpErrorFilter,
  JsonLogger,
  OffsetsOfRecordTransport,
  RuntimeOpsController,
  SERVICE_HEALTH,
} from '@chorus/platform';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AlertStreamController } from './controllers/alert-stream.controller';
import { StreamCapGuard } from './controllers/stream-cap.guard';
import { SubscriptionsController } from './controllers/subscriptions.controller';
import { DriftAlertController } from './consumers/drift-alert.controller';
import { KeyRevocationListener } from './consumers/key-revocation.listener';
import { loadNotifierConfig, NOTIFIER_CONFIG, type NotifierConfig } from './notifier.config';
import { NotifierRuntime } from './notifier.runtime';
import { ManageSubscriptionsUseCase } from './usecases/manage-subscriptions.usecase';
import { OpenStreams } from './usecases/open-streams.registry';
import { StreamAlertsUseCase } from './usecases/stream-alerts.usecase';

/** The listener that closes a revoked key's streams (api role), or undefined. */
const KEY_REVOCATIONS = Symbol('KEY_REVOCATIONS');

class NotifierLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(NotifierRuntime) private readonly runtime: NotifierRuntime,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(KEY_REVOCATIONS) private readonly revocations: KeyRevocationListener | undefined,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.runtime.start();
    await this.revocations?.start();
  }
  /** Before the HTTP server closes: it would wait forever for open SSE streams. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.revocations?.stop();
    await this.runtime.closeStreams();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
    await this.db.destroy();
  }
}

@Module({})
export class NotifierModule {
  /** `config` defaults to the environment; tests pass their own (and `onFatal`, so a fatal error fails them instead of exiting). */
  static register(config: NotifierConfig = loadNotifierConfig(), onFatal?: (error: Error) => void): DynamicModule {
    const logger = new JsonLogger('notifier', config.LOG_LEVEL);
    const api = config.NOTIFIER_ROLES.has('api');
    const consumer = config.NOTIFIER_ROLES.has('consumer');
    const fatal =
      onFatal ??
      ((error: Error) => {
        logger.write('error', 'notifier stopped on a fatal error; restart it (Kafka redelivers what was not committed, and replays are no-ops)', { error: error.message });
        process.exit(1);
      });
    return {
      module: NotifierModule,
      controllers: [...(api ? [SubscriptionsController, AlertStreamController] : []), RuntimeOpsController, ...(consumer ? [DriftAlertController] : [])],
      providers: [
        { provide: NOTIFIER_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: logger },
        { provide: Registry, useFactory: () => createMetricsRegistry('notifier') },
        { provide: DataSource, useFactory: () => connectDatabase(config.DATABASE_URL, { applicationName: 'chorus-notifier' }) },
        {
          provide: NotifierRuntime,
          inject: [DataSource, Registry],
          useFactory: (db: DataSource, registry: Registry) =>
            new NotifierRuntime(config, db, logger, registry),
        },
        { provide: SERVICE_HEALTH, useExisting: NotifierRuntime },
        // The consumer role: chorus.drift-alerts.v1 on the offsets-of-record transport (startNotifier connects it).
        ...(consumer
          ? [
              {
                provide: OffsetsOfRecordTransport,
                inject: [NotifierRuntime],
                useFactory: (runtime: NotifierRuntime) =>
                  new OffsetsOfRecordTransport({
                    name: 'notifier drift alerts',
                    kafka: runtime.kafka,
                    groupId: config.NOTIFIER_GROUP_ID,
                    topics: { driftAlerts: topicName('driftAlerts', config.KAFKA_TOPIC_PREFIX) },
                    sessionTimeoutMs: config.NOTIFIER_SESSION_TIMEOUT_MS,
                    offsetsOfRecord: runtime.alertIngest!,
                    deadLetters: { outbox: runtime.deadLetters!, topic: topicName('notifierDlq', config.KAFKA_TOPIC_PREFIX) },
                    log: logger.child('drift-alert-transport'),
                    onFatal: fatal,
                  }),
              },
            ]
          : []),
        { provide: ManageSubscriptionsUseCase, inject: [NotifierRuntime], useFactory: (runtime: NotifierRuntime) => runtime.subscriptions },
        { provide: StreamAlertsUseCase, inject: [NotifierRuntime], useFactory: (runtime: NotifierRuntime) => runtime.stream },
        // The quota counters share the runtime's Redis connection.
        { provide: Redis, inject: [NotifierRuntime], useFactory: (runtime: NotifierRuntime) => runtime.redis },
        // Authorization, then quotas (guards run in this order), and the boot-time check that every route declares its access.
        ...accessControlProviders({
          policy: { metricsScope: config.METRICS_SCOPE },
          quotas: {
            windowMs: config.QUOTA_WINDOW_SECONDS * 1000,
            perKey: { subscriber: config.NOTIFIER_QUOTA_SUBSCRIBER, ping: config.NOTIFIER_QUOTA_PING },
            keyLookupsPerAddress: config.QUOTA_KEY_LOOKUPS_PER_ADDRESS,
            prefix: `${config.QUOTA_REDIS_PREFIX}:notifier`,
          },
        }),
        { provide: OpenStreams, useValue: new OpenStreams(config.NOTIFIER_MAX_STREAMS_PER_KEY) },
        StreamCapGuard,
        {
          provide: KEY_REVOCATIONS,
          inject: [ApiKeyRepository, ApiKeyVerifier, OpenStreams],
          useFactory: (keys: ApiKeyRepository, verifier: ApiKeyVerifier, streams: OpenStreams) =>
            api ? new KeyRevocationListener(config.DATABASE_URL, keys, verifier, streams, logger.child('key-revocations')) : undefined,
        },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        NotifierLifecycle,
      ],
    };
  }
}
