import { Inject, Injectable, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JsonLogger, PostgresListener, RetentionSweeper, WebhookHttpClient } from '@chorus/platform';
import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { DataSource } from 'typeorm';
import { KeyRevocationListener } from './consumers/key-revocation.listener';
import { NOTIFIER_CONFIG, type NotifierConfig } from './notifier.config';
import { ALERT_LISTENER, KAFKA_ADMIN, WORKER_REDIS } from './notifier.tokens';
import { WebhookDeliveryProcessor } from './processors/webhook-delivery.processor';
import { WebhookDeliveryQueue } from './processors/webhook-delivery.queue';
import { AlertFeed } from './usecases/alert-feed';
import { DispatchDeliveriesUseCase } from './usecases/dispatch-deliveries.usecase';
import { ResealSecretsUseCase } from './usecases/reseal-secrets.usecase';

/**
 * Starts the roles this process runs (NOTIFIER_ROLES) once every provider is up, and stops them in the order that
 * loses nothing. The parts of a role it does not run are not provided (hence optional here).
 *
 * - `api`: LISTEN before the feed reads its starting point (nothing committed in between goes unnoticed); revoked keys'
 *   streams are closed as they are revoked.
 * - `consumer`: the outbox sweep for deliveries a crash left unenqueued, and retention. The drift-alert batches come
 *   from the offsets-of-record transport, started after this (startService).
 * - `worker`: the webhook worker (`autorun: false` in its `@Processor` options) runs once secrets are resealed.
 */
@Injectable()
export class NotifierLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly log;
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    @Inject(ResealSecretsUseCase) private readonly reseal: ResealSecretsUseCase,
    @Inject(AlertFeed) private readonly feed: AlertFeed,
    @Inject(DispatchDeliveriesUseCase) private readonly dispatcher: DispatchDeliveriesUseCase,
    @Inject(WebhookDeliveryQueue) private readonly queue: WebhookDeliveryQueue,
    @Inject(WebhookHttpClient) private readonly http: WebhookHttpClient,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    @Inject(Redis) private readonly redis: Redis,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(JsonLogger) logger: JsonLogger,
    @Optional() @Inject(ALERT_LISTENER) private readonly listener?: PostgresListener,
    @Optional() @Inject(KeyRevocationListener) private readonly revocations?: KeyRevocationListener,
    @Optional() @Inject(WebhookDeliveryProcessor) private readonly processor?: WebhookDeliveryProcessor,
    @Optional() @Inject(WORKER_REDIS) private readonly workerRedis?: Redis,
    @Optional() @Inject(RetentionSweeper) private readonly retention?: RetentionSweeper,
  ) {
    this.log = logger.child('outbox');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reseal.run();
    if (this.listener) {
      await this.listener.start();
      await this.feed.start();
    }
    if (this.processor) {
      const worker = this.processor.worker;
      worker.run().catch((error: Error) => this.log.error('delivery worker stopped', { error: error.message }));
      await worker.waitUntilReady();
    }
    if (this.config.NOTIFIER_ROLES.has('consumer')) {
      await this.dispatcher.sweep(0);
      const grace = Math.max(1_000, this.config.NOTIFIER_OUTBOX_SWEEP_MS);
      this.sweepTimer = setInterval(
        () => void this.dispatcher.sweep(grace).catch((error: Error) => this.log.warn('outbox sweep failed; the next sweep retries', { error: error.message })),
        this.config.NOTIFIER_OUTBOX_SWEEP_MS,
      );
      this.retention?.start();
    }
    await this.revocations?.start();
  }

  /**
   * Before the HTTP server closes (it would wait forever for open SSE streams), and before Nest's BullMQ explorer
   * closes the worker alongside the connections: active deliveries finish first.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.revocations?.stop();
    await this.feed.stop();
    await this.listener?.stop();
    await this.processor?.worker.close();
  }

  /** The transport has drained by now (Nest closes microservices before the shutdown hooks). */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.retention?.stop();
    await this.queue.close();
    this.http.close();
    await this.admin.disconnect();
    await Promise.allSettled([this.redis.quit(), this.workerRedis?.quit()]);
    await this.db.destroy();
  }
}
