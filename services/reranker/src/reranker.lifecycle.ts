import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JsonLogger, KafkaProducerClient, RerankQueue, RetentionSweeper, settleWithin } from '@chorus/platform';
import type { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { RerankProcessor } from './processors/rerank.processor';
import { RERANKER_CONFIG, type RerankerConfig } from './reranker.config';
import { KAFKA_ADMIN, KAFKA_PRODUCER, WORKER_REDIS } from './reranker.tokens';

/**
 * Starts the reranker once every provider is up (topics made): the producer client connects, then the schedules, the
 * worker, retention. Stops it in the order that loses nothing: the worker finishes its active jobs before the Kafka
 * producer and the connections close (before Nest's BullMQ explorer would close it alongside them).
 */
@Injectable()
export class RerankerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly log;

  constructor(
    @Inject(RERANKER_CONFIG) private readonly config: RerankerConfig,
    @Inject(RerankQueue) private readonly queue: RerankQueue,
    @Inject(RerankProcessor) private readonly processor: RerankProcessor,
    @Inject(RetentionSweeper) private readonly retention: RetentionSweeper,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    @Inject(KAFKA_PRODUCER) private readonly producer: KafkaProducerClient,
    @Inject(WORKER_REDIS) private readonly workerRedis: Redis,
    @Inject(JsonLogger) logger: JsonLogger,
  ) {
    this.log = logger.child('reranker');
  }

  async onApplicationBootstrap(): Promise<void> {
    // No job is taken before its completion event can be sent.
    await this.producer.connect();
    const syncSchedules = () => this.queue.syncSchedules(this.config.RERANK_SCHEDULE_DOMAINS, this.config.RERANK_SCHEDULE_EVERY_SECONDS * 1000);
    const schedules = await syncSchedules();
    // Schedules live only in Redis: a Redis restarted without its data would otherwise stop them until our restart.
    this.queue.onReconnect(() =>
      void syncSchedules().catch((error: Error) => this.log.warn('restoring the rerank schedules after a Redis reconnect failed; restart the reranker', { error: error.message })),
    );
    const worker = this.processor.worker;
    worker.run().catch((error: Error) => this.log.error('the rerank worker stopped', { error: error.message }));
    await worker.waitUntilReady();
    this.retention.start();
    this.log.info('rerank worker started', { queue: worker.name, prefix: this.config.RERANK_QUEUE_PREFIX, concurrency: this.config.RERANK_CONCURRENCY, schedules });
  }

  /**
   * Graceful: the worker finishes its active jobs (their lists stored, their events sent) before anything closes — for
   * up to RERANK_SHUTDOWN_GRACE_MS; then it is closed without waiting (a job Redis lost the keys of never finishes).
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.retention.stop();
    const worker = this.processor.worker;
    const graceful = await settleWithin(worker.close(), this.config.RERANK_SHUTDOWN_GRACE_MS);
    if (!graceful.settled) {
      this.log.warn('active rerank jobs did not finish within the shutdown grace; closing the worker without them', { graceMs: this.config.RERANK_SHUTDOWN_GRACE_MS });
      await worker.close(true);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // The producer client is closed by ClientsModule, in the same phase.
    await Promise.allSettled([this.queue.close(), this.admin.disconnect()]);
    await this.workerRedis.quit().catch(() => undefined);
  }
}
