import type { DriftAlertV1 } from '@chorus/contracts';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { alertCandidate, driftAlert } from '../testing/drift-alert.fixture';
import { AlertOutboxRepository } from './alert-outbox.repository';
import { DriftStateRepository } from './drift-state.repository';

/** drift_alerts' two outboxes (Kafka publication, rerank requests) on a real migrated Postgres. */

const pg = useMigratedDatabase('drift_outbox');
let outbox: AlertOutboxRepository;
beforeAll(() => {
  outbox = new AlertOutboxRepository(pg.db);
});
beforeEach(async () => {
  await pg.db.query(`DELETE FROM drift_alerts`);
});

/** Commits alerts as drift-watch does, each its own subject (no folding), raised in the order given. */
async function commit(...alerts: DriftAlertV1[]): Promise<void> {
  await new DriftStateRepository(pg.db, 'drift-outbox', 6 * 3600_000).flush({
    users: [],
    shards: [],
    offsets: [],
    userPoints: [],
    populationPoints: [],
    segmentPoints: [],
    alerts: alerts.map((a) => alertCandidate(a, a.raisedAt)),
  });
}
const raised = (n: number, minute: number, overrides: Partial<DriftAlertV1> = {}) =>
  driftAlert(n, { subject: `user-${n}`, raisedAt: `2026-11-27T11:${String(minute).padStart(2, '0')}:00.000Z`, ...overrides });
const ids = (alerts: DriftAlertV1[]) => alerts.map((a) => a.alertId);
const published = async () => ((await pg.db.query(`SELECT alert_id FROM drift_alerts WHERE published_at IS NOT NULL ORDER BY alert_id`)) as { alert_id: string }[]).map((r) => r.alert_id);

describe('AlertOutboxRepository.publishPending', () => {
  it('hands over unpublished alerts oldest first, up to the limit, and marks them published once sent', async () => {
    const [a, b, c] = [raised(1, 30), raised(2, 10), raised(3, 20)];
    await commit(a, b, c);
    const sent: DriftAlertV1[][] = [];
    expect(await outbox.publishPending(2, async (alerts) => void sent.push(alerts))).toBe(2);
    expect(await outbox.publishPending(2, async (alerts) => void sent.push(alerts))).toBe(1);
    expect(await outbox.publishPending(2, async (alerts) => void sent.push(alerts))).toBe(0);
    expect(sent.map(ids)).toEqual([ids([b, c]), ids([a])]);
    expect(sent[0]![0]).toEqual(b);
    expect(await published()).toEqual(ids([a, b, c]));
  });

  it('leaves alerts in the outbox when sending fails', async () => {
    await commit(raised(4, 0));
    await expect(outbox.publishPending(10, async () => Promise.reject(new Error('broker down')))).rejects.toThrow('broker down');
    expect(await published()).toEqual([]);
    expect(await outbox.publishPending(10, async () => undefined)).toBe(1);
  });

  it('never hands the same alert to two drains at once (rows claimed by one are skipped by the other)', async () => {
    const [a, b] = [raised(5, 0), raised(6, 1)];
    await commit(a, b);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let claimed!: () => void;
    const claimedOne = new Promise<void>((resolve) => (claimed = resolve));
    const first: DriftAlertV1[][] = [];
    const slow = outbox.publishPending(1, async (alerts) => {
      first.push(alerts);
      claimed();
      await held;
    });
    await claimedOne;
    const second: DriftAlertV1[][] = [];
    expect(await outbox.publishPending(10, async (alerts) => void second.push(alerts))).toBe(1);
    release();
    expect(await slow).toBe(1);
    expect([first.map(ids), second.map(ids)]).toEqual([[ids([a])], [ids([b])]]);
  });
});

describe('AlertOutboxRepository rerank outbox', () => {
  it('requests reranks of alerts that ask for one, recording job ids, or the error of a failed request (retried later)', async () => {
    const [ok, failing, noRerank] = [raised(7, 0), raised(8, 1), raised(9, 2, { rerankRequested: false })];
    await commit(ok, failing, noRerank);
    const asked: string[] = [];
    const round = await outbox.requestPendingReranks(10, async (alert) => {
      asked.push(alert.alertId);
      if (alert.alertId === failing.alertId) throw new Error('Redis is down');
      return ['job-a', 'job-b'];
    });
    expect(round).toEqual({ requested: 1, failed: 1 });
    expect(asked).toEqual(ids([ok, failing]));
    const rows: { alert_id: string; rerank_job_ids: string[] | null; enqueued: boolean; rerank_error: string | null }[] = await pg.db.query(
      `SELECT alert_id, rerank_job_ids, rerank_enqueued_at IS NOT NULL AS enqueued, rerank_error FROM drift_alerts ORDER BY alert_id`,
    );
    expect(rows).toEqual([
      { alert_id: ok.alertId, rerank_job_ids: ['job-a', 'job-b'], enqueued: true, rerank_error: null },
      { alert_id: failing.alertId, rerank_job_ids: null, enqueued: false, rerank_error: 'Redis is down' },
      { alert_id: noRerank.alertId, rerank_job_ids: null, enqueued: false, rerank_error: null },
    ]);
    const again: string[] = [];
    expect(await outbox.requestPendingReranks(10, async (alert) => (again.push(alert.alertId), ['job-c']))).toEqual({ requested: 1, failed: 0 });
    expect(again).toEqual(ids([failing]));
  });

  it('lists reranks enqueued within the horizon with their job ids, paged by alert id, and puts lost ones back', async () => {
    const [a, b, c, old, none] = [raised(11, 0), raised(12, 1), raised(13, 2), raised(14, 3), raised(15, 4)];
    await commit(a, b, c, old, none);
    await outbox.requestPendingReranks(10, async (alert) => (alert.alertId === none.alertId ? [] : [`job-${alert.alertId.slice(-2)}`]));
    await pg.db.query(`UPDATE drift_alerts SET rerank_enqueued_at = now() - interval '2 hours' WHERE alert_id = $1`, [old.alertId]);

    const horizonMs = 3600_000;
    expect(await outbox.recentlyEnqueuedReranks(horizonMs, 2)).toEqual([
      { alertId: a.alertId, jobIds: ['job-11'] },
      { alertId: b.alertId, jobIds: ['job-12'] },
    ]);
    expect(await outbox.recentlyEnqueuedReranks(horizonMs, 2, b.alertId)).toEqual([{ alertId: c.alertId, jobIds: ['job-13'] }]);

    await outbox.requestRerankAgain([b.alertId], 'the rerank queue lost its job');
    expect(await pg.db.query(`SELECT rerank_enqueued_at, rerank_error FROM drift_alerts WHERE alert_id = $1`, [b.alertId])).toEqual([
      { rerank_enqueued_at: null, rerank_error: 'the rerank queue lost its job' },
    ]);
    const requested: string[] = [];
    await outbox.requestPendingReranks(10, async (alert) => (requested.push(alert.alertId), ['job-again']));
    expect(requested).toEqual(ids([b]));
  });

  it('does not put an alert that asked for no rerank into the rerank outbox', async () => {
    const alert = raised(16, 0, { rerankRequested: false });
    await commit(alert);
    await outbox.requestRerankAgain([alert.alertId], 'why');
    expect(await pg.db.query(`SELECT rerank_error FROM drift_alerts WHERE alert_id = $1`, [alert.alertId])).toEqual([{ rerank_error: null }]);
    expect(await outbox.requestPendingReranks(10, async () => ['never'])).toEqual({ requested: 0, failed: 0 });
  });
});
