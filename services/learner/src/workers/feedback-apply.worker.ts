import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { topicName } from '@chorus/contracts';
import { connectDatabase, ModelPriors } from '@chorus/platform';
import type { LearnerConfig } from '../learner.config';
import { CatalogueRepository } from '../persistence/catalogue.repository';
import { LearnerStateRepository } from '../persistence/learner-state.repository';
import { ApplyFeedbackUseCase } from '../usecases/apply-feedback.usecase';
import { ItemCatalogue } from '../usecases/item-catalogue';
import { LearnerState } from '../usecases/learner-state';
import { BatchView, type FromWorker, type ToWorker } from './apply-worker.protocol';

/**
 * The learner's apply thread: parsing, validation, model updates and Postgres commits run here, so the Kafka thread
 * only fetches and decodes. The two overlap on two cores instead of taking turns on one.
 *
 * Everything touching the state runs in one promise chain, in message order. A snapshot is taken synchronously
 * inside that chain, between batches, so model state and offsets in a commit always describe the same events.
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
  const serially = (work: () => Promise<void>) => {
    chain = chain.then(work).catch(fail);
    return chain;
  };

  /**
   * Snapshot now (synchronously, between batches) and write it while the next batches are applied. One write at a
   * time: while one runs, a flush request is remembered and served when it ends, so a slow Postgres makes commits
   * bigger instead of stalling the apply loop.
   */
  const flush = () => {
    if (failed) return;
    if (writing) {
      flushWanted = true;
      return;
    }
    flushWanted = false;
    lastFlushAt = Date.now();
    const snapshot = state.snapshot();
    if (snapshot.offsets.length === 0 && snapshot.users.length === 0 && snapshot.shards.length === 0) return;
    const started = process.hrtime.bigint();
    writing = repository.flush(snapshot).then(
      (outboxIds) => {
        writing = undefined;
        send({ type: 'flushed', offsets: snapshot.offsets, outboxIds, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
        if (flushWanted) void serially(async () => flush());
      },
      fail,
    );
  };

  /** Commit everything applied so far and wait for it (rebalance, stop). */
  const commitAll = async () => {
    while (writing && !failed) await writing;
    flush();
    while (writing && !failed) await writing;
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
        if (!state.hasPartition(message.partition)) {
          const stored = await repository.loadPartition(message.partition);
          state.adoptPartition(message.partition, stored.nextOffset, stored.shards);
        }
        const outcome = await usecase.apply(message.partition, new BatchView(message));
        send({
          type: 'applied',
          seq: message.seq,
          partition: message.partition,
          nextOffset: state.nextOffset.get(message.partition)!,
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
        await commitAll();
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
