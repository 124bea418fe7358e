import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCatalogue, userStream } from '../services/drift-watch/src/testing/drift-stream.fixture';
import { driftCommitted, DRIFT_TEST_ENV, produceDriftMessages, seedCatalogue, startDriftWatch } from './support/drift-watch';
import { pollUntil } from './support/poll';
import { startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * drift-watch reads a gated user's deviation b_u from the learner's store. When it asks before the learner has
 * committed that user, it must ask again later even if the user sends nothing more — a user whose stream stops right
 * after the gate would otherwise never get a personal-divergence reading.
 */
describe('drift-watch: b_u asked again when the learner had not committed it yet', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let url: string;
  let drift: Awaited<ReturnType<typeof startDriftWatch>> | undefined;
  let learner: Awaited<ReturnType<typeof startLearner>> | undefined;
  const groupId = `drift-retry-${stack.id}`;
  const series = () =>
    db
      .query(`SELECT count(*)::int AS n FROM drift_user_series WHERE metric = 'personal-divergence' AND user_id = 'quiet'`)
      .then((rows: { n: number }[]) => rows[0]!.n);

  beforeAll(async () => {
    await stack.start();
    ({ db, url } = await stack.database());
    await seedCatalogue(db, driftCatalogue('news'));
  });

  afterAll(async () => {
    await drift?.app.close();
    await learner?.app.close();
    await stack.stop();
  });

  it('reads it once the learner commits, with no further events from the user', async () => {
    const env = serviceEnv(stack, url, { ...DRIFT_TEST_ENV, DRIFT_GROUP_ID: groupId, DRIFT_RERANK_ENABLED: 'false', DRIFT_MODEL_RETRY_MS: '300', LEARNER_FLUSH_INTERVAL_MS: '100' });
    // 20 rounds of a served list and a click: 40 events, past the gate of 30, and then nothing more.
    const messages = userStream({ userId: 'quiet', domain: 'news', rounds: 20, seed: 5, startMs: Date.parse('2026-03-02T08:00:00Z'), stepMs: 60_000 });
    await produceDriftMessages(stack, messages);
    drift = await startDriftWatch(env);
    await pollUntil(() => driftCommitted(db, groupId), (n) => n === messages.length, { what: 'drift-watch to commit the whole stream', timeoutMs: 30_000 });
    // No learner has run: drift-watch found no model to read.
    expect(await series()).toBe(0);

    learner = await startLearner(env);
    await pollUntil(
      () => db.query(`SELECT count(*)::int AS n FROM user_models WHERE user_id = 'quiet'`).then((rows: { n: number }[]) => rows[0]!.n),
      (n) => n === 1,
      { what: 'the learner to commit the user' },
    );
    const points = await pollUntil(series, (n) => n > 0, { what: 'a personal-divergence point for the quiet user', timeoutMs: 15_000 });
    expect(points).toBeGreaterThan(0);
    expect(drift.fatal).toEqual([]);
  });
});
