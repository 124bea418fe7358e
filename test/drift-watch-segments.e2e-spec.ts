import type { DriftAlertV1 } from '@chorus/contracts';
import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream } from '../services/drift-watch/src/testing/drift-stream.fixture';
import { collectAlerts, driftCommitted, DRIFT_TEST_ENV, produceDriftMessages, seedCatalogue, startDriftWatch } from './support/drift-watch';
import { issuePaths, jsonApi } from './support/admin-api';
import { pollUntil } from './support/poll';
import { startGateway } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

const NARROWING = 12;
const STEADY = 30;

/**
 * Segment drift on the real stack: an operator defines two news segments over the gateway's admin REST — a cohort of
 * 12 users whose feeds and clicks narrow onto one category, and 12 of 30 users who stay broad — then the stream runs.
 * The narrowing cohort raises one `segment` alert per mean entropy (the three partition shards' detections fold into
 * it), published to chorus.drift-alerts.v1, and a `segment` rerank job listing its members; the steady cohort raises
 * none. Plus the REST surface: listing, member pages, series, validation, 404s, auth.
 *
 * Short streams: 42 users × 150 rounds (one served list + one click per simulated minute), narrowing in rounds 40–80;
 * 10-minute buckets; 3 partitions, so each shard sees ~4 members of a 12-member segment: DRIFT_SEGMENT_MIN_USERS=3.
 */
describe('drift-watch: segments', () => {
  const stack = new TestStack(3);
  let db: DataSource;
  let gateway: { app: INestApplication; url: string };
  let drift: Awaited<ReturnType<typeof startDriftWatch>>;
  let alertsConsumer: Consumer;
  let redis: Redis;
  let queue: Queue;
  let admin: string;
  let reader: string;
  const published: DriftAlertV1[] = [];
  const groupId = `drift-segments-${stack.id}`;
  const start = Date.parse('2026-03-06T08:00:00Z');
  const narrowing = Array.from({ length: NARROWING }, (_, u) => `narrow-${String(u).padStart(2, '0')}`);
  const steady = Array.from({ length: STEADY }, (_, u) => `steady-${String(u).padStart(2, '0')}`);
  let total = 0;

  const call = jsonApi(() => gateway.url, () => admin);
  const paths = issuePaths;

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await seedCatalogue(db, driftCatalogue('news'));
    const env = serviceEnv(stack, database.url, { ...DRIFT_TEST_ENV, DRIFT_GROUP_ID: groupId, RERANK_QUEUE_PREFIX: `t${stack.id}`, DRIFT_SEGMENT_MIN_USERS: '3' });
    gateway = await startGateway(env);
    drift = await startDriftWatch(env);
    admin = await stack.apiKey(db, ['admin'], 'ops-admin');
    reader = await stack.apiKey(db, ['read'], 'reader');
    alertsConsumer = await collectAlerts(stack.kafka, stack, published);
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
    queue = new Queue('rerank', { connection: redis, prefix: `t${stack.id}` });

    // Members in reverse order and one repeated: stored once each, in id order.
    const cohort = await call('PUT', '/v1/admin/drift/segments/news/narrowing-cohort', { userIds: [...narrowing].reverse().concat(narrowing[0]!) });
    expect(cohort.status).toBe(200);
    expect(cohort.body).toMatchObject({ domain: 'news', name: 'narrowing-cohort', version: 1, members: NARROWING, createdBy: 'ops-admin' });
    const control = await call('PUT', '/v1/admin/drift/segments/news/steady-cohort', { userIds: steady.slice(0, 12) });
    expect(control.status).toBe(200);
    await pollUntil(
      async () => [drift.segments.changeId('news', 'narrowing-cohort'), drift.segments.changeId('news', 'steady-cohort')],
      ([a, b]) => a === cohort.body.changeId && b === control.body.changeId,
      { what: 'drift-watch to load both segments' },
    );

    const streams = [];
    for (const [u, userId] of narrowing.entries()) {
      streams.push(userStream({ userId, domain: 'news', rounds: 150, seed: 700 + u, startMs: start, stepMs: 60_000, narrow: { category: 'culture', from: 40, to: 80 } }));
    }
    for (const [u, userId] of steady.entries()) streams.push(userStream({ userId, domain: 'news', rounds: 150, seed: 800 + u, startMs: start, stepMs: 60_000 }));
    const messages = interleave(streams);
    total = messages.length;
    await produceDriftMessages(stack, messages);
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    redis?.disconnect();
    await alertsConsumer?.disconnect();
    await drift?.app.close();
    await gateway?.app.close();
    await stack.stop();
  });

  it('processes the whole stream', async () => {
    await pollUntil(() => driftCommitted(db, groupId), (n) => n === total, { what: 'drift-watch to commit every message', timeoutMs: 50_000, intervalMs: 250 });
    expect(drift.fatal).toEqual([]);
  });

  it('raises one segment alert per harmful mean metric for the narrowing cohort — both entropies — and publishes them', async () => {
    const rows: { alert_id: string; metric: string; occurrences: number; rerank_requested: boolean; payload: DriftAlertV1 }[] = await db.query(
      `SELECT alert_id, metric, occurrences, rerank_requested, payload FROM drift_alerts WHERE scope = 'segment' AND subject = 'narrowing-cohort' ORDER BY metric`,
    );
    // The entropies fall; a narrowing feed against a profile that narrows later may also read as miscalibration (up).
    // Every partition shard may detect each; repeats fold into one alert per metric.
    expect(rows.map((r) => r.metric)).toEqual(expect.arrayContaining(['mean-consumption-entropy', 'mean-exposure-entropy']));
    expect(new Set(rows.map((r) => r.metric)).size).toBe(rows.length);
    for (const { payload, rerank_requested } of rows) {
      expect(rerank_requested).toBe(true);
      expect(payload).toMatchObject({ scope: 'segment', subject: 'narrowing-cohort', domain: 'news', detector: 'PageHinkley', window: { bucketSeconds: 600 } });
      if (payload.metric.endsWith('entropy')) expect(payload).toMatchObject({ direction: 'down' });
      else expect(payload).toMatchObject({ metric: 'mean-miscalibration', direction: 'up' });
      expect([0, 1, 2]).toContain(payload.window.shard);
      expect(Math.abs(payload.value - payload.baseline)).toBeGreaterThan(0.1);
      // Raised while the cohort narrowed (rounds 40–80 → 08:40–09:20) or just after, not before.
      expect(Date.parse(payload.window.end)).toBeGreaterThan(start + 40 * 60_000);
      expect(Date.parse(payload.window.end)).toBeLessThanOrEqual(start + 110 * 60_000);
    }
    const kafka = await pollUntil(
      async () => published.filter((a) => a.scope === 'segment'),
      (list) => list.length === rows.length,
      { what: 'the segment alerts on chorus.drift-alerts.v1' },
    );
    expect(kafka.map((a) => a.alertId).sort()).toEqual(rows.map((r) => r.alert_id).sort());
  });

  it('asks for a segment rerank listing the segment’s members, one for all its alerts while it waits', async () => {
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM drift_alerts WHERE scope = 'segment'`);
    expect(n).toBeGreaterThanOrEqual(2);
    const rows = await pollUntil(
      () => db.query(`SELECT alert_id, rerank_job_ids FROM drift_alerts WHERE scope = 'segment' AND rerank_requested`),
      (r: { alert_id: string; rerank_job_ids: string[] | null }[]) => r.length === n && r.every((row) => (row.rerank_job_ids ?? []).length === 1),
      { what: 'segment rerank jobs recorded on the alerts', timeoutMs: 20_000 },
    );
    // No reranker runs here, so the fan-out the first alert asked for is still waiting and the others join it: one
    // rerank of the cohort, whose reason names one of its alerts.
    expect(new Set(rows.map((row) => row.rerank_job_ids![0])).size).toBe(1);
    const job = await queue.getJob(rows[0]!.rerank_job_ids![0]!);
    expect(job?.name).toBe('rerank-fan-out');
    expect(job?.data).toMatchObject({ scope: 'segment', domain: 'news', segment: 'narrowing-cohort', reason: { kind: 'alert' } });
    expect(rows.map((row) => row.alert_id)).toContain(job?.data.reason.alertId);
    expect(job?.data.userIds).toEqual(narrowing);
  });

  it('raises nothing for the steady cohort, whose series it keeps', async () => {
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM drift_alerts WHERE scope = 'segment' AND subject = 'steady-cohort'`);
    expect(n).toBe(0);
    const series = await call('GET', '/v1/admin/drift/segments/news/steady-cohort/series?metric=mean-consumption-entropy');
    expect(series.status).toBe(200);
    expect(series.body.points.length).toBeGreaterThan(10);
    expect(series.body.points.every((p: { value: number; users: number }) => p.value > 0.8 && p.users >= 3)).toBe(true);
    const cohort = await call('GET', '/v1/admin/drift/segments/news/narrowing-cohort/series?metric=mean-consumption-entropy');
    const values = (from: number, to: number) =>
      cohort.body.points.filter((p: { bucketStart: string }) => Date.parse(p.bucketStart) >= from && Date.parse(p.bucketStart) < to).map((p: { value: number }) => p.value);
    const before = values(start, start + 40 * 60_000);
    const after = values(start + 120 * 60_000, start + 150 * 60_000);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(Math.max(...after)).toBeLessThan(Math.min(...before) - 0.3);
  });

  describe('admin REST', () => {
    it('lists segments with member counts, and pages a segment’s members', async () => {
      const list = await call('GET', '/v1/admin/drift/segments?domain=news');
      expect(list.status).toBe(200);
      expect(list.body.items.map((s: { name: string; members: number }) => [s.name, s.members])).toEqual([
        ['narrowing-cohort', NARROWING],
        ['steady-cohort', 12],
      ]);
      const first = await call('GET', '/v1/admin/drift/segments/news/narrowing-cohort?limit=5');
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ name: 'narrowing-cohort', members: NARROWING, userIds: narrowing.slice(0, 5), nextAfter: narrowing[4] });
      const rest = await call('GET', `/v1/admin/drift/segments/news/narrowing-cohort?limit=10&after=${first.body.nextAfter}`);
      expect(rest.body).toMatchObject({ userIds: narrowing.slice(5), nextAfter: null });
    });

    it('refuses invalid definitions and queries with 400, naming each field, and stores nothing', async () => {
      const badPath = await call('PUT', '/v1/admin/drift/segments/News!/has%20space', { userIds: ['a'] });
      expect(badPath.status).toBe(400);
      expect(paths(badPath.body)).toEqual(['domain', 'name']);
      const badBody = await call('PUT', '/v1/admin/drift/segments/news/new-cohort', { userIds: ['ok', 'has space'], extra: true });
      expect(badBody.status).toBe(400);
      expect(badBody.body.code).toBe('REQUEST.INVALID');
      expect(paths(badBody.body)).toEqual(['(root)', 'userIds[1]']);
      const empty = await call('PUT', '/v1/admin/drift/segments/news/new-cohort', { userIds: [] });
      expect(paths(empty.body)).toEqual(['userIds']);
      const tooMany = await call('PUT', '/v1/admin/drift/segments/news/new-cohort', { userIds: Array.from({ length: 10_001 }, (_, i) => `u${i}`) });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.issues).toEqual([{ path: 'userIds', message: expect.stringMatching(/at most 10000 users/) }]);
      const badQuery = await call('GET', '/v1/admin/drift/segments/news/narrowing-cohort?limit=0&page=2');
      expect(badQuery.status).toBe(400);
      expect(paths(badQuery.body)).toEqual(['(root)', 'limit']);
      const badSeries = await call('GET', '/v1/admin/drift/segments/news/narrowing-cohort/series?metric=vibes');
      expect(paths(badSeries.body)).toEqual(['metric']);
      expect((await call('GET', '/v1/admin/drift/segments/news/new-cohort')).status).toBe(404);
    });

    it('answers 404 for an unknown segment', async () => {
      for (const [method, path] of [
        ['GET', '/v1/admin/drift/segments/news/nobody'],
        ['GET', '/v1/admin/drift/segments/news/nobody/series'],
        ['DELETE', '/v1/admin/drift/segments/news/nobody'],
        ['GET', '/v1/admin/drift/segments/movies/narrowing-cohort'],
      ] as const) {
        const response = await call(method, path);
        expect(response.status).toBe(404);
        expect(response.body.code).toBe('DRIFT.SEGMENT_NOT_FOUND');
      }
    });

    it('requires an API key with admin scope', async () => {
      for (const [method, path, body] of [
        ['GET', '/v1/admin/drift/segments', undefined],
        ['GET', '/v1/admin/drift/segments/news/narrowing-cohort', undefined],
        ['GET', '/v1/admin/drift/segments/news/narrowing-cohort/series', undefined],
        ['PUT', '/v1/admin/drift/segments/news/narrowing-cohort', { userIds: ['intruder'] }],
        ['DELETE', '/v1/admin/drift/segments/news/narrowing-cohort', undefined],
      ] as const) {
        expect((await call(method, path, body, null)).status).toBe(401);
        expect((await call(method, path, body, reader)).status).toBe(403);
      }
      const segment = await call('GET', '/v1/admin/drift/segments/news/narrowing-cohort');
      expect(segment.body).toMatchObject({ version: 1, members: NARROWING });
    });

    it('replaces a membership as a new version, and deletes a segment, which drift-watch then forgets', async () => {
      const replaced = await call('PUT', '/v1/admin/drift/segments/news/steady-cohort', { userIds: steady.slice(0, 20) });
      expect(replaced.body).toMatchObject({ version: 2, members: 20, createdBy: 'ops-admin', updatedBy: 'ops-admin' });
      await pollUntil(async () => drift.segments.changeId('news', 'steady-cohort'), (id) => id === replaced.body.changeId, { what: 'drift-watch to load the new membership' });
      const deleted = await fetch(`${gateway.url}/v1/admin/drift/segments/news/steady-cohort`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
      expect(deleted.status).toBe(204);
      expect((await call('GET', '/v1/admin/drift/segments/news/steady-cohort')).status).toBe(404);
      await pollUntil(async () => drift.segments.changeId('news', 'steady-cohort'), (id) => id === undefined, { what: 'drift-watch to forget the deleted segment' });
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM drift_segment_members WHERE name = 'steady-cohort'`);
      expect(n).toBe(0);
    });
  });
});
