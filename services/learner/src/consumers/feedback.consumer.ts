import { topicName } from '@chorus/contracts';
import type { ContextLogger } from '@chorus/platform';
import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LearnerConfig } from '../learner.config';
import { PartitionFencedError, type LearnerStateRepository } from '../persistence/learner-state.repository';
import type { ApplyFeedbackUseCase } from '../usecases/apply-feedback.usecase';
import type { FlushSnapshot, LearnerState } from '../usecases/learner-state';

/**
 * Consumes chorus.feedback.v1 in a consumer group. Batches are applied in memory; state and offsets reach Postgres in
 * one transaction every LEARNER_FLUSH_EVENTS events or LEARNER_FLUSH_INTERVAL_MS. The write of one snapshot overlaps
 * the application of the next batches (two cores: Postgres works while Node applies).
 *
 * Offsets of record live in Postgres. Kafka's committed offsets follow them (committed only after Postgres), so
 * after a crash Kafka redelivers from at or before the Postgres position and the learner skips what it already has.
 */
export class FeedbackConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly topic: string;
  private readonly dlqTopic: string;
  private lock: Promise<unknown> = Promise.resolve();
  private inFlight: Promise<void> = Promise.resolve();
  private lastFlushAt = Date.now();
  private generation = 0;
  private stateGeneration = -1;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly flushListeners = new Set<(snapshot: FlushSnapshot) => void>();
  private readonly metrics;

  constructor(
    kafka: Kafka,
    private readonly config: LearnerConfig,
    private readonly state: LearnerState,
    private readonly usecase: ApplyFeedbackUseCase,
    private readonly repository: LearnerStateRepository,
    private readonly log: ContextLogger,
    registry: Registry,
    private readonly onFatal: (error: Error) => void,
  ) {
    this.topic = topicName('feedback', config.KAFKA_TOPIC_PREFIX);
    this.dlqTopic = topicName('feedbackDlq', config.KAFKA_TOPIC_PREFIX);
    this.consumer = kafka.consumer({ groupId: config.LEARNER_GROUP_ID, sessionTimeout: config.LEARNER_SESSION_TIMEOUT_MS, heartbeatInterval: Math.floor(config.LEARNER_SESSION_TIMEOUT_MS / 10), maxBytesPerPartition: 4 * 1024 * 1024 });
    this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    this.metrics = {
      events: new Counter({ name: 'learner_events_total', help: 'Feedback messages by outcome', labelNames: ['outcome'], registers: [registry] }),
      consumed: new Gauge({ name: 'learner_next_offset', help: 'Next offset to apply, per partition (in memory)', labelNames: ['partition'], registers: [registry] }),
      committed: new Gauge({ name: 'learner_committed_offset', help: 'Next offset committed to Postgres, per partition', labelNames: ['partition'], registers: [registry] }),
      flushSeconds: new Histogram({ name: 'learner_flush_seconds', help: 'Postgres commit time of one snapshot', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    };
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.generation++;
      this.log.info('joined consumer group', { assignment: event.payload.memberAssignment });
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart && !this.stopped) this.onFatal(event.payload.error);
    });
    await this.consumer.run({ autoCommit: false, eachBatch: (payload) => this.onBatch(payload) });
    this.timer = setInterval(() => {
      if (Date.now() - this.lastFlushAt >= this.config.LEARNER_FLUSH_INTERVAL_MS) void this.exclusive(() => this.flush()).catch(this.onFatal);
    }, Math.max(5, Math.floor(this.config.LEARNER_FLUSH_INTERVAL_MS / 4)));
  }

  /** Stop consuming and commit what was applied: a graceful stop loses no work and replays none. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.consumer.disconnect();
    await this.exclusive(() => this.flush());
    await this.inFlight;
    await this.producer.disconnect();
  }

  /** Called after each snapshot is committed to Postgres (benchmarks and tests wait on it). */
  onFlushed(listener: (snapshot: FlushSnapshot) => void): () => void {
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale()) return;
    await this.exclusive(async () => {
      if (this.stateGeneration !== this.generation) await this.adoptAssignment();
      if (!this.state.hasPartition(batch.partition)) {
        const stored = await this.repository.loadPartition(batch.partition);
        this.state.adoptPartition(batch.partition, stored.nextOffset, stored.shards);
        this.log.info('resuming partition from Postgres', { partition: batch.partition, nextOffset: stored.nextOffset, fetchedFrom: batch.firstOffset() });
      }
      const outcome = await this.usecase.apply(batch.partition, batch.messages);
      if (outcome.deadLetters.length > 0) {
        // Dead letters reach Kafka before their offsets can be committed: a crash in between re-sends them (at least
        // once; each carries its source partition/offset to dedupe on) but never loses one.
        await this.producer.send({
          topic: this.dlqTopic,
          messages: outcome.deadLetters.map((letter) => ({ key: letter.key, value: JSON.stringify(letter), headers: { 'chorus-error-code': letter.code } })),
        });
        for (const letter of outcome.deadLetters) this.log.warn('dead-lettered feedback', { code: letter.code, reason: letter.reason, partition: letter.source.partition, offset: letter.source.offset });
      }
      this.metrics.events.inc({ outcome: 'applied' }, outcome.applied);
      this.metrics.events.inc({ outcome: 'duplicate' }, outcome.duplicates);
      this.metrics.events.inc({ outcome: 'dead_lettered' }, outcome.deadLetters.length);
      this.metrics.events.inc({ outcome: 'redelivered' }, outcome.redelivered);
      this.metrics.consumed.set({ partition: String(batch.partition) }, this.state.nextOffset.get(batch.partition)!);
      if (this.state.pendingEvents >= this.config.LEARNER_FLUSH_EVENTS || Date.now() - this.lastFlushAt >= this.config.LEARNER_FLUSH_INTERVAL_MS) {
        await this.flush();
      }
    });
    await heartbeat();
  }

  /** A rebalance may have moved partitions: commit what we hold, then start from Postgres again. */
  private async adoptAssignment(): Promise<void> {
    await this.flush();
    await this.inFlight;
    this.state.clear();
    this.stateGeneration = this.generation;
  }

  /** Take a snapshot (synchronously, under the lock) and write it while consumption continues. */
  private async flush(): Promise<void> {
    await this.inFlight;
    this.lastFlushAt = Date.now();
    const snapshot = this.state.snapshot();
    if (snapshot.offsets.length === 0 && snapshot.users.length === 0 && snapshot.shards.length === 0) return;
    const started = process.hrtime.bigint();
    this.inFlight = this.repository.flush(snapshot).then(
      async () => {
        this.metrics.flushSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        for (const o of snapshot.offsets) this.metrics.committed.set({ partition: String(o.partition) }, o.to);
        for (const listener of this.flushListeners) listener(snapshot);
        if (snapshot.offsets.length > 0) {
          await this.consumer
            .commitOffsets(snapshot.offsets.map((o) => ({ topic: this.topic, partition: o.partition, offset: String(o.to) })))
            .catch((error: Error) => this.log.warn('Kafka offset commit failed; Postgres holds the offsets of record', { error: error.message }));
        }
      },
      (error: Error) => {
        // In-memory state is now ahead of the store and cannot be trusted: stop and let the restart reload it.
        if (error instanceof PartitionFencedError) this.log.error('lost partition ownership', { error: error.message });
        this.onFatal(error);
      },
    );
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
