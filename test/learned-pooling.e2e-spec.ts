import { decodeUserModelState } from '@chorus/scoring';
import { aggregateModelV1 } from '@chorus/contracts';
import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue, feedbackStream } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { startGateway, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Learned pooling (issue #16) on the real stack: with LEARNER_TAU2 unset the learner keeps each partition's evidence for
 * every candidate τ² beside the shard's posterior, and GET /v1/models/aggregate publishes the MAP τ² of their sum.
 */
describe('learned τ²: learner → Postgres → GET /v1/models/aggregate, across a learner restart', () => {
  const stack = new TestStack(3);
  let db: DataSource;
  let env: NodeJS.ProcessEnv;
  let gateway: { app: INestApplication; url: string };
  let learner: Awaited<ReturnType<typeof startLearner>> | undefined;
  let admin: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as any };
  };
  const aggregateAt = (events: number) =>
    pollUntil(() => call('GET', '/v1/models/aggregate?domain=movies'), (r) => r.body?.eventsSeen === events, { what: `the aggregate to count ${events} events` });
  const stream = feedbackStream(600, { users: 30, items: 60 });

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    env = serviceEnv(stack, database.url, { LEARNER_FLUSH_INTERVAL_MS: '100', GATEWAY_MODEL_CACHE_SECONDS: '0' });
    expect(env.LEARNER_TAU2).toBeUndefined();
    gateway = await startGateway(env);
    learner = await startLearner(env);
    admin = await stack.apiKey(db, ['admin'], 'admin');
    expect((await call('POST', '/v1/items/import', { items: catalogue(60) })).status).toBe(201);
  });

  afterAll(async () => {
    await learner?.app.close();
    await gateway?.app.close();
    await stack.stop();
  });

  it('publishes the learned τ² with its evidence once events flow, and continues it after a restart', async () => {
    expect((await call('POST', '/v1/feedback', { events: stream.slice(0, 300) })).status).toBe(202);
    const before = aggregateModelV1.parse((await aggregateAt(300)).body);
    if (before.pooling.source !== 'learned') throw new Error(`expected a learned τ², got ${JSON.stringify(before.pooling)}`);
    expect(before.pooling.shards).toBeGreaterThan(0);
    expect(before.pooling.grid).toContain(before.pooling.tau2);
    expect(before.pooling.logEvidence.every((l) => l < 0)).toBe(true);
    // The published value is the MAP of the shards' summed evidence, as stored beside each shard's posterior.
    const rows: { pooling_evidence: { losses: number[]; tau2: number } }[] = await db.query(`SELECT pooling_evidence FROM aggregate_shards WHERE domain = 'movies'`);
    const summed = before.pooling.grid.map((_, k) => rows.reduce((sum, row) => sum + row.pooling_evidence.losses[k]!, 0));
    before.pooling.logEvidence.forEach((l, k) => expect(l).toBeCloseTo(-summed[k]!, 9));
    // σ²_c (the aggregate's item-intercept prior variance) likewise: learned by default, published as the MAP of the
    // shards' summed evidence kept beside pooling_evidence.
    expect(env.LEARNER_ITEM_PRIOR_VARIANCE).toBeUndefined();
    if (before.itemPriorVariance.source !== 'learned') throw new Error(`expected a learned σ²_c, got ${JSON.stringify(before.itemPriorVariance)}`);
    const itemRows: { item_variance_evidence: { losses: number[]; variance: number } }[] = await db.query(`SELECT item_variance_evidence FROM aggregate_shards WHERE domain = 'movies'`);
    const itemSummed = before.itemPriorVariance.grid.map((_, k) => itemRows.reduce((sum, row) => sum + row.item_variance_evidence.losses[k]!, 0));
    before.itemPriorVariance.logEvidence.forEach((l, k) => expect(l).toBeCloseTo(-itemSummed[k]!, 9));
    for (const row of itemRows) expect(before.itemPriorVariance.grid).toContain(row.item_variance_evidence.variance);

    await learner!.app.close();
    learner = await startLearner(env);
    const restarted = aggregateModelV1.parse((await call('GET', '/v1/models/aggregate?domain=movies')).body);
    expect(restarted.pooling).toEqual(before.pooling);
    expect(restarted.itemPriorVariance).toEqual(before.itemPriorVariance);

    expect((await call('POST', '/v1/feedback', { events: stream.slice(300) })).status).toBe(202);
    const after = aggregateModelV1.parse((await aggregateAt(600)).body);
    if (after.pooling.source !== 'learned') throw new Error('expected a learned τ²');
    // The restarted learner continued the committed evidence (it did not start again from zero): every candidate's
    // log-evidence only went down, by the new events' losses.
    after.pooling.logEvidence.forEach((l, k) => expect(l).toBeLessThan(before.pooling.source === 'learned' ? before.pooling.logEvidence[k]! : 0));
    const perUser = ((await db.query(`SELECT state FROM user_models WHERE domain = 'movies'`)) as { state: Buffer }[]).map((row) => decodeUserModelState(row.state));
    expect(perUser.length).toBeGreaterThan(0);
    for (const row of perUser) expect(after.pooling.grid).toContain(row.tau2);
    expect(learner!.fatal).toEqual([]);
  });
});
