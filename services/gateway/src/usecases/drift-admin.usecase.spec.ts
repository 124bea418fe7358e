import { describe, expect, it } from 'vitest';
import { errorAnswer } from '../../../../test/support/http-error-answer';
import type { StoredDriftAlert } from '../persistence/drift-alerts.repository';
import { InMemoryDriftAlerts, InMemoryDriftConfigs, InMemoryDriftSeries } from '../testing/in-memory-ports';
import { DriftAdminUseCase } from './drift-admin.usecase';

const ALERT_A = '0b6f1f3e-3c55-4d0e-9d55-6f1c5f0c9a01';
const ALERT_B = '0b6f1f3e-3c55-4d0e-9d55-6f1c5f0c9a02';
const ALERT_C = '0b6f1f3e-3c55-4d0e-9d55-6f1c5f0c9a03';

function alert(alertId: string, raisedAt: string): StoredDriftAlert {
  return {
    alertId,
    scope: 'user',
    subject: 'u-1',
    domain: 'news',
    metric: 'miscalibration',
    detector: 'ADWIN',
    direction: 'up',
    value: 0.4,
    baseline: 0.1,
    severity: 'warning',
    window: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T01:00:00.000Z', observations: 30 },
    configVersion: 0,
    raisedAt,
    rerankRequested: true,
    occurrences: 1,
    lastSeenAt: raisedAt,
    lastEventAt: raisedAt,
    lastValue: 0.4,
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgedNote: null,
    publishedAt: null,
    rerank: { requested: true, jobIds: [], enqueuedAt: null, error: null },
  };
}

function setup() {
  const alerts = new InMemoryDriftAlerts([alert(ALERT_C, '2026-01-03T00:00:00.000Z'), alert(ALERT_B, '2026-01-02T00:00:00.000Z'), alert(ALERT_A, '2026-01-01T00:00:00.000Z')]);
  const series = new InMemoryDriftSeries([{ metric: 'miscalibration', bucketStart: '2026-01-01T00:00:00.000Z', value: 0.25 }], [
    { metric: 'polarization', bucketStart: '2026-01-01T00:00:00.000Z', value: 0.5, shard: 2, users: 40, events: 900 },
  ]);
  const configs = new InMemoryDriftConfigs();
  return { alerts, series, configs, admin: new DriftAdminUseCase(alerts, series, configs) };
}

const ADWIN = { detector: 'ADWIN', params: { delta: 0.01 }, direction: 'up', harmful: true, criticalChange: 0.2 };

describe('DriftAdminUseCase', () => {
  describe('listAlerts', () => {
    it('pages with an opaque cursor: the next page starts after the last alert of this one, and the last page has none', async () => {
      const { admin, alerts } = setup();
      const first = await admin.listAlerts({ limit: '2' });
      expect(first.items.map((a) => a.alertId)).toEqual([ALERT_C, ALERT_B]);
      expect(first.nextCursor).toBe(Buffer.from(JSON.stringify(['2026-01-02T00:00:00.000Z', ALERT_B])).toString('base64url'));
      const second = await admin.listAlerts({ limit: '2', cursor: first.nextCursor });
      expect(second).toEqual({ items: [expect.objectContaining({ alertId: ALERT_A })], nextCursor: null });
      expect(alerts.queries[1]).toEqual({ query: { limit: 2 }, after: { raisedAt: '2026-01-02T00:00:00.000Z', alertId: ALERT_B } });
    });

    it('passes the filters, typed: acknowledged=false is a boolean, limit defaults to 50', async () => {
      const { admin, alerts } = setup();
      await admin.listAlerts({ scope: 'user', metric: 'miscalibration', severity: 'critical', acknowledged: 'false' });
      expect(alerts.queries).toEqual([{ query: { scope: 'user', metric: 'miscalibration', severity: 'critical', acknowledged: false, limit: 50 } }]);
    });

    it.each([
      ['not base64 JSON', 'nope'],
      ['a JSON array of the wrong things', Buffer.from(JSON.stringify([1, 2])).toString('base64url')],
      ['a date that is not one', Buffer.from(JSON.stringify(['yesterday', ALERT_A])).toString('base64url')],
      ['an id that is not a uuid', Buffer.from(JSON.stringify(['2026-01-02T00:00:00.000Z', 'x'])).toString('base64url')],
    ])('refuses a cursor that is %s, naming the cursor (400)', async (_what, cursor) => {
      const { admin } = setup();
      const answer = await errorAnswer(admin.listAlerts({ cursor }));
      expect(answer.status).toBe(400);
      expect(answer.body.issues).toEqual([{ path: 'cursor', message: 'not a valid page cursor' }]);
    });

    it('names each invalid filter (400)', async () => {
      const { admin } = setup();
      const answer = await errorAnswer(admin.listAlerts({ scope: 'planet', limit: '0', colour: 'red' }));
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('REQUEST.INVALID');
      expect(answer.body.issues!.map((i) => i.path).sort()).toEqual(['(root)', 'limit', 'scope']);
      expect(answer.body.issues!.find((i) => i.path === '(root)')!.message).toContain('colour');
    });
  });

  describe('getAlert and acknowledge', () => {
    it('finds an alert by id, and answers 404 naming a missing one', async () => {
      const { admin } = setup();
      expect((await admin.getAlert(ALERT_B)).raisedAt).toBe('2026-01-02T00:00:00.000Z');
      const missing = await errorAnswer(admin.getAlert('0b6f1f3e-3c55-4d0e-9d55-6f1c5f0c9aff'));
      expect(missing).toEqual({
        status: 404,
        body: { code: 'DRIFT.ALERT_NOT_FOUND', message: 'no drift alert "0b6f1f3e-3c55-4d0e-9d55-6f1c5f0c9aff"; list alerts with GET /v1/admin/drift/alerts' },
      });
    });

    it('refuses an id that is not a uuid, naming the path parameter (400)', async () => {
      const { admin } = setup();
      const answer = await errorAnswer(admin.getAlert('42'));
      expect(answer.status).toBe(400);
      expect(answer.body.issues!.map((i) => i.path)).toEqual(['id']);
    });

    it('acknowledges with the caller and the note; a body may be absent; a missing alert is a 404', async () => {
      const { admin, alerts } = setup();
      const acked = await admin.acknowledge(ALERT_A, { note: 'known campaign' }, 'ops-key');
      expect([acked.acknowledgedBy, acked.acknowledgedNote]).toEqual(['ops-key', 'known campaign']);
      await admin.acknowledge(ALERT_B, undefined, 'ops-key');
      expect(alerts.acknowledgements).toEqual([
        { alertId: ALERT_A, by: 'ops-key', note: 'known campaign' },
        { alertId: ALERT_B, by: 'ops-key', note: undefined },
      ]);
      expect((await errorAnswer(admin.acknowledge('0b6f1f3e-3c55-4d0e-9d55-6f1c5f0c9aff', {}, 'ops-key'))).status).toBe(404);
    });

    it('refuses a note that is not text or unknown fields, naming them (400)', async () => {
      const { admin } = setup();
      const answer = await errorAnswer(admin.acknowledge(ALERT_A, { note: 5, by: 'someone else' }, 'ops-key'));
      expect(answer.status).toBe(400);
      expect(answer.body.issues!.map((i) => i.path).sort()).toEqual(['(root)', 'note']);
    });
  });

  describe('series', () => {
    it("reads a user's series for the parsed query, and the population's", async () => {
      const { admin, series } = setup();
      expect(await admin.userSeries('u-1', { domain: 'news', metric: 'miscalibration' })).toEqual({
        userId: 'u-1',
        domain: 'news',
        points: [{ metric: 'miscalibration', bucketStart: '2026-01-01T00:00:00.000Z', value: 0.25 }],
      });
      expect(series.userQueries).toEqual([{ userId: 'u-1', query: { domain: 'news', metric: 'miscalibration', limit: 1000 } }]);
      expect(await admin.populationSeries({ domain: 'news', limit: '10' })).toEqual({
        domain: 'news',
        points: [{ metric: 'polarization', bucketStart: '2026-01-01T00:00:00.000Z', value: 0.5, shard: 2, users: 40, events: 900 }],
      });
      expect(series.populationQueries).toEqual([{ domain: 'news', limit: 10 }]);
    });

    it('names a missing domain, an unknown metric and a reversed time range (400)', async () => {
      const { admin } = setup();
      expect((await errorAnswer(admin.populationSeries({}))).body.issues!.map((i) => i.path)).toEqual(['domain']);
      expect((await errorAnswer(admin.userSeries('u-1', { domain: 'news', metric: 'happiness' }))).body.issues!.map((i) => i.path)).toEqual(['metric']);
      const reversed = await errorAnswer(admin.populationSeries({ domain: 'news', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }));
      expect(reversed.status).toBe(400);
      expect(reversed.body.issues!.length).toBe(1);
      expect((await errorAnswer(admin.userSeries('has space', { domain: 'news' }))).body.issues!.map((i) => i.path)).toEqual(['userId']);
    });
  });

  describe('detector configuration', () => {
    it('stores versions per metric and domain, and resolves what is in force: the domain row over the * row over the built-in', async () => {
      const { admin } = setup();
      expect((await admin.configHistory('news', 'miscalibration')).effective).toMatchObject({ version: 0, changeId: 0, source: 'built-in' });

      const v1 = await admin.changeConfig('*', 'miscalibration', ADWIN, 'ops-key');
      expect(v1).toMatchObject({ metric: 'miscalibration', domain: '*', version: 1, createdBy: 'ops-key' });
      expect(v1.config).toEqual({ detector: 'ADWIN', params: { delta: 0.01 }, direction: 'up', harmful: true, criticalChange: 0.2, referenceSize: 20, enabled: true });
      expect((await admin.configHistory('news', 'miscalibration')).effective).toMatchObject({ version: 1, source: 'default' });

      await admin.changeConfig('news', 'miscalibration', { ...ADWIN, params: { delta: 0.001 } }, 'ops-key');
      const v2 = await admin.changeConfig('news', 'miscalibration', { ...ADWIN, params: { delta: 0.002 } }, 'other-key');
      expect(v2.version).toBe(2);
      const history = await admin.configHistory('news', 'miscalibration');
      expect(history.effective).toMatchObject({ domain: 'news', version: 2, source: 'domain', config: { params: { delta: 0.002 } } });
      expect(history.versions.map((v) => [v.version, v.createdBy])).toEqual([
        [2, 'other-key'],
        [1, 'ops-key'],
      ]);
    });

    it('lists the configuration in force for every metric of a domain', async () => {
      const { admin } = setup();
      await admin.changeConfig('news', 'polarization', { ...ADWIN, detector: 'PageHinkley', params: {} }, 'ops-key');
      const { domain, metrics } = await admin.effectiveConfigs('news');
      expect(domain).toBe('news');
      expect(metrics.length).toBe(17);
      expect(metrics.find((m) => m.metric === 'polarization')).toMatchObject({ source: 'domain', version: 1, config: { detector: 'PageHinkley' } });
      expect(metrics.find((m) => m.metric === 'bimodality')).toMatchObject({ source: 'built-in', version: 0 });
    });

    it('requires the domain of the listing, and names a bad one (400)', async () => {
      const { admin } = setup();
      expect(await errorAnswer(admin.effectiveConfigs(undefined))).toEqual({
        status: 400,
        body: { code: 'REQUEST.INVALID', message: 'query parameter "domain" is required, e.g. ?domain=news (or * for the defaults)', issues: [{ path: 'domain', message: 'required' }] },
      });
      expect((await errorAnswer(admin.effectiveConfigs('NEWS!'))).body.issues!.map((i) => i.path)).toEqual(['domain']);
    });

    it('names the bad domain and metric in the path together (400)', async () => {
      const { admin } = setup();
      const answer = await errorAnswer(admin.configHistory('no spaces', 'happiness'));
      expect(answer.status).toBe(400);
      expect(answer.body.message).toBe('the domain or metric in the path is not valid');
      expect(answer.body.issues!.map((i) => i.path)).toEqual(['domain', 'metric']);
    });

    it('names each invalid field of a configuration, and stores nothing (400)', async () => {
      const { admin, configs } = setup();
      const answer = await errorAnswer(admin.changeConfig('news', 'miscalibration', { ...ADWIN, params: { delta: 2 }, criticalChange: -1 }, 'ops-key'));
      expect(answer.status).toBe(400);
      expect(answer.body.issues!.map((i) => i.path).sort()).toEqual(['criticalChange', 'params.delta']);
      expect(configs.rows).toEqual([]);
    });
  });
});
