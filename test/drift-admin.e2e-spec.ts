import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream } from '../services/drift-watch/src/testing/drift-stream.fixture';
import { driftCommitted, DRIFT_TEST_ENV, produceDriftMessages, seedCatalogue, startDriftWatch } from './support/drift-watch';
import { issuePaths, jsonApi } from './support/admin-api';
import { pollUntil } from './support/poll';
import { counterValue } from './support/reranker';
import { startGateway } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * The drift admin REST API on the gateway, over alerts and series that drift-watch really produced: listing with every
 * filter and keyset pages, acknowledgement, metric series, and the versioned detector configuration — including a
 * change drift-watch picks up (movies narrowing made non-harmful for exposure entropy before the movies stream runs).
 *
 * Short streams: three users × 150 rounds (one served list + one click per simulated minute), narrowing in rounds
 * 40–80; 10-minute population buckets.
 */
describe('drift admin REST', () => {
  const stack = new TestStack(3);
  let db: DataSource;
  let gateway: { app: INestApplication; url: string };
  let drift: Awaited<ReturnType<typeof startDriftWatch>>;
  let admin: string;
  let reader: string;
  const groupId = `drift-admin-${stack.id}`;
  const start = Date.parse('2026-03-05T10:00:00Z');
  let moviesChangeId = 0;

  const call = jsonApi(() => gateway.url, () => admin);
  const paths = issuePaths;

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await seedCatalogue(db, [...driftCatalogue('news'), ...driftCatalogue('movies')]);
    const env = serviceEnv(stack, database.url, { ...DRIFT_TEST_ENV, DRIFT_GROUP_ID: groupId, RERANK_QUEUE_PREFIX: `t${stack.id}`, DRIFT_RERANK_ENABLED: 'false' });
    gateway = await startGateway(env);
    drift = await startDriftWatch(env);
    admin = await stack.apiKey(db, ['admin'], 'ops-admin');
    reader = await stack.apiKey(db, ['read'], 'reader');

    // A configuration change made over the API, before the movies stream: narrowing of what movies users are served is
    // declared expected (harmful: false). drift-watch polls the table; wait until it has loaded the change.
    const put = await call('PUT', '/v1/admin/drift/config/movies/exposure-entropy', {
      detector: 'PageHinkley',
      params: { minInstances: 20, delta: 0.01, threshold: 1, mode: 'down' },
      direction: 'down',
      harmful: false,
      criticalChange: 0.3,
      comment: 'movies feeds may focus; consumption narrowing still alerts',
    });
    expect(put.status).toBe(201);
    moviesChangeId = put.body.changeId;
    await pollUntil(async () => drift.configs.stamp, (stamp) => stamp >= moviesChangeId, { what: 'drift-watch to load the configuration change' });

    const narrow = { category: 'sports' as const, from: 40, to: 80 };
    const messages = interleave([
      userStream({ userId: 'ann', domain: 'news', rounds: 150, seed: 31, startMs: start, stepMs: 60_000, narrow }),
      userStream({ userId: 'bob', domain: 'news', rounds: 150, seed: 32, startMs: start, stepMs: 60_000, narrow: { ...narrow, feedOnly: true } }),
      userStream({ userId: 'cy', domain: 'movies', rounds: 150, seed: 33, startMs: start, stepMs: 60_000, narrow }),
    ]);
    await produceDriftMessages(stack, messages);
    await pollUntil(() => driftCommitted(db, groupId), (n) => n === messages.length, { what: 'drift-watch to commit every message', timeoutMs: 30_000, intervalMs: 200 });
  });

  afterAll(async () => {
    await drift?.app.close();
    await gateway?.app.close();
    await stack.stop();
  });

  describe('detector configuration', () => {
    it('shows the built-in policy per domain: narrowing harmful in news, expected in code', async () => {
      const news = await call('GET', '/v1/admin/drift/config?domain=news');
      expect(news.status).toBe(200);
      const entropy = news.body.metrics.find((m: { metric: string }) => m.metric === 'exposure-entropy');
      expect(entropy).toMatchObject({ domain: 'news', version: 0, source: 'built-in', config: { detector: 'PageHinkley', direction: 'down', harmful: true } });
      const code = await call('GET', '/v1/admin/drift/config?domain=code');
      expect(code.body.metrics).toHaveLength(17);
      expect(code.body.metrics.every((m: { config: { harmful: boolean } }) => m.config.harmful === false)).toBe(true);
    });

    it('refuses invalid changes with 400, naming each field, and stores nothing', async () => {
      const badPath = await call('PUT', '/v1/admin/drift/config/News!/vibes', { detector: 'ADWIN', direction: 'up', harmful: true, criticalChange: 1 });
      expect(badPath.status).toBe(400);
      expect(paths(badPath.body)).toEqual(['domain', 'metric']);

      const badParams = await call('PUT', '/v1/admin/drift/config/news/miscalibration', {
        detector: 'EDDM',
        params: { alpha: 0.8, beta: 0.9, warmStart: -1, lambda: 3 },
        direction: 'both',
        harmful: 'yes',
        criticalChange: 1,
      });
      expect(badParams.status).toBe(400);
      expect(badParams.body.code).toBe('REQUEST.INVALID');
      expect(paths(badParams.body)).toEqual(['harmful', 'params', 'params.beta', 'params.warmStart']);
      expect(badParams.body.issues.find((i: { path: string }) => i.path === 'params').message).toMatch(/lambda/);

      const binary = await call('PUT', '/v1/admin/drift/config/news/miscalibration', { detector: 'HDDM_A', direction: 'both', harmful: true, criticalChange: 1 });
      expect(paths(binary.body)).toEqual(['binaryThreshold', 'direction']);
      const notJson = await call('PUT', '/v1/admin/drift/config/news/miscalibration', '{"detector":');
      expect(notJson.status).toBe(400);

      const history = await call('GET', '/v1/admin/drift/config/news/miscalibration');
      expect(history.body.versions).toEqual([]);
      expect(history.body.effective).toMatchObject({ version: 0, source: 'built-in' });
    });

    it('stores each change as a new version; the latest `*` version is the default of domains without their own', async () => {
      const body = (threshold: number) => ({ detector: 'ADWIN', params: { delta: 0.01, clock: 8 }, direction: 'up', harmful: true, criticalChange: threshold });
      const first = await call('PUT', '/v1/admin/drift/config/*/bimodality', body(0.2));
      const second = await call('PUT', '/v1/admin/drift/config/*/bimodality', body(0.4));
      expect([first.status, second.status]).toEqual([201, 201]);
      expect([first.body.version, second.body.version]).toEqual([1, 2]);
      expect(second.body.changeId).toBeGreaterThan(first.body.changeId);
      expect(second.body).toMatchObject({ metric: 'bimodality', domain: '*', createdBy: 'ops-admin', config: { referenceSize: 20, enabled: true } });

      const history = await call('GET', '/v1/admin/drift/config/*/bimodality');
      expect(history.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      const news = await call('GET', '/v1/admin/drift/config/news/bimodality');
      expect(news.body.effective).toMatchObject({ version: 2, source: 'default', config: { detector: 'ADWIN', criticalChange: 0.4 } });
      expect(news.body.versions).toEqual([]);
      // The built-in domain policy still applies on top of a changed default: movies does not alert on bimodality.
      const movies = await call('GET', '/v1/admin/drift/config/movies/bimodality');
      expect(movies.body.effective).toMatchObject({ version: 2, source: 'default', config: { detector: 'ADWIN', harmful: false } });
    });

    it('drift-watch applied the change: the movies user alerts on consumption narrowing but not on feed narrowing', async () => {
      const cy = await call('GET', '/v1/admin/drift/alerts?subject=cy');
      expect(cy.body.items.map((a: { metric: string }) => a.metric)).toContain('consumption-entropy');
      expect(cy.body.items.map((a: { metric: string }) => a.metric)).not.toContain('exposure-entropy');
      expect(cy.body.items.find((a: { metric: string }) => a.metric === 'consumption-entropy').configVersion).toBe(0);
      const exposition = await drift.registry.metrics();
      expect(counterValue(exposition, 'drift_watch_detections_total', { domain: 'movies', metric: 'exposure-entropy', outcome: 'expected' })).toBeGreaterThan(0);
      // ann narrows the same way in news, where the built-in policy applies.
      const ann = await call('GET', '/v1/admin/drift/alerts?subject=ann&metric=exposure-entropy');
      expect(ann.body.items).toHaveLength(1);
    });
  });

  describe('alerts', () => {
    it('lists every alert newest first, and each filter returns exactly the matching ones', async () => {
      const all = await call('GET', '/v1/admin/drift/alerts?limit=500');
      expect(all.status).toBe(200);
      const items: { alertId: string; scope: string; subject: string; domain: string; metric: string; severity: string; raisedAt: string }[] = all.body.items;
      expect(items.length).toBeGreaterThanOrEqual(4);
      expect(all.body.nextCursor).toBeNull();
      const raised = items.map((a) => a.raisedAt);
      expect([...raised].sort().reverse()).toEqual(raised);
      expect(new Set(items.map((a) => a.subject))).toEqual(new Set(items.filter((a) => a.scope === 'user').map((a) => a.subject).concat(items.filter((a) => a.scope === 'population').map((a) => a.domain))));
      // bob's feed narrowed while he kept consuming broadly: miscalibration (Steck's C_KL) is one of his alerts.
      expect(items.filter((a) => a.subject === 'bob').map((a) => a.metric)).toContain('miscalibration');

      const cases: [string, (a: (typeof items)[number]) => boolean][] = [
        ['scope=user', (a) => a.scope === 'user'],
        ['scope=population', (a) => a.scope === 'population'],
        ['domain=news', (a) => a.domain === 'news'],
        ['subject=bob', (a) => a.subject === 'bob'],
        ['metric=consumption-entropy', (a) => a.metric === 'consumption-entropy'],
        ['severity=warning', (a) => a.severity === 'warning'],
        ['domain=news&scope=user&metric=exposure-entropy', (a) => a.domain === 'news' && a.scope === 'user' && a.metric === 'exposure-entropy'],
      ];
      for (const [query, keep] of cases) {
        const filtered = await call('GET', `/v1/admin/drift/alerts?limit=500&${query}`);
        expect({ query, ids: filtered.body.items.map((a: { alertId: string }) => a.alertId) }).toEqual({ query, ids: items.filter(keep).map((a) => a.alertId) });
      }
      const middle = items[Math.floor(items.length / 2)]!.raisedAt;
      const newer = await call('GET', `/v1/admin/drift/alerts?limit=500&from=${encodeURIComponent(middle)}`);
      expect(newer.body.items.map((a: { alertId: string }) => a.alertId)).toEqual(items.filter((a) => a.raisedAt >= middle).map((a) => a.alertId));
      const older = await call('GET', `/v1/admin/drift/alerts?limit=500&to=${encodeURIComponent(middle)}`);
      expect(older.body.items.length + newer.body.items.length).toBe(items.length);
    });

    it('pages with nextCursor through exactly the same alerts', async () => {
      const all = (await call('GET', '/v1/admin/drift/alerts?limit=500')).body.items.map((a: { alertId: string }) => a.alertId);
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: { alertId: string }[]; nextCursor: string | null } } = await call('GET', `/v1/admin/drift/alerts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        paged.push(...page.body.items.map((a) => a.alertId));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(paged).toEqual(all);
    });

    it('acknowledges an alert once (idempotently), and the acknowledged filter follows', async () => {
      const all = (await call('GET', '/v1/admin/drift/alerts?limit=500')).body.items;
      const target = all[0];
      const acked = await call('POST', `/v1/admin/drift/alerts/${target.alertId}/ack`, { note: 'looked at it' });
      expect(acked.status).toBe(200);
      expect(acked.body).toMatchObject({ alertId: target.alertId, acknowledgedBy: 'ops-admin', acknowledgedNote: 'looked at it' });
      const again = await call('POST', `/v1/admin/drift/alerts/${target.alertId}/ack`, { note: 'second look' });
      expect(again.body.acknowledgedAt).toBe(acked.body.acknowledgedAt);
      expect(again.body.acknowledgedNote).toBe('looked at it');

      const yes = await call('GET', '/v1/admin/drift/alerts?acknowledged=true');
      const no = await call('GET', '/v1/admin/drift/alerts?acknowledged=false&limit=500');
      expect(yes.body.items.map((a: { alertId: string }) => a.alertId)).toEqual([target.alertId]);
      expect(no.body.items).toHaveLength(all.length - 1);
      expect((await call('GET', `/v1/admin/drift/alerts/${target.alertId}`)).body.acknowledgedAt).toBe(acked.body.acknowledgedAt);
    });

    it('answers 404 for an unknown alert and 400 naming each bad query field', async () => {
      const missing = await call('POST', '/v1/admin/drift/alerts/0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01/ack', {});
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('DRIFT.ALERT_NOT_FOUND');
      expect(paths((await call('POST', '/v1/admin/drift/alerts/nope/ack', {})).body)).toEqual(['id']);
      const bad = await call('GET', '/v1/admin/drift/alerts?scope=galaxy&severity=meh&limit=0&acknowledged=maybe&bogus=1');
      expect(bad.status).toBe(400);
      expect(paths(bad.body)).toEqual(['(root)', 'acknowledged', 'limit', 'scope', 'severity']);
      expect(paths((await call('GET', '/v1/admin/drift/alerts?from=2026-03-06T00:00:00Z&to=2026-03-05T00:00:00Z')).body)).toEqual(['to']);
      expect(paths((await call('GET', '/v1/admin/drift/alerts?cursor=garbage')).body)).toEqual(['cursor']);
    });

    it('needs the admin scope', async () => {
      const response = await call('GET', '/v1/admin/drift/alerts', undefined, reader);
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('AUTH.MISSING_SCOPE');
    });
  });

  describe('metric series', () => {
    it("returns a user's series per metric and bucket, falling as the feed narrows", async () => {
      const series = await call('GET', '/v1/admin/drift/series/users/ann?domain=news&metric=exposure-entropy');
      expect(series.status).toBe(200);
      const points: { metric: string; bucketStart: string; value: number }[] = series.body.points;
      expect(points.length).toBe(15);
      expect(points.every((p) => p.metric === 'exposure-entropy')).toBe(true);
      expect(points[0]!.value).toBeGreaterThan(0.9);
      expect(points[points.length - 1]!.value).toBeLessThan(0.2);
      const ranged = await call('GET', `/v1/admin/drift/series/users/ann?domain=news&metric=exposure-entropy&from=${encodeURIComponent(points[5]!.bucketStart)}&limit=3`);
      expect(ranged.body.points).toEqual(points.slice(5, 8));
    });

    it('returns population series per bucket and partition shard', async () => {
      const series = await call('GET', '/v1/admin/drift/series/population?domain=news&metric=mean-exposure-entropy');
      expect(series.status).toBe(200);
      expect(series.body.points.length).toBeGreaterThan(0);
      expect(series.body.points[0]).toEqual({ metric: 'mean-exposure-entropy', shard: expect.any(Number), bucketStart: expect.any(String), value: expect.any(Number), users: expect.any(Number), events: expect.any(Number) });
    });

    it('refuses a series query without a domain or with an unknown metric, naming the field', async () => {
      expect(paths((await call('GET', '/v1/admin/drift/series/population?metric=vibes')).body)).toEqual(['domain', 'metric']);
      expect(paths((await call('GET', '/v1/admin/drift/series/users/a%20b?domain=news')).body)).toEqual(['userId']);
    });
  });
});
