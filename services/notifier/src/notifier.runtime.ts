import { randomUUID } from 'node:crypto';
import { topicName } from '@chorus/contracts';
import {
  createKafka,
  DeadLetterOutbox,
  ensureTopics,
  loadOrCreateKeyFile,
  PostgresListener,
  probes,
  RetentionSweeper,
  SecretBox,
  WebhookHttpClient,
  type JsonLogger,
  type Probe,
  type ServiceHealth,
} from '@chorus/platform';
import { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { DriftAlertIngest } from './consumers/drift-alert.ingest';
import type { NotifierConfig } from './notifier.config';
import { AlertsRepository, ALERTS_CHANNEL } from './persistence/alerts.repository';
import { DeliveriesRepository } from './persistence/deliveries.repository';
import { notifierRetentionPolicies } from './persistence/retention.policy';
import { SubscriptionsRepository } from './persistence/subscriptions.repository';
import { WebhookDeliveryProcessor } from './processors/webhook-delivery.processor';
import { WebhookDeliveryQueue } from './processors/webhook-delivery.queue';
import { AlertFeed } from './usecases/alert-feed';
import { DeliverWebhookUseCase } from './usecases/deliver-webhook.usecase';
import { DispatchDeliveriesUseCase } from './usecases/dispatch-deliveries.usecase';
import { ManageSubscriptionsUseCase } from './usecases/manage-subscriptions.usecase';
import { RecordAlertsUseCase } from './usecases/record-alerts.usecase';
import { ResealSecretsUseCase } from './usecases/reseal-secrets.usecase';
import { StreamAlertsUseCase } from './usecases/stream-alerts.usecase';

/**
 * Wires the notifier's parts and starts the roles this process runs (NOTIFIER_ROLES):
 *
 * - `api`: subscriptions REST and the SSE stream; follows new alerts through Postgres LISTEN/NOTIFY.
 * - `consumer`: chorus.drift-alerts.v1 → stored alerts + deliveries (one transaction) → the delivery queue; sweeps
 *   the outbox for deliveries a crash left unenqueued, and deletes deliveries and alerts past their retention.
 * - `worker`: the BullMQ worker that signs and POSTs deliveries, with retries.
 */
export class NotifierRuntime implements ServiceHealth {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly redis: Redis;
  readonly subscriptions: ManageSubscriptionsUseCase;
  readonly stream: StreamAlertsUseCase;
  readonly feed: AlertFeed;
  readonly queue: WebhookDeliveryQueue;
  private readonly dispatcher: DispatchDeliveriesUseCase;
  private readonly reseal: ResealSecretsUseCase;
  private readonly http: WebhookHttpClient;
  private readonly workerRedis?: Redis;
  private readonly listener?: PostgresListener;
  /** chorus.drift-alerts.v1 on the offsets-of-record transport (consumer role; the module builds the transport). */
  readonly alertIngest?: DriftAlertIngest;
  /** Where the consumer's dead letters wait for the transport's relay (consumer role). */
  readonly deadLetters?: DeadLetterOutbox;
  private readonly processor?: WebhookDeliveryProcessor;
  /** Deletes final deliveries and alerts older than their retention (NOTIFIER_*_RETENTION_DAYS); consumer role. */
  readonly retention?: RetentionSweeper;
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    readonly config: NotifierConfig,
    readonly db: DataSource,
    private readonly logger: JsonLogger,
    registry: Registry,
  ) {
    const roles = config.NOTIFIER_ROLES;
    this.kafka = createKafka(`chorus-notifier-${randomUUID().slice(0, 8)}`, config.KAFKA_BROKERS, logger);
    this.admin = this.kafka.admin();
    this.redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    const policy = { allowHttp: config.WEBHOOK_ALLOW_HTTP, allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS };
    const secrets = new SecretBox(config.NOTIFIER_SECRET_ENCRYPTION_KEY || developmentKey(config, logger), config.NOTIFIER_SECRET_ENCRYPTION_PREVIOUS_KEY);
    const backoff = { baseMs: config.NOTIFIER_WEBHOOK_BACKOFF_MS, maxMs: config.NOTIFIER_WEBHOOK_BACKOFF_MAX_MS, jitter: config.NOTIFIER_WEBHOOK_BACKOFF_JITTER };
    const maxAttempts = config.NOTIFIER_WEBHOOK_MAX_ATTEMPTS;

    if (roles.has('consumer')) this.deadLetters = new DeadLetterOutbox(db, config.NOTIFIER_GROUP_ID);
    const alerts = new AlertsRepository(db, this.deadLetters);
    const deliveries = new DeliveriesRepository(db);
    this.queue = new WebhookDeliveryQueue(this.redis, config.NOTIFIER_QUEUE_PREFIX, maxAttempts);
    this.dispatcher = new DispatchDeliveriesUseCase(this.queue, deliveries, logger.child('dispatch'));
    const subscriptions = new SubscriptionsRepository(db);
    this.subscriptions = new ManageSubscriptionsUseCase(subscriptions, deliveries, this.dispatcher, secrets, policy, {
      maxPerKey: config.NOTIFIER_MAX_SUBSCRIPTIONS_PER_KEY,
      maxAttempts,
      secretGraceSeconds: config.NOTIFIER_SECRET_GRACE_SECONDS,
    });
    this.reseal = new ResealSecretsUseCase(subscriptions, secrets, logger.child('reseal-secrets'));
    this.feed = new AlertFeed(alerts, { pollMs: config.NOTIFIER_STREAM_POLL_MS, heartbeatMs: config.NOTIFIER_STREAM_HEARTBEAT_MS }, logger.child('alert-feed'));
    this.stream = new StreamAlertsUseCase(alerts, this.feed, config.NOTIFIER_STREAM_MAX_BUFFERED);
    this.http = new WebhookHttpClient(policy, { timeoutMs: config.NOTIFIER_WEBHOOK_TIMEOUT_MS, userAgent: 'Chorus-Notifier/1 (+webhooks)' });

    const feed = this.feed;
    new Gauge({ name: 'notifier_stream_clients', help: 'Connected SSE clients', registers: [registry], collect() { this.set(feed.connected); } });

    if (roles.has('api')) {
      this.listener = new PostgresListener(config.DATABASE_URL, ALERTS_CHANNEL, () => this.feed.wake(), () => this.feed.wake(), logger.child('alert-listener'));
    }
    if (roles.has('consumer')) {
      const messages = new Counter({ name: 'notifier_alert_messages_total', help: 'Drift-alert messages by outcome', labelNames: ['outcome'], registers: [registry] });
      const record = new RecordAlertsUseCase(alerts, this.dispatcher, maxAttempts, { topic: topicName('driftAlerts', config.KAFKA_TOPIC_PREFIX), consumer: config.NOTIFIER_GROUP_ID }, logger.child('record-alerts'));
      this.alertIngest = new DriftAlertIngest(this.admin, config.NOTIFIER_GROUP_ID, record, logger.child('drift-alert-ingest'), messages);
      this.retention = new RetentionSweeper(notifierRetentionPolicies(db, config), {
        intervalMs: config.NOTIFIER_RETENTION_INTERVAL_MS,
        batchSize: config.NOTIFIER_RETENTION_BATCH_SIZE,
        log: logger.child('retention'),
        registry,
        metric: 'notifier_retention_deleted_rows_total',
      });
    }
    if (roles.has('worker')) {
      const attempts = new Counter({ name: 'notifier_webhook_attempts_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'], registers: [registry] });
      // BullMQ workers block on Redis: their connection must retry forever rather than fail a command.
      this.workerRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
      const deliver = new DeliverWebhookUseCase(deliveries, this.http, secrets, backoff, logger.child('deliver-webhook'), attempts);
      this.processor = new WebhookDeliveryProcessor(this.workerRedis, config.NOTIFIER_QUEUE_PREFIX, config.NOTIFIER_WEBHOOK_CONCURRENCY, backoff, deliver, logger.child('delivery-processor'));
    }
  }

  /** What /health checks: the broker, Postgres and Redis. */
  healthProbes(): Record<string, Probe> {
    return { kafka: probes.kafka(this.admin), postgres: probes.postgres(this.db), redis: probes.redis(this.redis) };
  }

  async start(): Promise<void> {
    await this.reseal.run();
    await this.admin.connect();
    await ensureTopics(this.admin, { partitions: this.config.FEEDBACK_PARTITIONS, prefix: this.config.KAFKA_TOPIC_PREFIX });
    if (this.listener) {
      // LISTEN before reading the feed's starting point: nothing committed in between can go unnoticed.
      await this.listener.start();
      await this.feed.start();
    }
    if (this.processor) {
      this.processor.start();
      await this.processor.waitUntilReady();
    }
    if (this.alertIngest) {
      // Batches come from the offsets-of-record transport, started after this (startHybridService).
      await this.dispatcher.sweep(0);
      const grace = Math.max(1_000, this.config.NOTIFIER_OUTBOX_SWEEP_MS);
      const log = this.logger.child('outbox');
      this.sweepTimer = setInterval(
        () => void this.dispatcher.sweep(grace).catch((error: Error) => log.warn('outbox sweep failed; the next sweep retries', { error: error.message })),
        this.config.NOTIFIER_OUTBOX_SWEEP_MS,
      );
      this.retention?.start();
    }
  }

  /** End SSE streams first: an HTTP server does not close while streams are open. */
  async closeStreams(): Promise<void> {
    await this.feed.stop();
    await this.listener?.stop();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.retention?.stop();
    await this.closeStreams();
    // The transport has drained by now (Nest closes microservices before the shutdown hooks).
    await this.processor?.stop();
    await this.queue.close();
    this.http.close();
    await this.admin.disconnect();
    await Promise.allSettled([this.redis.quit(), this.workerRedis?.quit()]);
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
