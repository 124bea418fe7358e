import { expiredRowsPolicy, type RetentionPolicy } from '@chorus/platform';
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
    expiredRowsPolicy(
      db,
      { table: 'notifier_alerts', writtenAt: 'received_at', deletable: `NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_seq = t.seq)` },
      days.NOTIFIER_ALERT_RETENTION_DAYS,
    ),
  ];
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
