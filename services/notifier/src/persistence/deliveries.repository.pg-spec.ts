import { ApiKeyRepository } from '@chorus/platform';
import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { alertUuid, incoming } from '../testing/alert-fixtures';
import { AlertsRepository } from './alerts.repository';
import { DeliveriesRepository } from './deliveries.repository';
import { SubscriptionsRepository } from './subscriptions.repository';

const database = useMigratedDatabase('notifier_deliveries');
let deliveries: DeliveriesRepository;
let subscriptions: SubscriptionsRepository;
let owner: string;
let alertDelivery: string;

const SUB = '30000000-0000-4000-8000-000000000001';
const PING_1 = '31000000-0000-4000-8000-000000000001';
const PING_2 = '31000000-0000-4000-8000-000000000002';
const PING_3 = '31000000-0000-4000-8000-000000000003';

const statusOf = async (id: string) =>
  (await database.db.query(`SELECT status, attempts, last_status_code, last_error, completed_at IS NOT NULL AS completed, enqueued_at IS NOT NULL AS enqueued FROM alert_deliveries WHERE id = $1`, [id]))[0];

beforeAll(async () => {
  deliveries = new DeliveriesRepository(database.db);
  subscriptions = new SubscriptionsRepository(database.db);
  owner = (await new ApiKeyRepository(database.db).create('owner', ['subscriber'])).record.id;
  await subscriptions.create({ id: SUB, ownerKeyId: owner, description: null, url: 'https://example.com/hook', secret: 'sealed-now', active: true, filters: {} });
  const outcome = await new AlertsRepository(database.db).storeAndMatch([incoming(1)], 3);
  alertDelivery = outcome.deliveries[0]!.id;
});

describe('DeliveriesRepository (PostgreSQL)', () => {
  it('a ping delivery has a deterministic job id and its own body; an alert delivery carries the stored alert body', async () => {
    expect(await deliveries.createPing(PING_1, SUB, '{"type":"ping"}', 4)).toEqual({ id: PING_1, jobId: `ping.${PING_1}` });
    expect(await deliveries.target(PING_1)).toEqual({
      id: PING_1,
      event: 'ping',
      status: 'pending',
      subscriptionId: SUB,
      url: 'https://example.com/hook',
      sealedSecret: 'sealed-now',
      sealedPreviousSecret: null,
      body: '{"type":"ping"}',
      alertId: null,
      alertSeq: null,
      attempts: 0,
    });
    expect(await deliveries.target(alertDelivery)).toMatchObject({ event: 'drift-alert', body: incoming(1).body, alertId: alertUuid(1), alertSeq: '1' });
    expect(await deliveries.target('31000000-0000-4000-8000-0000000000ff')).toBeUndefined();
  });

  it('signs with the replaced secret only while its grace period lasts', async () => {
    await subscriptions.update(owner, SUB, { secret: { sealed: 'sealed-new', graceSeconds: 3600 } });
    expect(await deliveries.target(PING_1)).toMatchObject({ sealedSecret: 'sealed-new', sealedPreviousSecret: 'sealed-now' });
    await database.db.query(`UPDATE alert_subscriptions SET previous_secret_expires_at = now() - interval '1 second'`);
    expect(await deliveries.target(PING_1)).toMatchObject({ sealedSecret: 'sealed-new', sealedPreviousSecret: null });
  });

  it('the outbox: unenqueued open deliveries older than the grace; marked enqueued they leave it; a lost job puts them back', async () => {
    await deliveries.createPing(PING_2, SUB, '{"type":"ping"}', 4);
    await database.db.query(`UPDATE alert_deliveries SET created_at = now() - interval '1 minute' WHERE id <> $1`, [PING_2]);
    expect((await deliveries.unenqueued(30_000, 10)).map((d) => d.jobId).sort()).toEqual([`alert.${SUB}.${alertUuid(1)}`, `ping.${PING_1}`]);
    expect((await deliveries.unenqueued(0, 10)).length).toBe(3);
    await deliveries.markEnqueued([PING_1, alertDelivery]);
    await deliveries.markEnqueued([]);
    expect((await deliveries.unenqueued(30_000, 10)).map((d) => d.id)).toEqual([]);
    expect((await deliveries.enqueuedOpen(10)).map((d) => d.id).sort()).toEqual([alertDelivery, PING_1].sort());
    const [firstId] = [alertDelivery, PING_1].sort();
    expect((await deliveries.enqueuedOpen(10, firstId)).length).toBe(1);
    await deliveries.markUnenqueued([PING_1]);
    await deliveries.markUnenqueued([]);
    expect((await deliveries.unenqueued(30_000, 10)).map((d) => d.id)).toEqual([PING_1]);
  });

  it('records attempts: retrying keeps it open, a final status closes it and later attempts change nothing', async () => {
    expect(await deliveries.recordAttempt(PING_1, { attempt: 1, statusCode: 500, error: 'HTTP 500', durationMs: 12, outcome: 'retrying', nextAttemptAt: new Date('2030-01-01T00:00:00Z') })).toBe(true);
    // The target carries Postgres' attempt count: a job re-added after a Redis restart numbers its next attempt 2, not 1.
    expect((await deliveries.target(PING_1))!.attempts).toBe(1);
    expect(await statusOf(PING_1)).toEqual({ status: 'retrying', attempts: 1, last_status_code: 500, last_error: 'HTTP 500', completed: false, enqueued: false });
    expect(await deliveries.recordAttempt(PING_1, { attempt: 2, statusCode: 204, error: null, durationMs: 8, outcome: 'succeeded', nextAttemptAt: null })).toBe(true);
    expect(await statusOf(PING_1)).toMatchObject({ status: 'succeeded', attempts: 2, last_status_code: 204, last_error: null, completed: true });
    // A duplicate job run after success: refused, nothing logged.
    expect(await deliveries.recordAttempt(PING_1, { attempt: 3, statusCode: 500, error: 'late', durationMs: 1, outcome: 'dead', nextAttemptAt: null })).toBe(false);
    expect(await statusOf(PING_1)).toMatchObject({ status: 'succeeded', attempts: 2 });
    // A finished delivery is out of both outbox queries.
    expect((await deliveries.unenqueued(0, 10)).map((d) => d.id)).not.toContain(PING_1);
  });

  it('a repeated attempt number overwrites its log entry; attempts never go down', async () => {
    await deliveries.recordAttempt(alertDelivery, { attempt: 2, statusCode: null, error: 'ECONNRESET', durationMs: 5, outcome: 'retrying', nextAttemptAt: null });
    await deliveries.recordAttempt(alertDelivery, { attempt: 2, statusCode: 503, error: 'HTTP 503', durationMs: 6, outcome: 'retrying', nextAttemptAt: null });
    await deliveries.recordAttempt(alertDelivery, { attempt: 1, statusCode: 502, error: 'HTTP 502', durationMs: 7, outcome: 'dead', nextAttemptAt: null });
    expect(await statusOf(alertDelivery)).toMatchObject({ status: 'dead', attempts: 2, last_status_code: 502 });
    const [entry] = await deliveries.log(SUB, { limit: 10, status: 'dead' });
    expect(entry?.attemptLog.map((a) => [a.attempt, a.statusCode, a.error, a.durationMs])).toEqual([
      [1, 502, 'HTTP 502', 7],
      [2, 503, 'HTTP 503', 6],
    ]);
  });

  it('the log is newest first, filtered by status, paged with before=<id>', async () => {
    await deliveries.createPing(PING_3, SUB, '{"type":"ping"}', 4);
    const all = await deliveries.log(SUB, { limit: 10 });
    expect(all.map((d) => [d.id, d.event, d.status])).toEqual([
      [PING_3, 'ping', 'pending'],
      [PING_2, 'ping', 'pending'],
      // Backdated above by a minute; both at the same instant, so the id decides.
      ...[
        [alertDelivery, 'drift-alert', 'dead'],
        [PING_1, 'ping', 'succeeded'],
      ].sort((a, b) => (a[0]! < b[0]! ? 1 : -1)),
    ]);
    expect(all[0]).toMatchObject({ alertId: null, alertSequence: null, attempts: 0, maxAttempts: 4, lastStatusCode: null, nextAttemptAt: null, completedAt: null, attemptLog: [] });
    const page = await deliveries.log(SUB, { limit: 2, before: PING_2 });
    expect(page.map((d) => d.id)).toEqual(all.slice(2).map((d) => d.id));
    expect((await deliveries.log(SUB, { limit: 10, status: 'succeeded' })).map((d) => d.id)).toEqual([PING_1]);
    expect(await deliveries.log('30000000-0000-4000-8000-0000000000ff', { limit: 10 })).toEqual([]);
  });

  it('exists only for the subscription the delivery belongs to', async () => {
    expect(await deliveries.exists(SUB, PING_1)).toBe(true);
    expect(await deliveries.exists('30000000-0000-4000-8000-0000000000ff', PING_1)).toBe(false);
  });
});
