import { deadLetterFor } from '@chorus/contracts';
import { ApiKeyRepository, DeadLetterOutbox } from '@chorus/platform';
import { Client } from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, useMigratedDatabase } from '../../../../test/support/migrated-database';
import { alertUuid, incoming } from '../testing/alert-fixtures';
import { ALERTS_CHANNEL, AlertsRepository } from './alerts.repository';
import { SubscriptionsRepository } from './subscriptions.repository';

const database = useMigratedDatabase('notifier_alerts');
let alerts: AlertsRepository;
let subscriptions: SubscriptionsRepository;
let revokedOwner: string;

const SUB_ALL = '10000000-0000-4000-8000-000000000001';
const SUB_CRITICAL_NEWS = '10000000-0000-4000-8000-000000000002';
const SUB_INACTIVE = '10000000-0000-4000-8000-000000000003';
const SUB_REVOKED_KEY = '10000000-0000-4000-8000-000000000004';
const SUB_LATE = '10000000-0000-4000-8000-000000000005';

async function subscribe(id: string, owner: string, filters: Record<string, string[]>, active = true) {
  await subscriptions.create({ id, ownerKeyId: owner, description: null, url: 'https://example.com/hook', secret: 'sealed', active, filters });
}

beforeAll(async () => {
  alerts = new AlertsRepository(database.db);
  subscriptions = new SubscriptionsRepository(database.db);
  const keys = new ApiKeyRepository(database.db);
  const owner = (await keys.create('subscriber', ['subscriber'])).record.id;
  revokedOwner = (await keys.create('revoked', ['subscriber'])).record.id;
  await subscribe(SUB_ALL, owner, {});
  await subscribe(SUB_CRITICAL_NEWS, owner, { severities: ['critical'], domains: ['news'] });
  await subscribe(SUB_INACTIVE, owner, {}, false);
  await subscribe(SUB_REVOKED_KEY, revokedOwner, {});
  await keys.revoke('revoked');
});

describe('AlertsRepository (PostgreSQL)', () => {
  it('stores new alerts in order and creates one delivery per matching active subscription of an unrevoked key', async () => {
    const outcome = await alerts.storeAndMatch([incoming(1), incoming(2, { severity: 'critical' }), incoming(3, { severity: 'critical', domain: 'movies' })], 5);
    expect(outcome.stored.map((s) => [s.seq, s.alertId, s.severity, s.domain])).toEqual([
      ['1', alertUuid(1), 'warning', 'news'],
      ['2', alertUuid(2), 'critical', 'news'],
      ['3', alertUuid(3), 'critical', 'movies'],
    ]);
    expect(outcome.duplicates).toBe(0);
    expect(outcome.deliveries.map((d) => [d.alertId, d.subscriptionId, d.jobId])).toEqual([
      [alertUuid(1), SUB_ALL, `alert.${SUB_ALL}.${alertUuid(1)}`],
      [alertUuid(2), SUB_ALL, `alert.${SUB_ALL}.${alertUuid(2)}`],
      [alertUuid(2), SUB_CRITICAL_NEWS, `alert.${SUB_CRITICAL_NEWS}.${alertUuid(2)}`],
      [alertUuid(3), SUB_ALL, `alert.${SUB_ALL}.${alertUuid(3)}`],
    ]);
    const [row] = await database.db.query(`SELECT status, max_attempts, kind, alert_seq::text AS seq FROM alert_deliveries WHERE job_id = $1`, [`alert.${SUB_CRITICAL_NEWS}.${alertUuid(2)}`]);
    expect(row).toEqual({ status: 'pending', max_attempts: 5, kind: 'drift-alert', seq: '2' });
  });

  it('a replayed alert id is a no-op: counted as a duplicate, no delivery again — even for a subscription made since', async () => {
    await subscribe(SUB_LATE, (await database.db.query(`SELECT owner_key_id FROM alert_subscriptions WHERE id = $1`, [SUB_ALL]))[0].owner_key_id, {});
    const outcome = await alerts.storeAndMatch([incoming(2, { severity: 'critical' }), incoming(4)], 5);
    expect([outcome.stored.map((s) => s.alertId), outcome.duplicates]).toEqual([[alertUuid(4)], 1]);
    expect(outcome.deliveries.map((d) => d.subscriptionId).sort()).toEqual([SUB_ALL, SUB_LATE]);
    expect(await alerts.storeAndMatch([incoming(1), incoming(4)], 5)).toEqual({ stored: [], duplicates: 2, deliveries: [] });
    expect(await alerts.storeAndMatch([], 5)).toEqual({ stored: [], duplicates: 0, deliveries: [] });
    const [{ n }] = await database.db.query(`SELECT count(*)::int AS n FROM alert_deliveries WHERE alert_id = $1`, [alertUuid(2)]);
    expect(n).toBe(2);
  });

  it('announces each commit of new alerts on the NOTIFY channel with the highest new seq', async () => {
    const listener = new Client({ connectionString: database.url });
    await listener.connect();
    try {
      const payloads: string[] = [];
      listener.on('notification', (message) => payloads.push(message.payload ?? ''));
      await listener.query(`LISTEN ${ALERTS_CHANNEL}`);
      await alerts.storeAndMatch([incoming(5), incoming(6)], 5);
      await alerts.storeAndMatch([incoming(6)], 5);
      // A round trip on the listening connection delivers every notification committed before it. Seqs have gaps:
      // each replayed id above consumed an identity value in its refused insert (3 so far), so alerts 5 and 6 are 8, 9.
      await listener.query('SELECT 1');
      expect(payloads).toEqual(['9']);
    } finally {
      await listener.end();
    }
  });

  it('reads after a seq in numeric order (seq 11 after seq 9), filtered in SQL as the contracts filter', async () => {
    // Alerts 7..11 take seqs 11..15 (seq 10 went to the replay of alert 6 above).
    const stored = await alerts.storeAndMatch([7, 8, 9, 10, 11].map((n) => incoming(n, n === 10 ? { scope: 'population', subject: 'news', metric: 'polarization' } : {})), 5);
    expect(stored.stored.map((a) => a.seq)).toEqual(['11', '12', '13', '14', '15']);
    expect((await alerts.allAfter('7', 100)).map((a) => a.seq)).toEqual(['8', '9', '11', '12', '13', '14', '15']);
    expect((await alerts.allAfter('7', 2)).map((a) => a.seq)).toEqual(['8', '9']);
    expect((await alerts.after('0', { severities: ['critical'] }, 100)).map((a) => a.seq)).toEqual(['2', '3']);
    expect((await alerts.after('2', { severities: ['critical'], domains: ['news'] }, 100)).map((a) => a.seq)).toEqual([]);
    expect((await alerts.after('8', { scopes: ['population'], metrics: ['polarization'], subjects: ['news'] }, 100)).map((a) => a.seq)).toEqual(['14']);
    expect((await alerts.after('8', {}, 2)).map((a) => a.seq)).toEqual(['9', '11']);
    expect(await alerts.maxSeq()).toBe('15');
  });

  it('the stored body is the alert exactly as received', async () => {
    const [alert] = await alerts.after('0', { subjects: ['u-1'] }, 1);
    expect(alert).toEqual({ seq: '1', alertId: alertUuid(1), scope: 'user', subject: 'u-1', metric: 'miscalibration', severity: 'warning', domain: 'news', body: incoming(1).body });
  });

  it('deletedThrough is null until retention deleted something, then the mark', async () => {
    expect(await alerts.deletedThrough()).toBeNull();
    await database.db.query(`INSERT INTO notifier_alert_retention (deleted_through) VALUES (3)`);
    expect(await alerts.deletedThrough()).toBe('3');
  });

  it('maxSeq of an empty store is 0', async () => {
    const empty = await migratedDatabase('notifier_alerts_empty');
    try {
      expect(await new AlertsRepository(empty.db).maxSeq()).toBe('0');
    } finally {
      await empty.drop();
    }
  });

});

describe('AlertsRepository dead letters (the transport\'s outbox)', () => {
  const letter = (offset: number) =>
    deadLetterFor({ topic: 't.chorus.drift-alerts.v1', consumer: 'notifier-letters', partition: 0, offset: String(offset) }, { key: null, value: '{not json' }, 'ALERT.INVALID', 'not an alert');

  it('commits the letters with the alerts of the same messages, and alone when a chunk holds no valid alert', async () => {
    const outbox = new DeadLetterOutbox(database.db, 'notifier-letters');
    const withLetters = new AlertsRepository(database.db, outbox);
    await withLetters.storeAndMatch([incoming(40)], 5, [letter(41)]);
    await withLetters.storeAndMatch([], 5, [letter(42)]);
    expect((await outbox.pending()).map((r) => r.letter.source.offset)).toEqual(['41', '42']);
    const counts = `SELECT code, count::int FROM dead_letter_counts WHERE group_id = 'notifier-letters'`;
    expect(await database.db.query(counts)).toEqual([{ code: 'ALERT.INVALID', count: 2 }]);
  });

  it('rolls the letters back with the alerts when the transaction fails', async () => {
    const outbox = new DeadLetterOutbox(database.db, 'notifier-letters-rollback');
    const withLetters = new AlertsRepository(database.db, outbox);
    const refused = { ...incoming(43), body: 'x\u0000' };
    await expect(withLetters.storeAndMatch([refused], 5, [letter(44)])).rejects.toThrow();
    expect(await outbox.pending()).toEqual([]);
    expect(await database.db.query(`SELECT code FROM dead_letter_counts WHERE group_id = 'notifier-letters-rollback'`)).toEqual([]);
  });
});
