import { randomUUID } from 'node:crypto';
import { DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { BullModule, Processor } from '@nestjs/bullmq';
import { topicName, WEBHOOK_DELIVERY_QUEUE } from '@chorus/contracts';
import {
  accessControlProviders,
  ApiKeyRepository,
  ApiKeyVerifier,
  connectDatabase,
  createKafka,
  createMetricsRegistry,
  DeadLetterOutbox,
  HttpErrorFilter,
  JsonLogger,
  loadOrCreateKeyFile,
  OffsetsOfRecordTransport,
  PostgresListener,
  probes,
  retentionSweeperProvider,
  RuntimeOpsController,
  SecretBox,
  serviceHealthProvider,
  topicsAdminProvider,
  WebhookHttpClient,
} from '@chorus/platform';
import { Redis } from 'ioredis';
import { Kafka, type Admin } from 'kafkajs';
import { Counter, Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AlertStreamController } from './controllers/alert-stream.controller';
import { StreamCapGuard } from './controllers/stream-cap.guard';
import { SubscriptionsController } from './controllers/subscriptions.controller';
import { DriftAlertController } from './consumers/drift-alert.controller';
import { DriftAlertIngest } from './consumers/drift-alert.ingest';
import { KeyRevocationListener } from './consumers/key-revocation.listener';
import { loadNotifierConfig, NOTIFIER_CONFIG, type NotifierConfig } from './notifier.config';
import { NotifierLifecycle } from './notifier.lifecycle';
import { ALERT_LISTENER, KAFKA_ADMIN, WORKER_REDIS } from './notifier.tokens';
import { AlertsRepository, ALERTS_CHANNEL } from './persistence/alerts.repository';
import { DeliveriesRepository } from './persistence/deliveries.repository';
import { notifierRetentionPolicies } from './persistence/retention.policy';
import { SubscriptionsRepository } from './persistence/subscriptions.repository';
import { deliveryBackoffSettings, WebhookDeliveryProcessor } from './processors/webhook-delivery.processor';
import { WebhookDeliveryQueue } from './processors/webhook-delivery.queue';
import { AlertFeed } from './usecases/alert-feed';
import { DeliverWebhookUseCase } from './usecases/deliver-webhook.usecase';
import { DispatchDeliveriesUseCase } from './usecases/dispatch-deliveries.usecase';
import { ManageSubscriptionsUseCase } from './usecases/manage-subscriptions.usecase';
import { OpenStreams } from './usecases/open-streams.registry';
import { RecordAlertsUseCase } from './usecases/record-alerts.usecase';
import { ResealSecretsUseCase } from './usecases/reseal-secrets.usecase';
import { StreamAlertsUseCase } from './usecases/stream-alerts.usecase';

/**
 * The delivery processor class for this configuration: `@Processor`'s worker options are metadata read when Nest's
 * BullMQ explorer creates the Worker, and concurrency and backoff are configuration, so the decorator is applied here
 * (as the reranker's). `autorun: false`: the lifecycle runs the worker once secrets are resealed.
 */
function configuredProcessor(config: NotifierConfig): Type<WebhookDeliveryProcessor> {
  @Processor(WEBHOOK_DELIVERY_QUEUE, {
    autorun: false,
    concurrency: config.NOTIFIER_WEBHOOK_CONCURRENCY,
    settings: deliveryBackoffSettings({ baseMs: config.NOTIFIER_WEBHOOK_BACKOFF_MS, maxMs: config.NOTIFIER_WEBHOOK_BACKOFF_MAX_MS, jitter: config.NOTIFIER_WEBHOOK_BACKOFF_JITTER }),
  })
  class ConfiguredWebhookDeliveryProcessor extends WebhookDeliveryProcessor {}
  return ConfiguredWebhookDeliveryProcessor;
}

/** What every role uses: the stores, the delivery queue and dispatcher, secrets, the alert feed, the connections. */
function sharedProviders(config: NotifierConfig, logger: JsonLogger, clientId: string, consumer: boolean): Provider[] {
  const policy = { allowHttp: config.WEBHOOK_ALLOW_HTTP, allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS };
  return [
    { provide: Registry, useFactory: () => createMetricsRegistry('notifier') },
    { provide: DataSource, useFactory: () => connectDatabase(config.DATABASE_URL, { applicationName: 'chorus-notifier' }) },
    // Quotas, the delivery queue and /health share it.
    { provide: Redis, useFactory: () => new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 }) },
    { provide: Kafka, useFactory: () => createKafka(clientId, config.KAFKA_BROKERS, logger) },
    topicsAdminProvider(KAFKA_ADMIN, { partitions: config.FEEDBACK_PARTITIONS, prefix: config.KAFKA_TOPIC_PREFIX }),
    { provide: SecretBox, useFactory: () => new SecretBox(config.NOTIFIER_SECRET_ENCRYPTION_KEY || developmentKey(config, logger), config.NOTIFIER_SECRET_ENCRYPTION_PREVIOUS_KEY) },
    { provide: WebhookHttpClient, useFactory: () => new WebhookHttpClient(policy, { timeoutMs: config.NOTIFIER_WEBHOOK_TIMEOUT_MS, userAgent: 'Chorus-Notifier/1 (+webhooks)' }) },
    // The consumer's dead letters wait here for the transport's relay, committed with the alerts they come from.
    ...(consumer ? [{ provide: DeadLetterOutbox, inject: [DataSource], useFactory: (db: DataSource) => new DeadLetterOutbox(db, config.NOTIFIER_GROUP_ID) }] : []),
    {
      provide: AlertsRepository,
      inject: [DataSource, { token: DeadLetterOutbox, optional: true }],
      useFactory: (db: DataSource, deadLetters: DeadLetterOutbox | undefined) => new AlertsRepository(db, deadLetters),
    },
    { provide: DeliveriesRepository, inject: [DataSource], useFactory: (db: DataSource) => new DeliveriesRepository(db) },
    { provide: SubscriptionsRepository, inject: [DataSource], useFactory: (db: DataSource) => new SubscriptionsRepository(db) },
    { provide: WebhookDeliveryQueue, inject: [Redis], useFactory: (redis: Redis) => new WebhookDeliveryQueue(redis, config.NOTIFIER_QUEUE_PREFIX, config.NOTIFIER_WEBHOOK_MAX_ATTEMPTS) },
    {
      provide: DispatchDeliveriesUseCase,
      inject: [WebhookDeliveryQueue, DeliveriesRepository],
      useFactory: (queue: WebhookDeliveryQueue, deliveries: DeliveriesRepository) => new DispatchDeliveriesUseCase(queue, deliveries, logger.child('dispatch')),
    },
    {
      provide: ManageSubscriptionsUseCase,
      inject: [SubscriptionsRepository, DeliveriesRepository, DispatchDeliveriesUseCase, SecretBox],
      useFactory: (subscriptions: SubscriptionsRepository, deliveries: DeliveriesRepository, dispatcher: DispatchDeliveriesUseCase, secrets: SecretBox) =>
        new ManageSubscriptionsUseCase(subscriptions, deliveries, dispatcher, secrets, policy, {
          maxPerKey: config.NOTIFIER_MAX_SUBSCRIPTIONS_PER_KEY,
          maxAttempts: config.NOTIFIER_WEBHOOK_MAX_ATTEMPTS,
          secretGraceSeconds: config.NOTIFIER_SECRET_GRACE_SECONDS,
        }),
    },
    {
      provide: ResealSecretsUseCase,
      inject: [SubscriptionsRepository, SecretBox],
      useFactory: (subscriptions: SubscriptionsRepository, secrets: SecretBox) => new ResealSecretsUseCase(subscriptions, secrets, logger.child('reseal-secrets')),
    },
    {
      provide: AlertFeed,
      inject: [AlertsRepository, Registry],
      useFactory: (alerts: AlertsRepository, registry: Registry) => {
        const feed = new AlertFeed(alerts, { pollMs: config.NOTIFIER_STREAM_POLL_MS, heartbeatMs: config.NOTIFIER_STREAM_HEARTBEAT_MS }, logger.child('alert-feed'));
        new Gauge({ name: 'notifier_stream_clients', help: 'Connected SSE clients', registers: [registry], collect() { this.set(feed.connected); } });
        return feed;
      },
    },
    {
      provide: StreamAlertsUseCase,
      inject: [AlertsRepository, AlertFeed],
      useFactory: (alerts: AlertsRepository, feed: AlertFeed) => new StreamAlertsUseCase(alerts, feed, config.NOTIFIER_STREAM_MAX_BUFFERED),
    },
    // /health: the broker, Postgres and Redis.
    serviceHealthProvider([KAFKA_ADMIN, DataSource, Redis], (admin: Admin, db: DataSource, redis: Redis) => ({
      kafka: probes.kafka(admin),
      postgres: probes.postgres(db),
      redis: probes.redis(redis),
    })),
  ];
}

/** The api role: new alerts followed through LISTEN/NOTIFY, per-key stream caps, revoked keys' streams closed. */
function apiProviders(config: NotifierConfig, logger: JsonLogger): Provider[] {
  return [
    {
      provide: ALERT_LISTENER,
      inject: [AlertFeed],
      useFactory: (feed: AlertFeed) => new PostgresListener(config.DATABASE_URL, ALERTS_CHANNEL, () => feed.wake(), () => feed.wake(), logger.child('alert-listener')),
    },
    { provide: OpenStreams, useValue: new OpenStreams(config.NOTIFIER_MAX_STREAMS_PER_KEY) },
    StreamCapGuard,
    {
      provide: KeyRevocationListener,
      inject: [ApiKeyRepository, ApiKeyVerifier, OpenStreams],
      useFactory: (keys: ApiKeyRepository, verifier: ApiKeyVerifier, streams: OpenStreams) => new KeyRevocationListener(config.DATABASE_URL, keys, verifier, streams, logger.child('key-revocations')),
    },
  ];
}

/** The consumer role: chorus.drift-alerts.v1 on the offsets-of-record transport → stored alerts and deliveries; retention. */
function consumerProviders(config: NotifierConfig, logger: JsonLogger, fatal: (error: Error) => void): Provider[] {
  return [
    {
      provide: DriftAlertIngest,
      inject: [KAFKA_ADMIN, AlertsRepository, DispatchDeliveriesUseCase, Registry],
      useFactory: (admin: Admin, alerts: AlertsRepository, dispatcher: DispatchDeliveriesUseCase, registry: Registry) => {
        const messages = new Counter({ name: 'notifier_alert_messages_total', help: 'Drift-alert messages by outcome', labelNames: ['outcome'], registers: [registry] });
        const source = { topic: topicName('driftAlerts', config.KAFKA_TOPIC_PREFIX), consumer: config.NOTIFIER_GROUP_ID };
        const record = new RecordAlertsUseCase(alerts, dispatcher, config.NOTIFIER_WEBHOOK_MAX_ATTEMPTS, source, logger.child('record-alerts'));
        return new DriftAlertIngest(admin, config.NOTIFIER_GROUP_ID, record, logger.child('drift-alert-ingest'), messages);
      },
    },
    {
      provide: OffsetsOfRecordTransport,
      inject: [Kafka, DriftAlertIngest, DeadLetterOutbox],
      useFactory: (kafka: Kafka, ingest: DriftAlertIngest, deadLetters: DeadLetterOutbox) =>
        new OffsetsOfRecordTransport({
          name: 'notifier drift alerts',
          kafka,
          groupId: config.NOTIFIER_GROUP_ID,
          topics: { driftAlerts: topicName('driftAlerts', config.KAFKA_TOPIC_PREFIX) },
          sessionTimeoutMs: config.NOTIFIER_SESSION_TIMEOUT_MS,
          offsetsOfRecord: ingest,
          deadLetters: { outbox: deadLetters, topic: topicName('notifierDlq', config.KAFKA_TOPIC_PREFIX) },
          log: logger.child('drift-alert-transport'),
          onFatal: fatal,
        }),
    },
    // Deletes final deliveries and alerts older than their retention (NOTIFIER_*_RETENTION_DAYS).
    retentionSweeperProvider((db) => notifierRetentionPolicies(db, config), {
      intervalMs: config.NOTIFIER_RETENTION_INTERVAL_MS,
      batchSize: config.NOTIFIER_RETENTION_BATCH_SIZE,
      log: logger.child('retention'),
      metric: 'notifier_retention_deleted_rows_total',
    }),
  ];
}

/** The worker role: the webhook-deliveries processor, whose Worker Nest's BullMQ explorer creates on its own connection. */
function workerProviders(config: NotifierConfig, logger: JsonLogger, workerRedis: Redis): Provider[] {
  const Configured = configuredProcessor(config);
  return [
    { provide: WORKER_REDIS, useValue: workerRedis },
    {
      provide: WebhookDeliveryProcessor,
      inject: [DeliveriesRepository, WebhookHttpClient, SecretBox, Registry],
      useFactory: (deliveries: DeliveriesRepository, http: WebhookHttpClient, secrets: SecretBox, registry: Registry) => {
        const attempts = new Counter({ name: 'notifier_webhook_attempts_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'], registers: [registry] });
        const backoff = { baseMs: config.NOTIFIER_WEBHOOK_BACKOFF_MS, maxMs: config.NOTIFIER_WEBHOOK_BACKOFF_MAX_MS, jitter: config.NOTIFIER_WEBHOOK_BACKOFF_JITTER };
        const deliver = new DeliverWebhookUseCase(deliveries, http, secrets, backoff, logger.child('deliver-webhook'), attempts);
        return new Configured(deliver, logger.child('delivery-processor'));
      },
    },
  ];
}

/**
 * The notifier: every part a provider, the roles this process runs (NOTIFIER_ROLES) choosing which; started and stopped
 * by {@link NotifierLifecycle}.
 */
@Module({})
export class NotifierModule {
  /** `config` defaults to the environment; tests pass their own (and `onFatal`, so a fatal error fails them instead of exiting). */
  static register(config: NotifierConfig = loadNotifierConfig(), onFatal?: (error: Error) => void): DynamicModule {
    const logger = new JsonLogger('notifier', config.LOG_LEVEL);
    const api = config.NOTIFIER_ROLES.has('api');
    const consumer = config.NOTIFIER_ROLES.has('consumer');
    const worker = config.NOTIFIER_ROLES.has('worker');
    const fatal =
      onFatal ??
      ((error: Error) => {
        logger.write('error', 'notifier stopped on a fatal error; restart it (Kafka redelivers what was not committed, and replays are no-ops)', { error: error.message });
        process.exit(1);
      });
    // BullMQ workers block on Redis: their connection must retry forever rather than fail a command. Closed by the lifecycle.
    const workerRedis = worker ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true }) : undefined;
    return {
      module: NotifierModule,
      // registerQueue brings Nest's BullMQ explorer, which creates the Worker of the @Processor provider.
      imports: workerRedis ? [BullModule.forRoot({ connection: workerRedis, prefix: config.NOTIFIER_QUEUE_PREFIX }), BullModule.registerQueue({ name: WEBHOOK_DELIVERY_QUEUE })] : [],
      controllers: [...(api ? [SubscriptionsController, AlertStreamController] : []), RuntimeOpsController, ...(consumer ? [DriftAlertController] : [])],
      providers: [
        { provide: NOTIFIER_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: logger },
        ...sharedProviders(config, logger, `chorus-notifier-${randomUUID().slice(0, 8)}`, consumer),
        ...(api ? apiProviders(config, logger) : []),
        ...(consumer ? consumerProviders(config, logger, fatal) : []),
        ...(workerRedis ? workerProviders(config, logger, workerRedis) : []),
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
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        NotifierLifecycle,
      ],
    };
  }
}

/**
 * Outside production (the config refuses production without a key), a missing NOTIFIER_SECRET_ENCRYPTION_KEY means the
 * key generated once into NOTIFIER_DEV_SECRET_KEY_FILE: secrets are encrypted at rest on every machine.
 */
function developmentKey(config: NotifierConfig, logger: JsonLogger): string {
  const { key, created } = loadOrCreateKeyFile(config.NOTIFIER_DEV_SECRET_KEY_FILE);
  logger.write('warn', `NOTIFIER_SECRET_ENCRYPTION_KEY is unset: webhook secrets are encrypted with the development key ${created ? 'generated into' : 'read from'} ${config.NOTIFIER_DEV_SECRET_KEY_FILE}; production (NODE_ENV=production) refuses to start without the variable`, {});
  return key;
}
