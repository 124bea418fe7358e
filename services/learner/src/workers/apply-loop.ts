import { describeFailure, isolatePoison, PartitionFencedError, retryOnInfrastructure, UnprocessableMessageError } from '@chorus/platform';
import type { DataSource } from 'typeorm';
import type { LearnerConfig } from '../learner.config';
import type { LearnerStateRepository } from '../persistence/learner-state.repository';
import type { ApplyFeedbackUseCase } from '../usecases/apply-feedback.usecase';
import type { ItemCatalogue } from '../usecases/item-catalogue';
import type { LearnerState } from '../usecases/learner-state';
import { BatchView, packBatch, type FromWorker, type ToWorker } from './apply-worker.protocol';

/** Message i of a retained batch, the unit isolatePoison works on. */
type Unit = { partition: number; view: BatchView; index: number };

export interface ApplyLoopParts {
  db: DataSource;
  state: LearnerState;
  repository: LearnerStateRepository;
  catalogue: ItemCatalogue;
  usecase: ApplyFeedbackUseCase;
}

type FlushSettings = Pick<LearnerConfig, 'LEARNER_FLUSH_EVENTS' | 'LEARNER_FLUSH_INTERVAL_MS' | 'LEARNER_FLUSH_IDLE_MS'>;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The message that tells the Kafka thread the apply thread cannot go on. */
export function fatalMessage(error: unknown): FromWorker {
  const e = error instanceof Error ? error : new Error(String(error));
  return { type: 'fatal', message: e.message, stack: e.stack };
}

/**
 * The apply thread's loop (see feedback-apply.worker.ts): receives batches, applies them in order, commits with group
 * commit, and recovers from a failure by applying the uncommitted batches again from Postgres.
 *
 * Everything touching the state runs in one promise chain (`serially`), in message order. A snapshot is taken
 * synchronously inside that chain, between batches, so model state and offsets in a commit always describe the same
 * events.
 */
export class ApplyLoop {
  private chain: Promise<unknown> = Promise.resolve();
  private writing: Promise<void> | undefined;
  private flushWanted = false;
  private lastFlushAt = Date.now();
  /** Batches received and not yet applied. */
  private queued = 0;
  /** Batches applied since the last commit that succeeded, in order: what a recovery applies again. */
  private retained: { partition: number; view: BatchView }[] = [];
  /** Set when applying or committing failed: the state is not to be trusted until recover() has run. */
  private failure: { error: unknown } | undefined;
  /** Set once a failure was fatal: nothing more is committed. */
  private stopped = false;
  /** A commit was fenced and reported: nothing is applied or committed until the transport reloads (see recover). */
  private fenced = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly parts: ApplyLoopParts,
    private readonly settings: FlushSettings,
    private readonly send: (message: FromWorker) => void,
  ) {
    this.timer = setInterval(
      () => {
        if (this.flushDue()) void this.serially(async () => this.flush());
      },
      Math.max(5, Math.floor(Math.min(settings.LEARNER_FLUSH_IDLE_MS, settings.LEARNER_FLUSH_INTERVAL_MS / 4))),
    );
  }

  /** One message from the Kafka thread. */
  receive(message: ToWorker): void {
    if (message.type === 'batch') {
      this.queued++;
      void this.serially(() => this.applyBatch(message));
    } else if (message.type === 'evict') {
      // In the chain, between batches: evicting while a batch waits for its preload would leave it without the item.
      void this.serially(async () => {
        for (const itemId of message.itemIds) this.parts.catalogue.evict(itemId);
      });
    } else if (message.type === 'reload') {
      void this.serially(async () => {
        while (this.writing) await this.writing;
        this.forget();
        this.send({ type: 'done', seq: message.seq });
      });
    } else {
      void this.serially(() => this.commitAndAnswer(message.seq, message.type === 'stop'));
    }
  }

  /** In-memory state may now be ahead of the store: report, commit nothing more, let the learner restart from Postgres. */
  fail(error: unknown): void {
    this.stopped = true;
    this.send(fatalMessage(error));
  }

  private serially(work: () => Promise<void>): Promise<unknown> {
    this.chain = this.chain.then(work).catch((error: unknown) => this.fail(error));
    return this.chain;
  }

  private log(level: 'warn' | 'error', message: string, fields: Record<string, unknown>): void {
    this.send({ type: 'log', level, message, fields });
  }

  private async applyBatch(message: Extract<ToWorker, { type: 'batch' }>): Promise<void> {
    const { state, usecase } = this.parts;
    // Let I/O in first: batches chained through promises alone would run as one long microtask sequence and starve
    // the Postgres client of its socket callbacks, so a commit could not finish until the learner caught up.
    await yieldToEventLoop();
    const view = new BatchView(message);
    // Fenced: the batch is dropped (the reload refetches it from the stored offsets).
    if (!this.fenced) this.retained.push({ partition: message.partition, view });
    let outcome = { applied: 0, duplicates: 0, redelivered: 0, deadLetters: { length: 0 } };
    if (!this.failure && !this.fenced) {
      try {
        await this.adopt(message.partition);
        outcome = await usecase.apply(message.partition, view);
      } catch (error) {
        // The state may hold part of this batch: recover() starts again from Postgres, this batch included.
        this.failure = { error };
      }
    }
    await this.recover();
    this.send({
      type: 'applied',
      seq: message.seq,
      partition: message.partition,
      nextOffset: state.nextOffset.get(message.partition) ?? 0,
      applied: outcome.applied,
      duplicates: outcome.duplicates,
      redelivered: outcome.redelivered,
      deadLettered: outcome.deadLetters.length,
    });
    this.queued--;
    // One write in flight at a time, so under load commits grow instead of multiplying.
    if (state.pendingEvents >= this.settings.LEARNER_FLUSH_EVENTS || this.flushDue()) this.flush();
  }

  /** Rebalance or stop: commit everything applied, forget the partitions, answer. */
  private async commitAndAnswer(seq: number, stop: boolean): Promise<void> {
    // Answered even when the commit fails: the failure is reported as fatal, and the learner must still be able to
    // let go of its partitions and stop. Unanswered, its close would wait forever. A fence here is reported and
    // forgotten: the transport expects it while partitions are released, and reloads what this learner keeps.
    try {
      await this.commitAll();
    } catch (error) {
      this.fail(error);
    }
    this.forget();
    if (stop) {
      clearInterval(this.timer);
      await this.parts.db.destroy();
    }
    this.send({ type: 'done', seq });
  }

  private async adopt(partition: number): Promise<void> {
    const { state, repository } = this.parts;
    if (state.hasPartition(partition)) return;
    const stored = await repository.loadPartition(partition);
    state.adoptPartition(partition, stored.nextOffset, stored.shards, stored.reliabilityPairs);
  }

  /** Due by age, or (group commit) caught up with the last commit at least LEARNER_FLUSH_IDLE_MS ago. */
  private flushDue(): boolean {
    const age = Date.now() - this.lastFlushAt;
    return age >= this.settings.LEARNER_FLUSH_INTERVAL_MS || (this.queued === 0 && this.parts.state.pendingEvents > 0 && age >= this.settings.LEARNER_FLUSH_IDLE_MS);
  }

  /**
   * Snapshot now (synchronously, between batches) and write it while the next batches are applied. One write at a
   * time: while one runs, a flush request is remembered and served when it ends, so a slow Postgres makes commits
   * bigger instead of stalling the apply loop.
   */
  private flush(): void {
    if (this.stopped || this.failure || this.fenced) return;
    if (this.writing) {
      this.flushWanted = true;
      return;
    }
    this.flushWanted = false;
    this.lastFlushAt = Date.now();
    const snapshot = this.parts.state.snapshot();
    const covered = this.retained.length;
    if (snapshot.offsets.length === 0 && snapshot.users.length === 0 && snapshot.shards.length === 0) {
      this.retained.splice(0, covered);
      return;
    }
    const started = process.hrtime.bigint();
    this.writing = this.parts.repository.flush(snapshot).then(
      (outboxIds) => {
        this.writing = undefined;
        this.retained.splice(0, covered);
        this.send({ type: 'flushed', offsets: snapshot.offsets, outboxIds, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
        if (this.flushWanted) void this.serially(async () => this.flush());
      },
      (error: unknown) => {
        this.writing = undefined;
        this.failure ??= { error };
        void this.serially(() => this.recover());
      },
    );
  }

  /** Commit the state as it is now and wait for it (recovery: nothing else is written meanwhile). */
  private async commitNow(): Promise<void> {
    const snapshot = this.parts.state.snapshot();
    const started = process.hrtime.bigint();
    const outboxIds = await this.parts.repository.flush(snapshot);
    this.send({ type: 'flushed', offsets: snapshot.offsets, outboxIds, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
  }

  /** Apply `group` from the state in Postgres and commit it (one fenced transaction), or throw having committed nothing. */
  private async attempt(group: readonly Unit[]): Promise<void> {
    this.parts.state.clear();
    for (let start = 0; start < group.length; ) {
      // Consecutive messages of one batch are applied as one batch (the whole view when the group holds all of it).
      const { partition, view } = group[start]!;
      let end = start;
      while (end < group.length && group[end]!.view === view) end++;
      await this.adopt(partition);
      const whole = end - start === view.length;
      const part = whole ? view : new BatchView(packBatch(partition, group.slice(start, end).map((u) => view.record(u.index))));
      await this.parts.usecase.apply(partition, part);
      start = end;
    }
    await this.commitNow();
  }

  /** Commit message `unit` as a dead letter, its offset passed, nothing of it applied. */
  private async quarantine(unit: Unit, error: unknown): Promise<void> {
    const { state, usecase } = this.parts;
    state.clear();
    await this.adopt(unit.partition);
    if (unit.view.offset(unit.index) < state.nextOffset.get(unit.partition)!) return;
    const [code, reason] =
      error instanceof UnprocessableMessageError
        ? [error.code, error.message]
        : ['FEEDBACK.UNSTORABLE', `Postgres refused a value of this event (${describeFailure(error)}); correct the event and send it again`];
    usecase.refuse(unit.partition, unit.view, unit.index, code, reason);
    await this.commitNow();
    this.log('warn', 'isolated a message that cannot be applied; dead-lettered it', { code, partition: unit.partition, offset: unit.view.offset(unit.index) });
  }

  /** Drop everything held, uncommitted batches included (after a fence, at a group join once committed). */
  private forget(): void {
    this.parts.state.clear();
    this.retained = [];
    this.failure = undefined;
    this.fenced = false;
  }

  /**
   * After a failure: drop the state and apply what was not committed again from Postgres, isolating any message at
   * fault and retrying infrastructure failures with backoff. A fence (another learner committed a partition since this
   * one loaded it) is reported once to the transport, which decides: this worker holds still until it is reloaded.
   */
  private async recover(): Promise<void> {
    // Checked first: every batch calls this, and waiting for the write in flight would end the overlap of the two.
    if (!this.failure) return;
    while (this.writing) await this.writing;
    const giveUp = (error: unknown) => error instanceof PartitionFencedError;
    if (this.fenced) return;
    if (this.failure.error instanceof PartitionFencedError) {
      const { code, owner, partitions } = this.failure.error;
      this.fenced = true;
      this.send({ type: 'fenced', code, owner, partitions: [...partitions] });
      return;
    }
    this.log('warn', 'applying or committing feedback failed; applying the uncommitted batches again from Postgres', {
      error: describeFailure(this.failure.error),
      batches: this.retained.length,
    });
    const units: Unit[] = [];
    for (const { partition, view } of this.retained) for (let index = 0; index < view.length; index++) units.push({ partition, view, index });
    try {
      await retryOnInfrastructure(
        () => isolatePoison(units, { attempt: (group) => this.attempt(group), quarantine: (unit, error) => this.quarantine(unit, error) }),
        { what: 'applying feedback', giveUp, log: { warn: (message, fields) => this.log('warn', message, fields ?? {}) } },
      );
    } catch (error) {
      if (!giveUp(error)) throw error;
      this.failure = { error };
      return this.recover();
    }
    this.retained = [];
    this.failure = undefined;
    this.lastFlushAt = Date.now();
  }

  /** Commit everything applied so far and wait for it (rebalance, stop). */
  private async commitAll(): Promise<void> {
    while (this.writing) await this.writing;
    await this.recover();
    this.flush();
    while (this.writing) await this.writing;
    await this.recover();
    this.retained = [];
  }
}
