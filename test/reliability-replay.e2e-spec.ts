import { decodeUserModelState } from '@chorus/scoring';
import type { INestApplication } from '@nestjs/common';
import { plantAnnotators } from '@chorus/simulation';
import { kafkaKeyPartition } from '@chorus/platform';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJudgmentCsv } from '../scripts/judgment-file';
import { plantedJudgmentCsv } from '../scripts/judgment-report';
import { replayJudgments } from '../scripts/judgment-replay';
import { jsonApi } from './support/admin-api';
import { seededUuid } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { startGateway, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

const PARTITIONS = 3;

/**
 * Issue #15, "one code path": planted annotators' judgments posted through the gateway, applied by the learner over
 * three partitions, get exactly the weights the offline experiment (npm run experiment:judgments -- --partitions 3)
 * gives the same judgments in the same order, and the learner's reliability state (each user's, and each partition's
 * pair counts) is the experiment's tracker state. Then the reliability read reports it.
 */
describe('reliability: the gateway replay equals the offline experiment', () => {
  const stack = new TestStack(PARTITIONS);
  let db: DataSource;
  let gateway: { app: INestApplication; url: string };
  let learner: Awaited<ReturnType<typeof startLearner>>;
  let key = '';
  const call = jsonApi(() => gateway.url, () => key);

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    const env = serviceEnv(stack, database.url, { LEARNER_FLUSH_INTERVAL_MS: '100', LEARNER_PREQUENTIAL_LOG: 'true', GATEWAY_MODEL_CACHE_SECONDS: '0' });
    gateway = await startGateway(env);
    learner = await startLearner(env);
    key = await stack.apiKey(db, ['admin', 'ingest', 'read'], 'reliability');
  });

  afterAll(async () => {
    await learner?.app.close();
    await gateway?.app.close();
    await stack.stop();
  });

  it('gives every judgment the offline weight and ends in the offline state; the reliability read reports it', async () => {
    const planted = plantAnnotators({ seed: 7, itemCount: 30, annotatorCount: 24, pairCount: 60, pairsPerAnnotator: 10 });
    const rows = parseJudgmentCsv(plantedJudgmentCsv(planted), 'planted.csv');
    const offline = replayJudgments(rows, { seed: 1, holdout: 0, itemPriorVariance: 1, partitions: PARTITIONS });
    expect(new Set(planted.annotators.map((a) => kafkaKeyPartition(a.id, PARTITIONS))).size).toBe(PARTITIONS);

    const items = [...planted.quality.keys()].map((itemId) => ({ itemId, domain: 'movies', categories: { general: 1 } }));
    expect((await call('POST', '/v1/items/import', { items })).status).toBe(201);
    const events = rows.map((row, k) => ({
      eventId: seededUuid(`reliability:${k}`),
      userId: row.annotatorId,
      occurredAt: new Date(row.occurredAt!).toISOString(),
      domain: 'movies',
      type: 'pairwise',
      chosenId: row.chosenId,
      rejectedId: row.rejectedId,
      context: { framingId: row.framingId, position: row.position },
    }));
    // In order, one batch after the other: each partition's log then holds its users' judgments in file order.
    for (let from = 0; from < events.length; from += 500) {
      expect((await call('POST', '/v1/feedback', { events: events.slice(from, from + 500) })).status).toBe(202);
    }
    await pollUntil(
      async () => ((await db.query(`SELECT count(*)::int AS n FROM prequential_predictions`)) as { n: number }[])[0]!.n,
      (n) => n === events.length,
      { what: 'the learner to commit every judgment', timeoutMs: 120_000, intervalMs: 250 },
    );

    // Per judgment: the weight the learner gave it is the experiment's (stored as a float4, which Postgres prints in
    // the shortest text that reads back as the same float4: compared as float4s).
    const stored: { event_id: string; weight: number }[] = await db.query(`SELECT event_id::text, weight FROM prequential_predictions`);
    const learned = new Map(stored.map((p) => [p.event_id, Math.fround(p.weight)]));
    const mismatches = events.filter((event, k) => learned.get(event.eventId) !== Math.fround(offline.weights[k]!));
    expect(mismatches.length).toBe(0);
    expect(new Set(offline.weights).size).toBeGreaterThan(20);

    // The state, exactly: every user's reliability (with the sum of the weights it gave, in double precision) and every
    // partition's pair counts.
    const expected = JSON.parse(JSON.stringify(offline.tracker));
    const users = ((await db.query(`SELECT user_id, state FROM user_models`)) as { user_id: string; state: Buffer }[]).map((u) => ({ user_id: u.user_id, reliability: JSON.parse(JSON.stringify(decodeUserModelState(u.state).reliability)) }));
    expect(Object.fromEntries(users.map((u) => [u.user_id, u.reliability]))).toEqual(expected.users);
    const pairs: { shard: number; item_a: string; item_b: string; n: string; a: number }[] = await db.query(`SELECT shard, item_a, item_b, n, a FROM reliability_pair_counts`);
    const byShard: Record<string, Record<string, [number, number]>> = {};
    for (const p of pairs) (byShard[p.shard] ??= {})[`${p.item_a}\u0001${p.item_b}`] = [Number(p.n), p.a];
    expect(byShard).toEqual(expected.population);

    // Read back: the report is libs/reliability's over the committed state; the model read shows the effective weight.
    const userId = planted.annotators[0]!.id;
    const report = await call('GET', `/v1/users/${userId}/reliability?domain=movies`);
    expect(report.status).toBe(200);
    const own = offline.tracker.user(userId)!;
    expect(report.body).toMatchObject({ userId, domain: 'movies', judgments: own.judgments, signals: own.signals, classCounts: own.classCounts, prequential: own.prequential, weighting: { aggregate: true, personalized: false } });
    expect(report.body.meanWeight).toBeCloseTo(own.meanWeight, 12);
    const model = await call('GET', `/v1/users/${userId}/model?domain=movies`);
    // The personalized model is not reliability-weighted by default, but judgments under a framing are split with the
    // user's per-condition deviation (issue #15): it kept less than all of them, and the read says how much.
    expect(model.body.effectiveWeight).toMatchObject({ judgments: own.judgments, meanWeight: report.body.meanWeight, aggregate: report.body.meanWeight, items: { observations: 0, meanWeight: 1 } });
    // Exactly: each of the user's judgments under a framing kept 1 − 0.75·P(constructed) of its weight in the model
    // (conditionShares' documented split, constructed class weight 0.25), P as the offline tracker had it when the
    // judgment arrived; a judgment under no framing kept all of it. Averaged over the user's judgments.
    const ownRows = rows.map((row, k) => ({ row, k })).filter(({ row }) => row.annotatorId === userId);
    const framed = ownRows.filter(({ row }) => row.framingId !== undefined);
    const kept = ownRows.length - framed.length + framed.reduce((sum, { k }) => sum + (1 - 0.75 * offline.constructed[k]!), 0);
    expect(ownRows.length).toBe(own.judgments);
    expect(framed.length).toBeGreaterThan(0);
    expect(model.body.effectiveWeight.personalized).toBeCloseTo(kept / ownRows.length, 12);
    // Not 1 − 0.75·(mean P) by luck of one constant P: the user's P(constructed) moved as its judgments came.
    expect(new Set(framed.map(({ k }) => offline.constructed[k])).size).toBeGreaterThan(1);
    expect((await call('GET', `/v1/users/${userId}/reliability`)).status).toBe(400);
  }, 240_000);
});
