import { createDataSource } from '@chorus/platform';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../../infra/database/migrations';
import { migratedDatabase, useMigratedDatabase } from '../../../../test/support/migrated-database';
import { DriftAlertsRepository } from './drift-alerts.repository';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const database = useMigratedDatabase('gateway_drift_alerts');
let repository: DriftAlertsRepository;

/** A row as drift-watch writes it (and, when acknowledged, the gateway's acknowledgement). */
async function insertAlert(n: number, fields: { raisedAt: string; scope?: string; metric?: string; severity?: string; domain?: string; subject?: string; acknowledged?: boolean }) {
  const { raisedAt, scope = 'user', metric = 'miscalibration', severity = 'warning', domain = 'news', subject = 'u-1' } = fields;
  const payload = {
    alertId: id(n), scope, subject, domain, metric, detector: 'ADWIN', direction: 'up', value: 0.4, baseline: 0.1, severity,
    window: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T01:00:00.000Z', observations: 30 }, configVersion: 0, raisedAt, rerankRequested: false,
  };
  await database.db.query(
    `INSERT INTO drift_alerts (alert_id, scope, subject, domain, metric, detector, direction, value, baseline, severity, window_start, window_end, config_version,
       payload, raised_at, last_seen_at, last_event_at, last_value, rerank_requested, rerank_job_ids, source)
     VALUES ($1, $2, $3, $4, $5, 'ADWIN', 'up', 0.4, 0.1, $6, '2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', 0, $7, $8, $8, $8, 0.45, false, $9, 'test')`,
    [id(n), scope, subject, domain, metric, severity, JSON.stringify(payload), raisedAt, n === 1 ? ['job-a', 'job-b'] : null],
  );
  if (fields.acknowledged) {
    await database.db.query(`INSERT INTO drift_alert_acknowledgements (alert_id, acknowledged_at, acknowledged_by) VALUES ($1, '2026-01-05T00:00:00Z', 'earlier-key')`, [id(n)]);
  }
}

beforeAll(async () => {
  repository = new DriftAlertsRepository(database.db);
  await insertAlert(1, { raisedAt: '2026-01-01T00:00:00.000Z' });
  await insertAlert(2, { raisedAt: '2026-01-02T00:00:00.000Z', severity: 'critical', scope: 'population', subject: 'news', metric: 'polarization' });
  // Two alerts raised at the same instant: the alert id breaks the tie, so keyset pages neither skip nor repeat.
  await insertAlert(3, { raisedAt: '2026-01-03T00:00:00.000Z', acknowledged: true });
  await insertAlert(4, { raisedAt: '2026-01-03T00:00:00.000Z', domain: 'movies', subject: 'u-2' });
});

describe('DriftAlertsRepository (PostgreSQL)', () => {
  it('lists newest first with the alert id as tie-break, and pages by (raisedAt, alertId) without skipping or repeating', async () => {
    const first = await repository.list({ limit: 2 });
    expect([first.alerts.map((a) => a.alertId), first.more]).toEqual([[id(4), id(3)], true]);
    const second = await repository.list({ limit: 2 }, { raisedAt: '2026-01-03T00:00:00.000Z', alertId: id(3) });
    expect([second.alerts.map((a) => a.alertId), second.more]).toEqual([[id(2), id(1)], false]);
  });

  it('filters on every field, and on the raisedAt range [from, to)', async () => {
    const ids = async (query: Parameters<DriftAlertsRepository['list']>[0]) => (await repository.list(query)).alerts.map((a) => a.alertId);
    expect(await ids({ limit: 10, scope: 'population' })).toEqual([id(2)]);
    expect(await ids({ limit: 10, metric: 'miscalibration' })).toEqual([id(4), id(3), id(1)]);
    expect(await ids({ limit: 10, domain: 'movies' })).toEqual([id(4)]);
    expect(await ids({ limit: 10, subject: 'u-1' })).toEqual([id(3), id(1)]);
    expect(await ids({ limit: 10, severity: 'critical' })).toEqual([id(2)]);
    expect(await ids({ limit: 10, acknowledged: true })).toEqual([id(3)]);
    expect(await ids({ limit: 10, acknowledged: false })).toEqual([id(4), id(2), id(1)]);
    expect(await ids({ limit: 10, from: '2026-01-02T00:00:00.000Z', to: '2026-01-03T00:00:00.000Z' })).toEqual([id(2)]);
    expect(await ids({ limit: 10, domain: 'news', severity: 'warning', acknowledged: false })).toEqual([id(1)]);
  });

  it('reads an alert with its bookkeeping', async () => {
    expect(await repository.find(id(1))).toEqual({
      alertId: id(1), scope: 'user', subject: 'u-1', domain: 'news', metric: 'miscalibration', detector: 'ADWIN', direction: 'up', value: 0.4, baseline: 0.1, severity: 'warning',
      window: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T01:00:00.000Z', observations: 30 }, configVersion: 0, raisedAt: '2026-01-01T00:00:00.000Z', rerankRequested: false,
      occurrences: 1, lastSeenAt: '2026-01-01T00:00:00.000Z', lastEventAt: '2026-01-01T00:00:00.000Z', lastValue: 0.45,
      acknowledgedAt: null, acknowledgedBy: null, acknowledgedNote: null, publishedAt: null,
      rerank: { requested: false, jobIds: ['job-a', 'job-b'], enqueuedAt: null, error: null },
    });
    expect(await repository.find(id(99))).toBeUndefined();
  });

  it('acknowledges once: the first acknowledgement is kept; a missing alert is undefined', async () => {
    const first = await repository.acknowledge(id(2), 'ops-key', 'expected after the launch');
    expect([first!.acknowledgedBy, first!.acknowledgedNote, first!.acknowledgedAt === null]).toEqual(['ops-key', 'expected after the launch', false]);
    const again = await repository.acknowledge(id(2), 'other-key', undefined);
    expect([again!.acknowledgedBy, again!.acknowledgedNote, again!.acknowledgedAt]).toEqual(['ops-key', 'expected after the launch', first!.acknowledgedAt]);
    expect((await repository.acknowledge(id(3), 'ops-key', undefined))!.acknowledgedBy).toBe('earlier-key');
    expect(await repository.acknowledge(id(98), 'ops-key', undefined)).toBeUndefined();
  });

  it('keeps the acknowledgements made before they moved out of drift_alerts (migration DriftAlertAcknowledgements)', async () => {
    const own = await migratedDatabase('gateway_ack_migration');
    const schema = createDataSource(own.url, { poolSize: 1, migrations });
    await schema.initialize();
    try {
      // Undo back to just before the split (later migrations included), so old-style rows can be written.
      const split = migrations.findIndex((migration) => migration.name === 'DriftAlertAcknowledgements1765098000000');
      expect(split).toBeGreaterThanOrEqual(0);
      for (let undone = migrations.length; undone > split; undone--) await schema.undoLastMigration({ transaction: 'each' });
      await own.db.query(
        `INSERT INTO drift_alerts (alert_id, scope, subject, domain, metric, detector, direction, value, baseline, severity, window_start, window_end, config_version,
           payload, raised_at, last_seen_at, last_event_at, last_value, rerank_requested, acknowledged_at, acknowledged_by, acknowledged_note, source)
         VALUES ($1, 'user', 'u-7', 'news', 'miscalibration', 'ADWIN', 'up', 0.4, 0.1, 'warning', '2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', 0, $2,
           '2026-01-04T00:00:00Z', '2026-01-04T00:00:00Z', '2026-01-04T00:00:00Z', 0.45, false, '2026-01-06T00:00:00Z', 'old-key', 'before the split', 'test')`,
        [id(7), JSON.stringify({ alertId: id(7) })],
      );
      await schema.runMigrations({ transaction: 'each' });
      const alert = await new DriftAlertsRepository(own.db).find(id(7));
      expect(alert).toMatchObject({ acknowledgedAt: '2026-01-06T00:00:00.000Z', acknowledgedBy: 'old-key', acknowledgedNote: 'before the split' });
      // drift-watch's retention deletes alerts; their acknowledgements go with them.
      await own.db.query(`DELETE FROM drift_alerts WHERE alert_id = $1`, [id(7)]);
      expect(await own.db.query(`SELECT alert_id FROM drift_alert_acknowledgements`)).toEqual([]);
    } finally {
      await schema.destroy();
      await own.drop();
    }
  });
});
