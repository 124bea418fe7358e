/**
 * Apply cost: CPU per event of the learner's apply step — what its worker thread does with a batch — in process, with
 * no Kafka and no commits, against the bare decode of the same batches, measured in one run.
 *   - baseline: per batch a BatchView, per record decodeFeedbackEvent (the least any consumer of the topic must do);
 *   - apply: ApplyFeedbackUseCase.apply on the same packed batches — decode, dedupe, catalogue and user lookups, both
 *     model updates — from a fresh in-memory state each round, so new users are loaded (one query per chunk, from a
 *     real Postgres) as in a learner's first pass.
 * This isolates the part of `bench:ingest` that the apply worker owns, without the broker's and the baseline's swings:
 * judge a change to the apply path here first. Rounds alternate; the best of each is reported.
 *
 *   npm run bench:apply -- [--events 200000] [--users 2000] [--rounds 5]
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { decodeFeedbackEvent, feedbackEventV1 } from '@chorus/contracts';
import { connectDatabase, dropDatabase } from '@chorus/platform';
import { ModelPriors } from '@chorus/scoring';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { loadLearnerConfig } from '../services/learner/src/learner.config';
import { CatalogueRepository } from '../services/learner/src/persistence/catalogue.repository';
import { LearnerStateRepository } from '../services/learner/src/persistence/learner-state.repository';
import { ApplyFeedbackUseCase } from '../services/learner/src/usecases/apply-feedback.usecase';
import { WeighByReliability } from '../services/learner/src/usecases/weigh-by-reliability';
import { ItemCatalogue } from '../services/learner/src/usecases/item-catalogue';
import { LearnerState } from '../services/learner/src/usecases/learner-state';
import { BatchView, packBatch, type PackedBatch } from '../services/learner/src/workers/apply-worker.protocol';
import { catalogue, feedbackStream } from '../test/support/feedback-factory';
import { flag } from './bench-stack';
import { migrate } from '../infra/database/migrate-database';

const EVENTS = flag('events', 200_000);
const USERS = flag('users', 2000);
const ROUNDS = flag('rounds', 5);
/** Records per batch: what one fetch of a busy partition hands the worker. */
const BATCH = 5000;

async function main(): Promise<void> {
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/chorus_bench_apply_${randomBytes(3).toString('hex')}`;
  await migrate(databaseUrl);
  const db = await connectDatabase(databaseUrl, { poolSize: 3, applicationName: 'bench-apply' });
  try {
    await new ItemsRepository(db).upsert(catalogue(1000));
    const config = loadLearnerConfig({ DATABASE_URL: databaseUrl });
    process.stdout.write(`packing ${EVENTS} events for ${USERS} users into batches of ${BATCH}...\n`);
    const events = feedbackStream(EVENTS, { users: USERS, items: 1000, seed: 1 }).map((e) => feedbackEventV1.parse(e));
    const batches: PackedBatch[] = [];
    for (let i = 0; i < events.length; i += BATCH) {
      const slice = events.slice(i, i + BATCH).map((e, k) => ({ offset: String(i + k), key: Buffer.from(e.userId), value: Buffer.from(JSON.stringify(e)) }));
      batches.push(packBatch(0, slice));
    }

    const decodeOnly = async () => {
      let decoded = 0;
      for (const batch of batches) {
        const view = new BatchView(batch);
        for (let i = 0; i < view.length; i++) if (decodeFeedbackEvent(view.text, view.valueStartOf(i), view.valueEndOf(i))) decoded++;
      }
      return decoded;
    };
    const apply = async () => {
      const state = new LearnerState(new ModelPriors(config), config.LEARNER_MAX_RESIDENT_USERS, config.LEARNER_INTERACTION_ROWS_PER_USER);
      const usecase = new ApplyFeedbackUseCase(state, new ItemCatalogue(new CatalogueRepository(db)), new LearnerStateRepository(db, 'bench', 'bench'), {
        topic: 'bench',
        consumer: 'bench',
        dedupeWindow: config.LEARNER_DEDUPE_WINDOW,
        logPredictions: false,
      }, new WeighByReliability(config));
      state.adoptPartition(0, 0, []);
      let applied = 0;
      for (const batch of batches) applied += (await usecase.apply(0, new BatchView(batch))).applied;
      return applied;
    };

    const best = { decode: Infinity, apply: Infinity };
    for (let round = 1; round <= ROUNDS; round++) {
      const decode = await cpuPerEvent(decodeOnly);
      const applied = await cpuPerEvent(apply);
      best.decode = Math.min(best.decode, decode);
      best.apply = Math.min(best.apply, applied);
      process.stdout.write(`round ${round}: decode only ${decode.toFixed(2)} µs/event, apply ${applied.toFixed(2)} µs/event\n`);
    }
    process.stdout.write(
      [
        '',
        `apply cost over ${EVENTS} events, ${USERS} users (best of ${ROUNDS} rounds, CPU of this thread and V8's helpers)`,
        `  decode only (BatchView + decodeFeedbackEvent)   ${best.decode.toFixed(2)} µs/event`,
        `  apply (ApplyFeedbackUseCase.apply)              ${best.apply.toFixed(2)} µs/event`,
        `  ratio apply ÷ decode                            ${(best.apply / best.decode).toFixed(2)}`,
        '',
      ].join('\n'),
    );
  } finally {
    await db.destroy();
    await dropDatabase(databaseUrl);
  }
}

/** Process CPU time per event of one pass, which must account for every event (a pass that skipped work would lie). */
async function cpuPerEvent(pass: () => Promise<number>): Promise<number> {
  const cpu = process.cpuUsage();
  const count = await pass();
  const used = process.cpuUsage(cpu);
  if (count !== EVENTS) throw new Error(`a pass handled ${count} of ${EVENTS} events; the benchmark's input is broken`);
  return (used.user + used.system) / EVENTS;
}

main().catch((error: Error) => {
  process.stderr.write(`benchmark failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
