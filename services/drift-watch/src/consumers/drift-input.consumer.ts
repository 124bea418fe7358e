import { topicName, type DeadLetterV1 } from '@chorus/contracts';
import {
  describeFailure,
  isolatePoison,
  PartitionFencedError,
  retryOnInfrastructure,
  type ContextLogger,
  type OffsetsOfRecord,
  type OffsetsOfRecordListener,
  type TopicBatch,
} from '@chorus/platform';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DriftWatchConfig } from '../drift-watch.config';
import type { DriftStateRepository, FlushResult } from '../persistence/drift-state.repository';
import type { AlertOutbox } from '../usecases/alert-outbox';
import type { DriftSnapshot, DriftState } from '../engine/drift-state';
import type { BatchOutcome, IncomingMessage, ObserveEventsUseCase } from '../usecases/observe-events.usecase';

type InputTopic = 'feedback' | 'exposures';
/** One consumed message, the unit a recovery re-applies and isolatePoison narrows down. */
type Unit = { topic: InputTopic; partition: number; message: IncomingMessage };

/**
 * drift-watch's side of the offsets-of-record transport, which consumes chorus.feedback.v1 and chorus.exposures.v1 in
 * one consumer group. Partition p of both topics holds the same users, and the transport's co-partitioned assignment
 * gives both to the same instance, so each user's state has one owner.
 *
 * Batches are applied in memory; state, series, alerts and offsets reach Postgres in one transaction every
 * DRIFT_FLUSH_EVENTS messages or DRIFT_FLUSH_INTERVAL_MS. The write of one snapshot overlaps the application of the
 * next batches. Offsets of record live in Postgres; the transport seeks each assigned topic-partition to them on every
 * group join and lets Kafka's committed offsets follow each commit. Dead letters are committed in the same transaction
 * (the transport's outbox) and relayed after it, so an isolated message is dead-lettered once, not once per attempt.
 * After each commit the alert outbox publishes the new alerts and requests their reranks.
 *
 * No single message stops it. Messages handed to the use case are kept until their offsets are committed; when
 * applying or committing fails, the in-memory state is dropped and they are applied again from the state in Postgres,
 * committing as they go (each group with the messages waiting in the topic merge released): a failure a message caused
 * is narrowed down to it (isolatePoison) and it is dead-lettered (DRIFT.UNSTORABLE), the others are applied once; an
 * infrastructure failure is retried with capped exponential backoff. A fenced commit (another instance committed a
 * partition since this one loaded it) is reported to the transport, which reloads this side (forget everything, load
 * the partitions again as they are sought) the first time a partition is fenced in a generation, or stops.
 */
export class DriftInputConsumer implements OffsetsOfRecord {
  private readonly topics: { feedback: string; exposures: string };
  private transport?: OffsetsOfRecordListener;
  private lock: Promise<unknown> = Promise.resolve();
  private inFlight: Promise<void> = Promise.resolve();
  private lastFlushAt = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  /** Partition numbers adopted since the latest group join. */
  private assigned: number[] = [];
  /** Dead letters of applied messages, committed with the next snapshot. */
  private letters: DeadLetterV1[] = [];
  /** Messages handed to the use case whose offsets are not committed yet, in arrival order. */
  private retained: Unit[] = [];
  /** Set when applying or committing failed: the state is not to be trusted until recover() has run. */
  private failure?: { error: unknown };
  /** A commit was fenced and reported to the transport: nothing is applied or committed until it reloads us. */
  private fenced = false;
  private readonly flushListeners = new Set<(snapshot: DriftSnapshot, result: FlushResult) => void>();
  private readonly metrics;

  constructor(
    private readonly config: DriftWatchConfig,
    private readonly state: DriftState,
    private readonly usecase: ObserveEventsUseCase,
    private readonly repository: DriftStateRepository,
    private readonly outbox: AlertOutbox,
    private readonly log: ContextLogger,
    registry: Registry,
    private readonly onFatal: (error: Error) => void,
  ) {
    this.topics = { feedback: topicName('feedback', config.KAFKA_TOPIC_PREFIX), exposures: topicName('exposures', config.KAFKA_TOPIC_PREFIX) };
    this.metrics = {
      messages: new Counter({ name: 'drift_watch_messages_total', help: 'Consumed messages by outcome', labelNames: ['outcome'], registers: [registry] }),
      consumed: new Gauge({ name: 'drift_watch_next_offset', help: 'Next offset to apply, per topic-partition (in memory; messages waiting in the topic merge are not applied yet)', labelNames: ['topic', 'partition'], registers: [registry] }),
      waiting: new Gauge({ name: 'drift_watch_merge_waiting', help: 'Messages received and waiting for the other topic (event-time merge)', registers: [registry] }),
      committed: new Gauge({ name: 'drift_watch_committed_offset', help: 'Next offset committed to Postgres, per topic-partition', labelNames: ['topic', 'partition'], registers: [registry] }),
      alerts: new Counter({ name: 'drift_watch_alerts_total', help: 'Committed alerts: raised (new) or folded into an open one', labelNames: ['outcome'], registers: [registry] }),
      flushSeconds: new Histogram({ name: 'drift_watch_flush_seconds', help: 'Postgres commit time of one snapshot', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    };
  }

  /** The transport hears about commits and fatal failures from here on. */
  attach(transport: OffsetsOfRecordListener): void {
    this.transport = transport;
  }

  /** The periodic flush, merge release and model retry (the transport delivers the batches). */
  start(): void {
    this.timers = [
      setInterval(() => {
        if (Date.now() - this.lastFlushAt >= this.config.DRIFT_FLUSH_INTERVAL_MS) void this.guarded(() => this.flush());
      }, Math.max(5, Math.floor(this.config.DRIFT_FLUSH_INTERVAL_MS / 4))),
      // Messages waiting in the topic merge for a topic that went silent are applied once it has been silent long enough.
      setInterval(() => {
        if (this.usecase.waiting > 0) {
          void this.guarded(async () => {
            await this.releaseWaiting(false);
            await this.flushIfDue();
          });
        }
      }, Math.max(20, Math.min(250, Math.floor(this.config.DRIFT_MERGE_IDLE_MS / 4)))),
      // Gated users still waiting for the learner's model get asked again even when they send nothing more.
      setInterval(() => {
        if (this.usecase.awaitingModels > 0) {
          void this.guarded(async () => {
            await this.usecase.retryAwaitingModels();
            await this.flushIfDue();
          });
        }
      }, Math.max(25, Math.floor(this.config.DRIFT_MODEL_RETRY_MS / 2))),
    ];
  }

  /** Fetching has stopped: commit what was applied, so a graceful stop loses no work and replays none. */
  async drain(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    // What waits in the topic merge is applied (out of order at worst) rather than redelivered: a stop loses nothing.
    await this.exclusive(async () => {
      await this.releaseWaiting(true).catch((error: unknown) => void (this.failure ??= { error }));
      await this.flush();
      await this.inFlight;
      await this.recover();
    });
  }

  /** Called after each snapshot is committed to Postgres (tests and benchmarks wait on it). */
  onFlushed(listener: (snapshot: DriftSnapshot, result: FlushResult) => void): () => void {
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  /** A batch of feedback or exposures from the transport (the key is the topic's: 'feedback' or 'exposures'). */
  async apply(batch: TopicBatch): Promise<void> {
    const topic = batch.key as InputTopic;
    if (batch.missing > 0) this.metrics.messages.inc({ outcome: 'missing_from_log' }, batch.missing);
    await this.guarded(async () => {
      // Fenced: dropped; the transport's reload refetches it from the stored offsets.
      if (this.fenced) return;
      for (const message of batch.messages) this.retained.push({ topic, partition: batch.partition, message });
      // While a failure waits for recovery the batch is only kept: recovery applies it with the rest.
      if (this.failure) return;
      await this.record(await this.usecase.apply(topic, batch.partition, batch.messages));
      await this.flushIfDue();
    });
  }

  /** A group join (partitions may have moved): commit what we hold and forget it; partitions are loaded as they are sought. */
  release(): Promise<void> {
    return this.exclusive(async () => {
      await this.releaseWaiting(true).catch((error: unknown) => void (this.failure ??= { error }));
      await this.flush();
      await this.inFlight;
      // A fence here is another instance owning a partition already; recover() reports it and the transport expects it.
      await this.recover();
      this.forget();
    });
  }

  /** After a fence: everything held is stale; forget it, commit nothing. Partitions are loaded again as they are sought. */
  reload(): Promise<void> {
    return this.exclusive(async () => {
      await this.inFlight;
      this.forget();
    });
  }

  /** The first topic of a partition number loads it (both topics' offsets and its population shards) from Postgres. */
  storedNextOffset(topic: string, partition: number): Promise<number> {
    return this.exclusive(async () => {
      if (!this.assigned.includes(partition)) {
        const stored = await this.repository.loadPartition(partition, [this.topics.feedback, this.topics.exposures]);
        this.state.adoptPartition(partition, stored.offsets, stored.shards);
        this.assigned.push(partition);
        this.log.info('resuming partition from Postgres', { partition, offsets: stored.offsets, shards: stored.shards.length });
      }
      return this.state.next(topic, partition);
    });
  }

  private async flushIfDue(): Promise<void> {
    if (this.state.pendingMessages >= this.config.DRIFT_FLUSH_EVENTS || Date.now() - this.lastFlushAt >= this.config.DRIFT_FLUSH_INTERVAL_MS) {
      await this.flush();
    }
  }

  private async releaseWaiting(force: boolean): Promise<void> {
    await this.record(await this.usecase.releaseIdle(force));
  }

  /** Dead letters kept for the next commit, counters, and the applied-offset gauges after a batch or a release. */
  private async record(outcome: BatchOutcome): Promise<void> {
    for (const letter of outcome.deadLetters) this.letters.push(letter);
    this.metrics.messages.inc({ outcome: 'applied' }, outcome.applied);
    this.metrics.messages.inc({ outcome: 'duplicate' }, outcome.duplicates);
    this.metrics.messages.inc({ outcome: 'dead_lettered' }, outcome.deadLetters.length);
    this.metrics.messages.inc({ outcome: 'redelivered' }, outcome.redelivered);
    this.metrics.waiting.set(this.usecase.waiting);
    for (const [topic, name] of Object.entries(this.topics)) {
      for (const partition of this.state.partitionNumbers()) this.metrics.consumed.set({ topic, partition: String(partition) }, this.state.next(name, partition));
    }
  }

  /** Take a snapshot (synchronously, under the lock) and write it while consumption continues. */
  private async flush(): Promise<void> {
    await this.inFlight;
    if (this.failure) return;
    this.lastFlushAt = Date.now();
    const snapshot = this.state.snapshot();
    if (snapshot.offsets.length === 0 && snapshot.users.length === 0 && snapshot.shards.length === 0 && snapshot.alerts.length === 0) return;
    const letters = this.letters.splice(0);
    const started = process.hrtime.bigint();
    this.inFlight = this.repository.flush(snapshot, letters).then(
      (result) => this.committed(snapshot, result, started, letters.length > 0),
      (error: unknown) => {
        // In-memory state is now ahead of the store: recover() drops it and applies the uncommitted messages again.
        this.failure ??= { error };
        void this.guarded(async () => undefined);
      },
    );
  }

  /** After a snapshot is in Postgres: metrics, listeners, the alert outbox, the transport (Kafka, dead letters), and the kept messages. */
  private async committed(snapshot: DriftSnapshot, result: FlushResult, started: bigint, deadLetters: boolean): Promise<void> {
    this.metrics.flushSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.metrics.alerts.inc({ outcome: 'raised' }, result.raised.length);
    this.metrics.alerts.inc({ outcome: 'folded' }, result.folded);
    for (const o of snapshot.offsets) {
      this.metrics.committed.set({ topic: o.topic === this.topics.feedback ? 'feedback' : 'exposures', partition: String(o.partition) }, o.to);
    }
    if (snapshot.offsets.length > 0) {
      const to = new Map(snapshot.offsets.map((o) => [`${o.topic}\u0001${o.partition}`, o.to]));
      this.retained = this.retained.filter((u) => Number(u.message.offset) >= (to.get(`${this.topics[u.topic]}\u0001${u.partition}`) ?? 0));
    }
    for (const listener of this.flushListeners) listener(snapshot, result);
    if (result.raised.length > 0) void this.outbox.drain();
    this.transport?.committed(
      snapshot.offsets.map((o) => ({ topic: o.topic, partition: o.partition, nextOffset: o.to })),
      deadLetters,
    );
  }

  /** Runs `work` under the lock; a failure in it is recovered from (see recover) before the lock is released. */
  private guarded(work: () => Promise<void>): Promise<void> {
    return this.exclusive(async () => {
      try {
        await work();
      } catch (error) {
        this.failure ??= { error };
      }
      await this.recover();
    }).catch((error: Error) => (this.transport ? this.transport.fatal(error) : this.onFatal(error)));
  }

  /**
   * After a failure (under the lock): drop the state and apply the kept messages again from Postgres, isolating any
   * message at fault and retrying infrastructure failures with backoff. A fence (another instance owns the partition
   * now) is fatal: restarting is how drift-watch lets go of what it held.
   */
  private async recover(): Promise<void> {
    if (!this.failure) return;
    await this.inFlight;
    if (this.fenced) return;
    const { error } = this.failure;
    if (error instanceof PartitionFencedError) {
      // Reported once; the transport decides (a first fence of a partition in a generation is reloaded) and until then
      // this instance applies and commits nothing: its memory is behind what another instance committed.
      this.fenced = true;
      this.log.warn('a commit was fenced: another instance committed a partition since this one loaded it', { error: error.message });
      if (this.transport) this.transport.fatal(error);
      else this.onFatal(error);
      return;
    }
    this.log.warn('applying or committing drift input failed; applying the uncommitted messages again from Postgres', {
      error: describeFailure(error),
      messages: this.retained.length,
    });
    const units = this.retained;
    try {
      await retryOnInfrastructure(() => isolatePoison(units, { attempt: (group) => this.attempt(group), quarantine: (unit, e) => this.quarantine(unit, e) }), {
        what: 'applying drift input',
        log: this.log,
        giveUp: (e) => e instanceof PartitionFencedError || this.stopped,
      });
    } catch (e) {
      if (!(e instanceof PartitionFencedError)) throw e;
      this.failure = { error: e };
      return this.recover();
    }
    this.retained = [];
    this.failure = undefined;
    this.lastFlushAt = Date.now();
  }

  /** Nothing held: no partition, no state, no message kept, no failure waiting (a group join, a fence). */
  private forget(): void {
    this.retained = [];
    this.letters = [];
    this.state.clear();
    this.usecase.clear();
    this.assigned = [];
    this.failure = undefined;
    this.fenced = false;
  }

  /** The assigned partitions as committed in Postgres, nothing in memory. */
  private async reset(): Promise<void> {
    this.state.clear();
    this.usecase.clear();
    this.letters = [];
    const topics = [this.topics.feedback, this.topics.exposures];
    for (const partition of this.assigned) {
      const stored = await this.repository.loadPartition(partition, topics);
      this.state.adoptPartition(partition, stored.offsets, stored.shards);
    }
  }

  /** Apply `group` from the committed state, releasing all it leaves waiting, and commit it; or throw, committing nothing. */
  private async attempt(group: readonly Unit[]): Promise<void> {
    await this.reset();
    for (let start = 0; start < group.length; ) {
      const { topic, partition } = group[start]!;
      let end = start;
      while (end < group.length && group[end]!.topic === topic && group[end]!.partition === partition) end++;
      await this.record(await this.usecase.apply(topic, partition, group.slice(start, end).map((u) => u.message)));
      start = end;
    }
    await this.releaseWaiting(true);
    await this.commitNow();
  }

  /** Dead-letter `unit` and commit its offset, nothing of it applied. */
  private async quarantine(unit: Unit, error: unknown): Promise<void> {
    await this.reset();
    const topic = this.topics[unit.topic];
    const offset = Number(unit.message.offset);
    if (offset < this.state.next(topic, unit.partition)) return;
    const reason = `Postgres refused a value of this message (${describeFailure(error)}); correct it and send it again`;
    await this.record({ applied: 0, duplicates: 0, redelivered: 0, deadLetters: [this.usecase.deadLetterOf(topic, unit.partition, unit.message, 'DRIFT.UNSTORABLE', reason)] });
    this.state.advance(topic, unit.partition, offset + 1);
    this.state.pendingMessages++;
    await this.commitNow();
  }

  private async commitNow(): Promise<void> {
    const snapshot = this.state.snapshot();
    const letters = this.letters.splice(0);
    const started = process.hrtime.bigint();
    await this.committed(snapshot, await this.repository.flush(snapshot, letters), started, letters.length > 0);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
