import { createDataSource } from '@chorus/platform';
import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { catalogue } from './support/feedback-factory';
import { learnerCommitted, learnerModelState, produceFeedback, validFeedback } from './support/learner-store';
import { pollUntil } from './support/poll';
import { PrivatePostgres } from './support/private-postgres';
import { LearnerProcess, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';
import { migrate } from '../infra/database/migrate-database';

const TOTAL = 15_000;

/**
 * The learner's Postgres crashes (immediate shutdown: no checkpoint, in-flight transactions lost) while the learner
 * commits, and comes back a few seconds later. The learner rides it out: it keeps running, retries with backoff, and
 * ends in the state of an uninterrupted run (on the shared Postgres) over the same events.
 */
describe('learner with its Postgres restarted mid-commit', () => {
  const stack = new TestStack(3);
  const postgres = new PrivatePostgres();
  let reference: { app: INestApplication; fatal: Error[] };
  let learner: LearnerProcess | undefined;
  let refDb: DataSource;
  let db: DataSource | undefined;
  let url: string;

  beforeAll(async () => {
    await Promise.all([stack.start(), postgres.start()]);
    const ref = await stack.database('ref');
    refDb = ref.db;
    url = postgres.url('chorus_learner');
    await migrate(url);
    db = await createDataSource(url, { poolSize: 2, applicationName: 'chorus-test' }).initialize();
    for (const store of [refDb, db]) await new ItemsRepository(store).upsert(catalogue(200));
    reference = await startLearner(serviceEnv(stack, ref.url, { LEARNER_GROUP_ID: `ref-${stack.id}` }));
  });

  afterAll(async () => {
    await learner?.kill();
    await db?.destroy().catch(() => undefined);
    await reference?.app.close();
    await postgres.destroy();
    await stack.stop();
  });

  it('keeps running through the outage and applies every event exactly once', async () => {
    learner = new LearnerProcess(serviceEnv(stack, url, { LEARNER_GROUP_ID: `pg-${stack.id}` }));
    await learner.start();
    const producing = produceFeedback(stack.kafka, stack.topic('feedback'), validFeedback(TOTAL, { users: 300, items: 200, seed: 44 }), { chunk: 250, pauseMs: 100 });
    // Commits every ~100 ms while events flow: the crash lands on or near a commit.
    await pollUntil(() => learnerCommitted(db!), (n) => n >= 2_000, { what: 'the learner to commit', intervalMs: 20 });
    await postgres.stop('immediate');
    const health = await pollUntil(
      async () => (learner!.running ? fetch(`http://127.0.0.1:${learner!.port}/health`).then((r) => r.status) : 'exited'),
      (status) => status === 503 || status === 'exited',
      { what: 'the learner to report Postgres down', timeoutMs: 15_000 },
    );
    expect(health).toBe(503);
    await postgres.up();
    await producing;

    await pollUntil(() => learnerCommitted(db!), (n) => n === TOTAL, { what: 'the learner to commit every offset', timeoutMs: 90_000, intervalMs: 250 });
    await pollUntil(() => learnerCommitted(refDb), (n) => n === TOTAL, { what: 'the reference to commit every offset', timeoutMs: 90_000, intervalMs: 250 });
    expect(learner.running).toBe(true);
    const [restarted, uninterrupted] = await Promise.all([learnerModelState(db!), learnerModelState(refDb)]);
    expect(uninterrupted.counters).toEqual([{ name: 'applied', value: String(TOTAL) }]);
    expect(restarted).toEqual(uninterrupted);
    expect(reference.fatal).toEqual([]);
  });
});
