import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CatalogueChanges, JsonLogger, KafkaProducerClient, RerankQueue, RetentionSweeper } from '@chorus/platform';
import type { Admin } from 'kafkajs';
import { DataSource } from 'typeorm';
import { DriftInputConsumer } from './consumers/drift-input.consumer';
import { DetectorSettingsPoller } from './detector-settings.poller';
import { DRIFT_WATCH_CONFIG, type DriftWatchConfig } from './drift-watch.config';
import { ALERT_PRODUCER, KAFKA_ADMIN } from './drift-watch.tokens';
import { AlertOutbox } from './usecases/alert-outbox';

/**
 * Starts drift-watch's parts in the order the first batch needs them (the transport delivers batches only after every
 * bootstrap hook ran): detector settings loaded, the alert producer connected, catalogue changes followed, the input's
 * timers; then what a previous run left (alerts committed but not published, reranks Redis lost) and the schedules.
 * Stops them after the transport drained the input (Nest closes microservices before the shutdown hooks): the last
 * alerts published, then the connections, Postgres last. One hook rather than one per part: Nest runs a module's hooks
 * concurrently, and these steps have an order.
 */
@Injectable()
export class DriftWatchLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(DRIFT_WATCH_CONFIG) private readonly config: DriftWatchConfig,
    @Inject(DetectorSettingsPoller) private readonly settings: DetectorSettingsPoller,
    @Inject(ALERT_PRODUCER) private readonly producer: KafkaProducerClient,
    @Inject(CatalogueChanges) private readonly catalogueChanges: CatalogueChanges,
    @Inject(DriftInputConsumer) private readonly input: DriftInputConsumer,
    @Inject(AlertOutbox) private readonly outbox: AlertOutbox,
    @Inject(RetentionSweeper) private readonly retention: RetentionSweeper,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(JsonLogger) logger: JsonLogger,
    /** Absent when DRIFT_RERANK_ENABLED is off. */
    @Optional() @Inject(RerankQueue) private readonly rerank?: RerankQueue,
  ) {
    this.log = logger.child('drift-watch');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.settings.start();
    await this.producer.connect();
    await this.catalogueChanges.start();
    this.input.start();
    // Alerts committed by a previous run but not yet published (a crash between commit and send) go out now.
    void this.outbox.drain();
    const reconcile = () =>
      void this.outbox.reconcileReranks(this.config.RERANK_KEEP_COMPLETED_SECONDS * 1000).catch((error: Error) => this.log.warn('checking rerank jobs against Redis failed; the next check retries', { error: error.message }));
    reconcile();
    // At once when Redis comes back, besides the periodic check.
    this.rerank?.onReconnect(reconcile);
    this.retention.start();
    this.timers = [setInterval(() => void this.outbox.drain(), this.config.DRIFT_OUTBOX_INTERVAL_MS), setInterval(reconcile, this.config.DRIFT_RERANK_RECONCILE_MS)];
  }

  /** Runs before ClientsModule closes the alert producer (the root module's hooks come first). */
  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.settings.stop();
    await this.retention.stop();
    await this.outbox.drain();
    await this.catalogueChanges.stop();
    await this.rerank?.close();
    await this.admin.disconnect();
    await this.db.destroy();
  }
}
