import { createGatewayClient, type GatewayClient } from '@chorus/api-client';
import { aucBinOfLogit } from '@chorus/reward';
import { Partitioners } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCommitted, DRIFT_TEST_ENV, startDriftWatch } from './support/drift-watch';
import { catalogue, feedbackStream } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { startGateway, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

const logit = (p: number) => Math.log(p / (1 - p));

/**
 * The console's operations routes on a real gateway and learner (issue #17): lag against what Kafka and the offsets
 * of record say, dead letters by code against what was sent, prequential AUC against the learner's own per-event
 * prediction log (LEARNER_PREQUENTIAL_LOG), and a user's lists, which log no exposure.
 */
describe('operations routes (gateway + learner)', () => {
  const stack = new TestStack(3);
  let db: DataSource;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let learner: Awaited<ReturnType<typeof startLearner>>;
  let drift: Awaited<ReturnType<typeof startDriftWatch>> | undefined;
  let env: NodeJS.ProcessEnv;
  let admin: GatewayClient;
  let reader: GatewayClient;
  let groupId: string;
  const EVENTS = 300;

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    env = serviceEnv(stack, database.url, { LEARNER_FLUSH_INTERVAL_MS: '100', LEARNER_PREQUENTIAL_LOG: 'true', GATEWAY_LAG_CACHE_MS: '1500' });
    groupId = env.LEARNER_GROUP_ID!;
    gateway = await startGateway(env);
    learner = await startLearner(env);
    const url = gateway.url.replace('[::1]', '127.0.0.1');
    admin = createGatewayClient({ baseUrl: url, apiKey: await stack.apiKey(db, ['admin'], 'ops') });
    reader = createGatewayClient({ baseUrl: url, apiKey: await stack.apiKey(db, ['read'], 'reader') });
    expect((await admin.POST('/v1/items/import', { body: { items: catalogue(40) } })).error).toBeUndefined();
    const events = feedbackStream(EVENTS, { users: 12, items: 40, seed: 5 });
    expect((await admin.POST('/v1/feedback', { body: { events } as never })).error).toBeUndefined();
    // Refused by the learner: two messages that are not events, one event on an item the catalogue lacks.
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const unknownItem = { ...feedbackStream(1, { seed: 99 })[0]!, itemId: 'no-such-item', type: 'click' };
    await producer.send({ topic: stack.topic('feedback'), messages: [{ key: 'x', value: 'not json' }, { key: 'y', value: '{"type":"click"}' }, { key: unknownItem.userId, value: JSON.stringify(unknownItem) }] });
    await producer.disconnect();
    await pollUntil(
      async () => Number((await db.query(`SELECT coalesce(sum(value), 0) AS n FROM learner_counters WHERE name IN ('applied', 'dead_lettered')`))[0].n),
      (n) => n === EVENTS + 3,
      { timeoutMs: 60_000, what: 'the learner to handle every message' },
    );
  });

  afterAll(async () => {
    await drift?.app.close();
    await learner?.app.close();
    await gateway?.app.close();
    await stack.stop();
  });

  it("reads the learner group's lag per partition from Kafka: end offsets as the broker has them, committed as the offsets of record", async () => {
    const lag = await pollUntil(
      async () => (await admin.GET('/v1/admin/overview/lag')).data!,
      (answer) => answer.groups.find((g) => g.group === groupId)!.totalLag === 0,
      { timeoutMs: 30_000, what: 'the learner group to catch up in Kafka' },
    );
    const learnerLag = lag.groups.find((g) => g.group === groupId && g.topic === stack.topic('feedback'))!;
    const ends = await stack.admin.fetchTopicOffsets(stack.topic('feedback'));
    expect(learnerLag.partitions.map((p) => [p.partition, p.endOffset])).toEqual(ends.sort((a, b) => a.partition - b.partition).map((e) => [e.partition, e.high]));
    const ofRecord = await db.query(`SELECT partition, next_offset::text AS next FROM consumer_offsets WHERE group_id = $1 ORDER BY partition`, [groupId]);
    expect(learnerLag.partitions.map((p) => [p.partition, p.committedOffset])).toEqual(ofRecord.map((r: { partition: number; next: string }) => [r.partition, r.next]));
    // drift-watch is not running here: its group has committed nothing, so all of each topic is its lag.
    const drift = lag.groups.filter((g) => g.group !== groupId);
    expect(drift.map((g) => g.topic).sort()).toEqual([stack.topic('exposures'), stack.topic('feedback')].sort());
    expect(drift.find((g) => g.topic === stack.topic('feedback'))!.totalLag).toBe(EVENTS + 3);
    expect(drift.flatMap((g) => g.partitions).every((p) => p.committedOffset === null)).toBe(true);
  });

  it('shares one lag answer between callers within GATEWAY_LAG_CACHE_MS', async () => {
    const [a, b] = await Promise.all([admin.GET('/v1/admin/overview/lag'), admin.GET('/v1/admin/overview/lag')]);
    expect(a.data!.observedAt).toBe(b.data!.observedAt);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect((await admin.GET('/v1/admin/overview/lag')).data!.observedAt > a.data!.observedAt).toBe(true);
  });

  it('counts dead letters by service and code as sent', async () => {
    const { data } = await admin.GET('/v1/admin/overview/dead-letters');
    expect(data).toEqual({
      total: 3,
      codes: [
        { service: 'learner', code: 'FEEDBACK.INVALID', count: 2 },
        { service: 'learner', code: 'FEEDBACK.UNKNOWN_ITEM', count: 1 },
      ],
    });
  });

  it("gives each minute's prequential AUC of both models within the binning bound of the exact AUC of the learner's logged predictions", async () => {
    const { data } = await admin.GET('/v1/admin/overview/prequential-auc', { params: { query: { domain: 'movies' } } });
    const predictions: { minute: Date; label: number; weight: number; p_aggregate: number; p_personalized: number }[] = await db.query(
      `SELECT date_trunc('minute', occurred_at) AS minute, label, weight, p_aggregate, p_personalized FROM prequential_predictions WHERE domain = 'movies'`,
    );
    expect(predictions).toHaveLength(EVENTS);
    const minutes = [...new Set(predictions.map((p) => p.minute.toISOString()))].sort();
    expect(data!.points.map((p) => p.bucketStart)).toEqual(minutes);
    for (const point of data!.points) {
      const inMinute = predictions.filter((p) => p.minute.toISOString() === point.bucketStart);
      expect(point.weight).toBeCloseTo(inMinute.reduce((sum, p) => sum + p.weight, 0), 4);
      for (const model of ['aggregate', 'personalized'] as const) {
        // Weighted Mann–Whitney over every (positive, negative) pair of soft-labelled events, ties ½; the bound is half
        // the weight of pairs whose scores share a bin.
        let pairs = 0;
        let wins = 0;
        let sameBin = 0;
        for (const i of inMinute) {
          for (const j of inMinute) {
            const w = i.weight * i.label * j.weight * (1 - j.label);
            const si = model === 'aggregate' ? i.p_aggregate : i.p_personalized;
            const sj = model === 'aggregate' ? j.p_aggregate : j.p_personalized;
            pairs += w;
            wins += si > sj ? w : si === sj ? w / 2 : 0;
            if (aucBinOfLogit(logit(si)) === aucBinOfLogit(logit(sj))) sameBin += w;
          }
        }
        if (pairs === 0) expect(point[model]).toBeNull();
        else expect(Math.abs(point[model]! - wins / pairs)).toBeLessThanOrEqual(sameBin / 2 / pairs + 1e-6);
      }
    }
    expect(data!.points.some((p) => p.aggregate !== null)).toBe(true);
  });

  it("shows a user's accuracy list without logging an exposure, and refuses other scopes and bad input with what to fix", async () => {
    const exposuresBefore = await stack.records('exposures');
    const { data } = await admin.GET('/v1/admin/users/{id}/lists', { params: { path: { id: 'user-1' }, query: { domain: 'movies', n: '5' } } });
    expect(data!.calibrated).toBeNull();
    expect(data!.accuracy.items).toHaveLength(5);
    const scores = data!.accuracy.items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // The same ranking the serving route gives, which does log an exposure.
    const served = await reader.GET('/v1/users/{id}/recommendations', { params: { path: { id: 'user-1' }, query: { domain: 'movies', n: '5' } } });
    expect(served.data!.items.map((i) => i.itemId)).toEqual(data!.accuracy.items.map((i) => i.itemId));
    await pollUntil(() => stack.records('exposures'), (n) => n === exposuresBefore + 1, { what: 'the served list (only) to be logged' });

    const refused = await reader.GET('/v1/admin/users/{id}/lists', { params: { path: { id: 'user-1' }, query: { domain: 'movies' } } });
    expect(refused.response.status).toBe(403);
    const bad = await admin.GET('/v1/admin/users/{id}/lists', { params: { path: { id: 'user-1' }, query: { domain: 'movies', n: '0' } } });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ code: 'REQUEST.INVALID', issues: [{ path: 'n', message: 'n must be ≥ 1' }] });
    const wide = await admin.GET('/v1/admin/overview/prequential-auc', { params: { query: { domain: 'movies', from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } } });
    expect(wide.error).toMatchObject({ code: 'REQUEST.INVALID', message: expect.stringContaining('narrow the range or widen bucketSeconds') });
    expect(learner.fatal).toEqual([]);
  });

  it("counts drift-watch's dead letters under drift-watch, once each, as many as its DLQ received", async () => {
    // drift-watch starts late (the lag test above wants its group without commits) and reads both topics from the
    // start: the learner's three refused messages are refused by drift-watch too, with its own codes, and so is a
    // poison message on its other input, chorus.exposures.v1.
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: stack.topic('exposures'), messages: [{ key: 'z', value: '{"not": "an exposure"}' }] });
    await producer.disconnect();
    const inputs = (await stack.records('feedback')) + (await stack.records('exposures'));
    drift = await startDriftWatch({ ...env, ...DRIFT_TEST_ENV, DRIFT_RERANK_ENABLED: 'false' });
    await pollUntil(() => driftCommitted(db, env.DRIFT_GROUP_ID!), (n) => n === inputs, { timeoutMs: 60_000, what: 'drift-watch to commit every message of both topics' });

    const { data } = await admin.GET('/v1/admin/overview/dead-letters');
    expect(data).toEqual({
      total: 7,
      codes: [
        { service: 'drift-watch', code: 'DRIFT.INVALID_FEEDBACK', count: 2 },
        { service: 'learner', code: 'FEEDBACK.INVALID', count: 2 },
        { service: 'drift-watch', code: 'DRIFT.INVALID_EXPOSURE', count: 1 },
        { service: 'drift-watch', code: 'DRIFT.UNKNOWN_ITEM', count: 1 },
        { service: 'learner', code: 'FEEDBACK.UNKNOWN_ITEM', count: 1 },
      ],
    });
    // What each service relayed to its DLQ topic once committed: the counts, no more, no fewer.
    const drifted = data!.codes.filter((c) => c.service === 'drift-watch').reduce((sum, c) => sum + c.count, 0);
    await pollUntil(() => stack.records('driftWatchDlq'), (n) => n === drifted, { what: "drift-watch's letters on its DLQ topic" });
    expect(await stack.records('feedbackDlq')).toBe(3);
    expect(drift.fatal).toEqual([]);
  });
});
