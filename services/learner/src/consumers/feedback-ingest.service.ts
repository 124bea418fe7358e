import { Inject, Injectable } from '@nestjs/common';
import { type CommittedOffset, JsonLogger, PartitionFencedError, type ContextLogger, type OffsetsOfRecord, type OffsetsOfRecordListener, type TopicBatch } from '@chorus/platform';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LEARNER_TOPICS, type LearnerTopics } from '../learner.topics';
import { LearnerStateRepository } from '../persistence/learner-state.repository';
import { ApplyWorkerClient, type Flushed } from './apply-worker.client';

/**
 * The learner's side of the offsets-of-record transport. This (Kafka) thread hands each batch of chorus.feedback.v1 to
 * the apply worker, which applies it in memory and commits state, offsets and dead letters to Postgres in one
 * transaction every LEARNER_FLUSH_EVENTS events or LEARNER_FLUSH_INTERVAL_MS. Each commit is reported to the transport
 * (Kafka's offsets follow, the dead-letter outbox is relayed); a group join commits and forgets what the worker holds;
 * a fence is reported to the transport, which has the worker forget everything (reload) or stops; a drain commits
 * everything applied.
 */
@Injectable()
export class FeedbackIngestService implements OffsetsOfRecord {
  private transport?: OffsetsOfRecordListener;
  private readonly log: ContextLogger;
  private readonly metrics;
  private readonly countApplied = (counts: Awaited<Awaited<ReturnType<ApplyWorkerClient['apply']>>['applied']>) => {
    if (!counts) return;
    this.metrics.events.inc({ outcome: 'applied' }, counts.applied);
    this.metrics.events.inc({ outcome: 'duplicate' }, counts.duplicates);
    this.metrics.events.inc({ outcome: 'dead_lettered' }, counts.deadLettered);
    this.metrics.events.inc({ outcome: 'redelivered' }, counts.redelivered);
    this.metrics.consumed.set({ partition: String(counts.partition) }, counts.nextOffset);
  };
  /** A batch the worker could not answer for: the worker is gone, which it has reported as fatal already. */
  private readonly ignoreGone = () => undefined;

  constructor(
    private readonly worker: ApplyWorkerClient,
    private readonly repository: LearnerStateRepository,
    @Inject(LEARNER_TOPICS) private readonly topics: LearnerTopics,
    logger: JsonLogger,
    registry: Registry,
  ) {
    this.log = logger.child('feedback-ingest');
    this.metrics = {
      events: new Counter({ name: 'learner_events_total', help: 'Feedback messages by outcome', labelNames: ['outcome'], registers: [registry] }),
      consumed: new Gauge({ name: 'learner_next_offset', help: 'Next offset to apply, per partition (in memory)', labelNames: ['partition'], registers: [registry] }),
      committed: new Gauge({ name: 'learner_committed_offset', help: 'Next offset committed to Postgres, per partition', labelNames: ['partition'], registers: [registry] }),
      flushSeconds: new Histogram({ name: 'learner_flush_seconds', help: 'Postgres commit time of one snapshot', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    };
    worker.report({
      flushed: (flushed) => this.onWorkerFlushed(flushed),
      fatal: (error) => this.fatal(error),
      fenced: ({ code, owner, partitions }) => this.fatal(new PartitionFencedError(code, owner, partitions)),
      log: ({ level, message, fields }) => this.log[level](message, fields),
    });
  }

  attach(transport: OffsetsOfRecordListener): void {
    this.transport = transport;
  }

  storedNextOffset(_topic: string, partition: number): Promise<number> {
    return this.repository.storedNextOffset(partition);
  }

  async release(): Promise<void> {
    await this.worker.reassign();
  }

  async reload(): Promise<void> {
    await this.worker.reload();
  }

  async drain(): Promise<void> {
    await this.worker.stop();
  }

  /** Hand a batch to the worker; resolves once it is posted (the worker applies it in order). */
  async apply(batch: TopicBatch): Promise<void> {
    if (batch.missing > 0) this.metrics.events.inc({ outcome: 'missing_from_log' }, batch.missing);
    const { applied } = await this.worker.apply(batch.partition, batch.messages);
    applied.then(this.countApplied, this.ignoreGone);
  }

  /** Items changed in the catalogue: the worker re-reads them on next use. */
  evictItems(itemIds: string[]): void {
    this.worker.evict(itemIds);
  }

  private onWorkerFlushed(flushed: Flushed): void {
    this.metrics.flushSeconds.observe(flushed.seconds);
    for (const o of flushed.offsets) this.metrics.committed.set({ partition: String(o.partition) }, o.to);
    const committed: CommittedOffset[] = flushed.offsets.map((o) => ({ topic: this.topics.feedback, partition: o.partition, nextOffset: o.to }));
    this.transport?.committed(committed, flushed.outboxIds.length > 0);
  }

  private fatal(error: Error): void {
    if (this.transport) this.transport.fatal(error);
    else this.log.error('learner apply worker failed before the transport started', { error: error.message });
  }
}
