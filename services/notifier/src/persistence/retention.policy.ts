import { expiredRowsDeletion, type RetentionPolicy } from '@chorus/platform';
import type { DataSource } from 'typeorm';

export interface NotifierRetentionDays {
  NOTIFIER_ALERT_RETENTION_DAYS: number;
  NOTIFIER_DELIVERY_RETENTION_DAYS: number;
}

/**
 * What the notifier's retention deletes, by write time, in this order: final deliveries (with their attempts), then
 * alerts no delivery refers to any more. `alert_deliveries.alert_seq` references `notifier_alerts` without a cascade,
 * so an alert is deleted only once its last delivery is gone: a delivery still pending or retrying keeps its alert (the
 * worker reads the body from it), whatever the alert's age.
 */
export function notifierRetentionPolicies(db: DataSource, days: NotifierRetentionDays): RetentionPolicy[] {
  return [
    { table: 'alert_deliveries', days: days.NOTIFIER_DELIVERY_RETENTION_DAYS, deleteBatch: (d, limit) => deleteExpiredDeliveries(db, d, limit) },
    { table: 'notifier_alerts', days: days.NOTIFIER_ALERT_RETENTION_DAYS, deleteBatch: (d, limit) => deleteExpiredAlerts(db, d, limit) },
  ];
}

/**
 * Up to `limit` alerts received more than `days` ago that no delivery refers to, oldest first, in one statement that
 * also raises the retention mark (notifier_alert_retention.deleted_through) to the highest seq it deleted: the SSE
 * stream tells a client resuming below the mark that alerts may be missing.
 */
async function deleteExpiredAlerts(db: DataSource, days: number, limit: number): Promise<Record<string, number>> {
  const alerts = { table: 'notifier_alerts', writtenAt: 'received_at', deletable: `NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_seq = t.seq)` };
  const [row]: { deleted: number }[] = await db.query(
    `WITH deleted AS (${expiredRowsDeletion(alerts, 'seq')}),
     marked AS (
       INSERT INTO notifier_alert_retention (deleted_through)
       SELECT max(seq) FROM deleted HAVING count(*) > 0
       ON CONFLICT (id) DO UPDATE
         SET deleted_through = greatest(notifier_alert_retention.deleted_through, EXCLUDED.deleted_through), updated_at = now())
     SELECT count(*)::int AS deleted FROM deleted`,
    [days, limit],
  );
  return { notifier_alerts: row!.deleted };
}

/**
 * Up to `limit` deliveries that became final (succeeded, dead) more than `days` ago, oldest first, and their attempts,
 * in one statement. The attempts are deleted explicitly rather than by the cascade so that they can be counted.
 */
async function deleteExpiredDeliveries(db: DataSource, days: number, limit: number): Promise<Record<string, number>> {
  const [row]: { deliveries: number; attempts: number }[] = await db.query(
    `WITH expired AS (
       SELECT id FROM alert_deliveries
        WHERE completed_at < now() - make_interval(days => $1) AND status IN ('succeeded', 'dead')
        ORDER BY completed_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED),
     attempts AS (DELETE FROM alert_delivery_attempts a USING expired e WHERE a.delivery_id = e.id RETURNING 1),
     deliveries AS (DELETE FROM alert_deliveries d USING expired e WHERE d.id = e.id RETURNING 1)
     SELECT (SELECT count(*) FROM deliveries)::int AS deliveries, (SELECT count(*) FROM attempts)::int AS attempts`,
    [days, limit],
  );
  return { alert_deliveries: row!.deliveries, alert_delivery_attempts: row!.attempts };
}
