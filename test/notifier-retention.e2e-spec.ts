import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../services/notifier/src/persistence/deliveries.repository';
import { notifierRetentionPolicies } from '../services/notifier/src/persistence/retention.policy';
import { driftAlert, dropQueueKeys, notifierEnv, openNotifierStore, startNotifier } from './support/notifier';
import { pollUntil } from './support/poll';
import { counterValue } from './support/reranker';
import { backdate, sweeperOf } from './support/retention';
import { serviceEnv, TestStack } from './support/test-stack';

const DEFAULT_DAYS = { NOTIFIER_ALERT_RETENTION_DAYS: 90, NOTIFIER_DELIVERY_RETENTION_DAYS: 90 };

/**
 * The notifier's retention on the real Postgres: final deliveries (with their attempts) go by the time they became
 * final, alerts by the time they were received once no delivery refers to them (alert_deliveries.alert_seq references
 * notifier_alerts without a cascade), pending and retrying deliveries and their alerts stay. Rows are written through
 * the notifier's repositories (store-and-match, attempts, pings), then backdated.
 */
describe('notifier retention', () => {
  const stack = new TestStack(1);
  let store: Awaited<ReturnType<typeof openNotifierStore>>;
  let subscription: string;
  let n = 0;

  /** Stores alerts as the consumer does; each gets a delivery to the (active) subscription. Returns delivery ids by subject. */
  const storeAlerts = async (...subjects: string[]): Promise<Record<string, string>> => {
    const outcome = await store.alerts.storeAndMatch(
      subjects.map((subject) => {
        const alert = driftAlert(++n, { subject });
        return { alert, body: JSON.stringify(alert), partition: 0, offset: String(n) };
      }),
      5,
    );
    const subjectOf = new Map(outcome.stored.map((s) => [s.alertId, s.subject]));
    return Object.fromEntries(outcome.deliveries.map((d) => [subjectOf.get(d.alertId)!, d.id]));
  };
  const attempt = (deliveryId: string, number: number, outcome: AttemptRecord['outcome']) =>
    store.deliveries.recordAttempt(deliveryId, { attempt: number, statusCode: outcome === 'succeeded' ? 200 : 500, error: null, durationMs: 3, outcome, nextAttemptAt: null });
  const pauseSubscription = () => store.db.query(`UPDATE alert_subscriptions SET active = false`);

  const alertSubjects = async () => (await store.db.query(`SELECT subject FROM notifier_alerts ORDER BY subject`)).map((r: { subject: string }) => r.subject);
  /** Each remaining delivery as `<alert subject or "ping">:<status>:<attempts logged>`. */
  const deliveryLog = async () =>
    (
      await store.db.query(
        `SELECT coalesce(a.subject, 'ping') AS what, d.status, (SELECT count(*)::int FROM alert_delivery_attempts x WHERE x.delivery_id = d.id) AS logged
           FROM alert_deliveries d LEFT JOIN notifier_alerts a ON a.seq = d.alert_seq ORDER BY 1, 2`,
      )
    ).map((r: { what: string; status: string; logged: number }) => `${r.what}:${r.status}:${r.logged}`);
  const attemptRows = async () => Number((await store.db.query(`SELECT count(*)::int AS n FROM alert_delivery_attempts`))[0].n);

  beforeAll(async () => {
    store = await openNotifierStore(stack);
  });

  beforeEach(async () => {
    await store.db.query(`TRUNCATE alert_delivery_attempts, alert_deliveries, notifier_alerts, alert_subscriptions`);
    subscription = randomUUID();
    await store.subscriptions.create({ id: subscription, ownerKeyId: store.owner, description: null, url: 'https://8.8.8.8/hook', secret: 's', active: true, filters: {} });
  });

  afterAll(async () => {
    await dropQueueKeys(stack);
    await stack.stop();
  });

  it('deletes final deliveries with their attempts, then the alerts nothing refers to; keeps what is pending, retrying or recent', async () => {
    await pauseSubscription();
    await storeAlerts('no-delivery');
    await store.db.query(`UPDATE alert_subscriptions SET active = true`);
    const ids = await storeAlerts('succeeded', 'dead', 'pending', 'retrying', 'recently-delivered', 'new');
    await attempt(ids.succeeded!, 1, 'succeeded');
    await attempt(ids.dead!, 1, 'retrying');
    await attempt(ids.dead!, 2, 'dead');
    await attempt(ids.retrying!, 1, 'retrying');
    await attempt(ids['recently-delivered']!, 1, 'succeeded');
    await attempt(ids.new!, 1, 'succeeded');
    const oldPing = randomUUID();
    await store.deliveries.createPing(oldPing, subscription, '{"type":"ping"}', 5);
    await attempt(oldPing, 1, 'succeeded');
    await store.deliveries.createPing(randomUUID(), subscription, '{"type":"ping"}', 5);

    await backdate(store.db, 'notifier_alerts', 'received_at', 91, `subject <> 'new'`);
    await backdate(store.db, 'notifier_alerts', 'received_at', 10, `subject = 'new'`);
    await backdate(store.db, 'alert_deliveries', 'created_at', 91, 'true');
    await backdate(store.db, 'alert_deliveries', 'completed_at', 91, `completed_at IS NOT NULL AND id <> ALL ($2::uuid[])`, [[ids['recently-delivered'], ids.new]]);
    await backdate(store.db, 'alert_deliveries', 'completed_at', 10, `id = ANY ($2::uuid[])`, [[ids['recently-delivered'], ids.new]]);

    const { sweeper, counted } = sweeperOf(notifierRetentionPolicies(store.db, DEFAULT_DAYS), 1_000);
    expect(await sweeper.sweep()).toEqual({ deleted: { alert_deliveries: 3, alert_delivery_attempts: 4, notifier_alerts: 3 }, batches: 2, failed: [] });
    expect(await alertSubjects()).toEqual(['new', 'pending', 'recently-delivered', 'retrying']);
    expect(await deliveryLog()).toEqual(['new:succeeded:1', 'pending:pending:0', 'ping:pending:0', 'recently-delivered:succeeded:1', 'retrying:retrying:1']);
    expect(await attemptRows()).toBe(3);
    expect([await counted('alert_deliveries'), await counted('alert_delivery_attempts'), await counted('notifier_alerts')]).toEqual([3, 4, 3]);
  });

  it('keeps an alert past its retention while a delivery kept longer still refers to it; 0 keeps a table forever', async () => {
    const ids = await storeAlerts('referenced');
    await attempt(ids.referenced!, 1, 'succeeded');
    await pauseSubscription();
    await storeAlerts('unreferenced');
    await backdate(store.db, 'notifier_alerts', 'received_at', 30, 'true');
    await backdate(store.db, 'alert_deliveries', 'completed_at', 30, 'true');

    const off = sweeperOf(notifierRetentionPolicies(store.db, { NOTIFIER_ALERT_RETENTION_DAYS: 0, NOTIFIER_DELIVERY_RETENTION_DAYS: 0 }), 1_000);
    expect(await off.sweeper.sweep()).toEqual({ deleted: {}, batches: 0, failed: [] });

    const { sweeper } = sweeperOf(notifierRetentionPolicies(store.db, { NOTIFIER_ALERT_RETENTION_DAYS: 7, NOTIFIER_DELIVERY_RETENTION_DAYS: 90 }), 1_000);
    expect(await sweeper.sweep()).toEqual({ deleted: { notifier_alerts: 1 }, batches: 2, failed: [] });
    expect(await alertSubjects()).toEqual(['referenced']);
    expect(await deliveryLog()).toEqual(['referenced:succeeded:1']);

    // Deliveries kept 14 days: the delivery goes, and its alert with it in the same sweep.
    const shorter = sweeperOf(notifierRetentionPolicies(store.db, { NOTIFIER_ALERT_RETENTION_DAYS: 7, NOTIFIER_DELIVERY_RETENTION_DAYS: 14 }), 1_000);
    expect((await shorter.sweeper.sweep()).deleted).toEqual({ alert_deliveries: 1, alert_delivery_attempts: 1, notifier_alerts: 1 });
    expect(await alertSubjects()).toEqual([]);
  });

  it('deletes a backlog larger than a batch in bounded statements, oldest first', async () => {
    await pauseSubscription();
    await storeAlerts(...Array.from({ length: 2_500 }, (_, i) => `backlog-${i}`), 'fresh');
    // Received in seq order, long ago: the lower the seq, the older.
    await store.db.query(`UPDATE notifier_alerts SET received_at = now() - interval '91 days' - ((SELECT max(seq) FROM notifier_alerts) - seq) * interval '1 second' WHERE subject <> 'fresh'`);
    const seqs = async () => (await store.db.query(`SELECT seq::int AS seq FROM notifier_alerts WHERE subject <> 'fresh' ORDER BY seq`)).map((r: { seq: number }) => r.seq);
    const before = await seqs();
    const [first, last] = [before[0]!, before.at(-1)!];

    const policies = notifierRetentionPolicies(store.db, DEFAULT_DAYS);
    expect(await policies.find((p) => p.table === 'notifier_alerts')!.deleteBatch(90, 1_000)).toEqual({ notifier_alerts: 1_000 });
    expect(await seqs()).toEqual(Array.from({ length: 1_500 }, (_, i) => first + 1_000 + i)); // the 1,000 oldest went
    expect(last).toBe(first + 2_499);

    const { sweeper, counted } = sweeperOf(policies, 1_000);
    // alert_deliveries: one empty batch; notifier_alerts: 1,000 then 500 (short: done).
    expect(await sweeper.sweep()).toEqual({ deleted: { notifier_alerts: 1_500 }, batches: 3, failed: [] });
    expect(await alertSubjects()).toEqual(['fresh']);
    expect(await counted('notifier_alerts')).toBe(1_500);
  });

  it('the running notifier (consumer role) sweeps on its interval and counts what it deleted in /metrics', async () => {
    const ids = await storeAlerts('expired', 'kept');
    await attempt(ids.expired!, 1, 'succeeded');
    await attempt(ids.kept!, 1, 'succeeded');
    await backdate(store.db, 'notifier_alerts', 'received_at', 91, `subject = 'expired'`);
    await backdate(store.db, 'alert_deliveries', 'completed_at', 91, 'id = $2', [ids.expired]);
    const notifier = await startNotifier(notifierEnv(stack, serviceEnv(stack, store.url), { NOTIFIER_ROLES: 'consumer', NOTIFIER_RETENTION_INTERVAL_MS: '1000' }));
    try {
      await pollUntil(alertSubjects, (subjects) => subjects.join() === 'kept', { what: 'the expired alert to be deleted' });
      expect(await deliveryLog()).toEqual(['kept:succeeded:1']);
      const metrics = await (await fetch(`${notifier.url}/metrics`)).text();
      expect(counterValue(metrics, 'notifier_retention_deleted_rows_total', { table: 'alert_deliveries' })).toBe(1);
      expect(counterValue(metrics, 'notifier_retention_deleted_rows_total', { table: 'alert_delivery_attempts' })).toBe(1);
      expect(counterValue(metrics, 'notifier_retention_deleted_rows_total', { table: 'notifier_alerts' })).toBe(1);
      expect(notifier.fatal).toEqual([]);
    } finally {
      await notifier.app.close();
    }
  });
});
