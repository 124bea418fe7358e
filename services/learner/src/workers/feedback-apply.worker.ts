import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { topicName } from '@chorus/contracts';
import { connectDatabase, describeFailure, isolatePoison, PartitionFencedError, retryOnInfrastructure, UnprocessableMessageError } from '@chorus/platform';
import { ModelPriors } from '@chorus/scoring';
import type { LearnerConfig } from '../learner.config';
import { CatalogueRepository } from '../persistence/catalogue.repository';
import { LearnerStateRepository } from '../persistence/learner-state.repository';
import { ApplyFeedbackUseCase } from '../usecases/apply-feedback.usecase';
import { ItemCatalogue } from '../usecases/item-catalogue';
import { LearnerState } from '../usecases/learner-state';
import { BatchView, packBatch, type FromWorker, type ToWorker } from './apply-worker.protocol';

/**
 * The learner's apply thread: parsing, validation, model updates and Postgres commits run here, so the Kafka thread
 * only fetches and decodes. The two overlap on two cores instead of taking turns on one.
 *
 * Everything touching the state runs in one promise chain, in message order. A snapshot is taken synchronously
 * inside that chain, between batches, so model state and offsets in a commit always describe the same events.
 *
 * No single message stops it. The batches applied since the last commit that succeeded are kept; when applying or
 * committing fails, the in-memory state (now ahead of the store) is dropped and those batches are applied again from
 * the state in Postgres, committing as they go: a failure a message caused (see classifyFailure) is narrowed down by
 * bisection (isolatePoison) to that message, which is committed as a dead letter, while every other message is
 * applied once (each group's commit is one fenced transaction, and a re-applied group skips offsets already
 * committed); an infrastructure failure is retried with capped exponential backoff instead of exiting.
 */
const config = workerData as LearnerConfig;
const port = parentPort!;
const send = (message: FromWorker) => port.postMessage(message);

async function main(): Promise<void> {
  const db = await connectDatabase(config.DATABASE_URL, { poolSize: 4, applicationName: 'chorus-learner-apply' });
  const topic = topicName('feedback', config.KAFKA_TOPIC_PREFIX);
  const state = new LearnerState(new ModelPriors(config), config.LEARNER_USER_CACHE_SIZE, config.LEARNER_INTERACTION_ROWS_PER_USER);
  const repository = new LearnerStateRepository(db, config.LEARNER_GROUP_ID, topic);
  const catalogue = new ItemCatalogue(new CatalogueRepository(db));
  const usecase = new ApplyFeedbackUseCase(state, catalogue, repository, {
    topic,
    consumer: config.LEARNER_GROUP_ID,
    dedupeWindow: config.LEARNER_DEDUPE_WINDOW,
    logPredictions: config.LEARNER_PREQUENTIAL_LOG,
  });

  let chain: Promise<unknown> = Promise.resolve();
  let writing: Promise<void> | undefined;
  let flushWanted = false;
  let lastFlushAt = Date.now();
  /** Batches received and not yet applied. */
  let queued = 0;
  /** Batches applied since the last commit that succeeded, in order: what a recovery applies again. */
  let retained: { partition: number; view: BatchView }[] = [];
  /** Set when applying or committing failed: the state is not to be trusted until recover() has run. */
  let failure: { error: unknown } | undefined;
  const serially = (work: () => Promise<void>) => {
    chain = chain.then(work).catch(fail);
    return chain;
  };
  const log = (level: 'warn' | 'error', message: string, fields: Record<string, unknown>) => send({ type: 'log', level, message, fields });

  const adopt = async (partition: number) => {
    if (state.hasPartition(partition)) return;
    const stored = await repository.loadPartition(partition);
    state.adoptPartition(partition, stored.nextOffset, stored.shards);
  };

  /**
   * Snapshot now (synchronously, between batches) and write it while the next batches are applied. One write at a
   * time: while one runs, a flush request is remembered and served when it ends, so a slow Postgres makes commits
   * bigger instead of stalling the apply loop.
   */
  const flush = () => {
    if (failed || failure) return;
    if (writing) {
      flushWanted = true;
      return;
    }
    flushWanted = false;
    lastFlushAt = Date.now();
    const snapshot = state.snapshot();
    const covered = retained.length;
    if (snapshot.offsets.length === 0 && snapshot.users.length === 0 && snapshot.shards.length === 0) {
      retained.splice(0, covered);
      return;
    }
    const started = process.hrtime.bigint();
    writing = repository.flush(snapshot).then(
      (outboxIds) => {
        writing = undefined;
        retained.splice(0, covered);
        send({ type: 'flushed', offsets: snapshot.offsets, outboxIds, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
        if (flushWanted) void serially(async () => flush());
      },
      (error: unknown) => {
        writing = undefined;
        failure ??= { error };
        void serially(recover);
      },
    );
  };

  /** Commit the state as it is now and wait for it (recovery: nothing else is written meanwhile). */
  const commitNow = async () => {
    const snapshot = state.snapshot();
    const started = process.hrtime.bigint();
    const outboxIds = await repository.flush(snapshot);
    send({ type: 'flushed', offsets: snapshot.offsets, outboxIds, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
  };

  /** Message i of a retained batch, the unit isolatePoison works on. */
  type Unit = { partition: number; view: BatchView; index: number };

  /** Apply `group` from the state in Postgres and commit it (one fenced transaction), or throw having committed nothing. */
  const attempt = async (group: readonly Unit[]) => {
    state.clear();
    for (let start = 0; start < group.length; ) {
      // Consecutive messages of one batch are applied as one batch (the whole view when the group holds all of it).
      const { partition, view } = group[start]!;
      let end = start;
      while (end < group.length && group[end]!.view === view) end++;
      await adopt(partition);
      const whole = end - start === view.length;
      const part = whole ? view : new BatchView(packBatch(partition, group.slice(start, end).map((u) => view.record(u.index))));
      await usecase.apply(partition, part);
      start = end;
    }
    await commitNow();
  };

  /** Commit message `unit` as a dead letter, its offset passed, nothing of it applied. */
  const quarantine = async (unit: Unit, error: unknown) => {
    state.clear();
    await adopt(unit.partition);
    if (unit.view.offset(unit.index) < state.nextOffset.get(unit.partition)!) return;
    const [code, reason] =
      error instanceof UnprocessableMessageError
        ? [error.code, error.message]
        : ['FEEDBACK.UNSTORABLE', `Postgres refused a value of this event (${describeFailure(error)}); correct the event and send it again`];
    usecase.refuse(unit.partition, unit.view, unit.index, code, reason);
    await commitNow();
    log('warn', 'isolated a message that cannot be applied; dead-lettered it', { code, partition: unit.partition, offset: unit.view.offset(unit.index) });
  };

  /**
   * After a failure: drop the state and apply what was not committed again from Postgres, isolating any message at
   * fault and retrying infrastructure failures with backoff. A fence (another learner owns the partition now) is fatal:
   * restarting is how the learner lets go of what it held.
   */
  const recover = async () => {
    // Checked first: every batch calls this, and waiting for the write in flight would end the overlap of the two.
    if (!failure) return;
    while (writing) await writing;
    const giveUp = (error: unknown) => error instanceof PartitionFencedError;
    if (giveUp(failure.error)) throw failure.error;
    log('warn', 'applying or committing feedback failed; applying the uncommitted batches again from Postgres', {
      error: describeFailure(failure.error),
      batches: retained.length,
    });
    const units: Unit[] = [];
    for (const { partition, view } of retained) for (let index = 0; index < view.length; index++) units.push({ partition, view, index });
    await retryOnInfrastructure(() => isolatePoison(units, { attempt, quarantine }), {
      what: 'applying feedback',
      giveUp,
      log: { warn: (message, fields) => log('warn', message, fields ?? {}) },
    });
    retained = [];
    failure = undefined;
    lastFlushAt = Date.now();
  };

  /** Commit everything applied so far and wait for it (rebalance, stop). */
  const commitAll = async () => {
    while (writing) await writing;
    await recover();
    flush();
    while (writing) await writing;
    await recover();
    retained = [];
  };

  /** Due by age, or (group commit) caught up with the last commit at least LEARNER_FLUSH_IDLE_MS ago. */
  const flushDue = () => {
    const age = Date.now() - lastFlushAt;
    return age >= config.LEARNER_FLUSH_INTERVAL_MS || (queued === 0 && state.pendingEvents > 0 && age >= config.LEARNER_FLUSH_IDLE_MS);
  };
  const timer = setInterval(() => {
    if (flushDue()) void serially(async () => flush());
  }, Math.max(5, Math.floor(Math.min(config.LEARNER_FLUSH_IDLE_MS, config.LEARNER_FLUSH_INTERVAL_MS / 4))));

  port.on('message', (message: ToWorker) => {
    if (message.type === 'batch') {
      queued++;
      void serially(async () => {
        // Let I/O in first: batches chained through promises alone would run as one long microtask sequence and starve
        // the Postgres client of its socket callbacks, so a commit could not finish until the learner caught up.
        await yieldToEventLoop();
        const view = new BatchView(message);
        retained.push({ partition: message.partition, view });
        let outcome = { applied: 0, duplicates: 0, redelivered: 0, deadLetters: { length: 0 } };
        if (!failure) {
          try {
            await adopt(message.partition);
            outcome = await usecase.apply(message.partition, view);
          } catch (error) {
            // The state may hold part of this batch: recover() starts again from Postgres, this batch included.
            failure = { error };
          }
        }
        await recover();
        send({
          type: 'applied',
          seq: message.seq,
          partition: message.partition,
          nextOffset: state.nextOffset.get(message.partition) ?? 0,
          applied: outcome.applied,
          duplicates: outcome.duplicates,
          redelivered: outcome.redelivered,
          deadLettered: outcome.deadLetters.length,
        });
        queued--;
        // One write in flight at a time, so under load commits grow instead of multiplying.
        if (state.pendingEvents >= config.LEARNER_FLUSH_EVENTS || flushDue()) flush();
      });
    } else if (message.type === 'evict') {
      // In the chain, between batches: evicting while a batch waits for its preload would leave it without the item.
      void serially(async () => {
        for (const itemId of message.itemIds) catalogue.evict(itemId);
      });
    } else {
      void serially(async () => {
        // Answered even when the commit fails (a fence above all): the failure is reported as fatal, and the learner
        // must still be able to let go of its partitions and stop. Unanswered, its close would wait forever.
        try {
          await commitAll();
        } catch (error) {
          fail(error);
        }
        state.clear();
        if (message.type === 'stop') {
          clearInterval(timer);
          await db.destroy();
        }
        send({ type: 'done', seq: message.seq });
      });
    }
  });
  send({ type: 'ready' });
}

let failed = false;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** In-memory state may now be ahead of the store: report, commit nothing more, let the learner restart from Postgres. */
function fail(error: unknown): void {
  failed = true;
  const e = error instanceof Error ? error : new Error(String(error));
  send({ type: 'fatal', message: e.message, stack: e.stack });
}

main().catch(fail);
