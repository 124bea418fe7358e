import { topicName } from '@chorus/contracts';
import { CONSUMER_MAX_WAIT_MS, LogPositions, sendDeadLetters, type ContextLogger } from '@chorus/platform';
import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LearnerConfig } from '../learner.config';
import type { LearnerStateRepository } from '../persistence/learner-state.repository';
import { ApplyWorkerClient } from './apply-worker.client';

export interface FlushedOffsets {
  offsets: { partition: number; from: number; to: number }[];
}

/**
 * Consumes chorus.feedback.v1 in a consumer group. This (Kafka) thread fetches, decodes and hands batches to the
 * apply worker, which applies them in memory and commits state, offsets and dead letters to Postgres in one
 * transaction every LEARNER_FLUSH_EVENTS events or LEARNER_FLUSH_INTERVAL_MS.
 *
 * Offsets of record live in Postgres. Kafka's committed offsets follow them (committed only after Postgres), so
 * after a crash Kafka redelivers from at or before the Postgres position and the worker skips what it already has.
 * Dead letters are committed to an outbox with their offsets and relayed to chorus.feedback.dlq.v1 from here.
 */
export class FeedbackConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly worker: ApplyWorkerClient;
  private readonly topic: string;
  private readonly dlqTopic: string;
  /** Partition adoption after the latest group join; batches wait for it. */
  private assignment: Promise<void> = Promise.resolve();
  private readonly positions = new LogPositions();
  private stopped = false;
  /** When the first batch arrived (hrtime ns) and the process's CPU use then, for measurements that exclude start-up. */
  firstBatchAt?: bigint;
  firstBatchCpu?: NodeJS.CpuUsage;
  private relaying: Promise<void> = Promise.resolve();
  private readonly flushListeners = new Set<(flushed: FlushedOffsets) => void>();
  private readonly metrics;

  constructor(
    kafka: Kafka,
    config: LearnerConfig,
    private readonly repository: LearnerStateRepository,
    private readonly log: ContextLogger,
    registry: Registry,
    private readonly onFatal: (error: Error) => void,
  ) {
    this.topic = topicName('feedback', config.KAFKA_TOPIC_PREFIX);
    this.dlqTopic = topicName('feedbackDlq', config.KAFKA_TOPIC_PREFIX);
    this.consumer = kafka.consumer({
      groupId: config.LEARNER_GROUP_ID,
      sessionTimeout: config.LEARNER_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.floor(config.LEARNER_SESSION_TIMEOUT_MS / 10),
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxWaitTimeInMs: CONSUMER_MAX_WAIT_MS,
    });
    this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    this.worker = new ApplyWorkerClient(
      config,
      (flushed) => this.onWorkerFlushed(flushed),
      (error) => this.fatal(error),
      ({ level, message, fields }) => this.log[level](message, fields),
    );
    this.metrics = {
      events: new Counter({ name: 'learner_events_total', help: 'Feedback messages by outcome', labelNames: ['outcome'], registers: [registry] }),
      consumed: new Gauge({ name: 'learner_next_offset', help: 'Next offset to apply, per partition (in memory)', labelNames: ['partition'], registers: [registry] }),
      committed: new Gauge({ name: 'learner_committed_offset', help: 'Next offset committed to Postgres, per partition', labelNames: ['partition'], registers: [registry] }),
      flushSeconds: new Histogram({ name: 'learner_flush_seconds', help: 'Postgres commit time of one snapshot', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    };
  }

  async start(): Promise<void> {
    await this.worker.start();
    await this.producer.connect();
    // Dead letters a previous run committed but did not get to publish.
    this.relaying = this.relayOutbox();
    await this.relaying;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.log.info('joined consumer group', { assignment: event.payload.memberAssignment });
      const partitions = event.payload.memberAssignment[this.topic] ?? [];
      this.assignment = this.assignment.then(() => this.adopt(partitions)).catch((error: Error) => this.fatal(error));
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart && !this.stopped) this.fatal(event.payload.error);
    });
    await this.consumer.run({ autoCommit: false, eachBatch: (payload) => this.onBatch(payload) });
  }

  /** Stop consuming and commit what was applied: a graceful stop loses no work and replays none. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.disconnect();
    await this.worker.stop();
    await this.relaying;
    await this.producer.disconnect();
  }

  /** Items changed in the catalogue: the worker re-reads them on next use. */
  evictItems(itemIds: string[]): void {
    this.worker.evict(itemIds);
  }

  /** Called after each snapshot is committed to Postgres (benchmarks and tests wait on it). */
  onFlushed(listener: (flushed: FlushedOffsets) => void): () => void {
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    if (this.firstBatchAt === undefined) {
      this.firstBatchAt = process.hrtime.bigint();
      this.firstBatchCpu = process.cpuUsage();
    }
    await this.assignment;
    if (isStale()) return;
    const missing = this.positions.advanceBatch(batch, this.log);
    if (missing > 0) this.metrics.events.inc({ outcome: 'missing_from_log' }, missing);
    const { applied } = await this.worker.apply(batch.partition, batch.messages);
    void applied.then((counts) => {
      if (!counts) return;
      this.metrics.events.inc({ outcome: 'applied' }, counts.applied);
      this.metrics.events.inc({ outcome: 'duplicate' }, counts.duplicates);
      this.metrics.events.inc({ outcome: 'dead_lettered' }, counts.deadLettered);
      this.metrics.events.inc({ outcome: 'redelivered' }, counts.redelivered);
      this.metrics.consumed.set({ partition: String(counts.partition) }, counts.nextOffset);
    });
    await heartbeat();
  }

  /**
   * After a group join: commit what the worker holds and let it forget (partitions may have moved), then start each
   * assigned partition at its offset of record in Postgres. Kafka's committed offsets only follow Postgres, and
   * another member of the group (a zombie, or a deployment sharing the group id by mistake) can have moved them past
   * what this learner's store holds: trusting them would silently skip events.
   */
  private async adopt(partitions: number[]): Promise<void> {
    await this.worker.reassign();
    this.positions.clear();
    for (const partition of partitions) {
      const stored = await this.repository.storedNextOffset(partition);
      this.positions.start(this.topic, partition, stored);
      this.consumer.seek({ topic: this.topic, partition, offset: String(stored) });
    }
  }

  private onWorkerFlushed(flushed: { offsets: FlushedOffsets['offsets']; outboxIds: string[]; seconds: number }): void {
    this.metrics.flushSeconds.observe(flushed.seconds);
    for (const o of flushed.offsets) this.metrics.committed.set({ partition: String(o.partition) }, o.to);
    for (const listener of this.flushListeners) listener({ offsets: flushed.offsets });
    if (flushed.outboxIds.length > 0) this.relaying = this.relaying.then(() => this.relayOutbox());
    if (flushed.offsets.length > 0 && !this.stopped) {
      this.consumer
        .commitOffsets(flushed.offsets.map((o) => ({ topic: this.topic, partition: o.partition, offset: String(o.to) })))
        .catch((error: Error) => this.log.warn('Kafka offset commit failed; Postgres holds the offsets of record', { error: error.message }));
    }
  }

  /** Publish committed dead letters, then delete them: at least once, in offset order per partition. */
  private async relayOutbox(): Promise<void> {
    try {
      for (;;) {
        const rows = await this.repository.outbox();
        if (rows.length === 0) return;
        await sendDeadLetters(this.producer, this.dlqTopic, rows.map(({ letter }) => letter));
        for (const { letter } of rows) this.log.warn('dead-lettered feedback', { code: letter.code, reason: letter.reason, partition: letter.source.partition, offset: letter.source.offset });
        await this.repository.deleteFromOutbox(rows.map((r) => r.id));
      }
    } catch (error) {
      // Left in the outbox: the next commit, or the next start, relays them.
      this.log.error('dead-letter relay failed; will retry', { error: (error as Error).message });
    }
  }

  private fatal(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.log.error('learner fatal error', { error: error.message });
    this.onFatal(error);
  }
}
