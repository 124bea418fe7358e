import { expiredRowsPolicy, type RetentionPolicy } from '@chorus/platform';
import type { DataSource } from 'typeorm';

export interface DriftRetentionDays {
  DRIFT_ALERT_RETENTION_DAYS: number;
  DRIFT_USER_SERIES_RETENTION_DAYS: number;
  DRIFT_POPULATION_SERIES_RETENTION_DAYS: number;
}

/**
 * What drift-watch's retention deletes, by write time. It does not change what drift-watch detects or raises:
 * - nothing in drift-watch reads the series back: detector and metric state live in drift_user_state and
 *   drift_population_state, and the series are written for the gateway's admin API only;
 * - drift-watch reads drift_alerts only to fold a repeat into an open alert, which needs the repeat's event time within
 *   the cooldown (6 h) of the alert's last occurrence. On live traffic (event time ≈ wall time) an alert last written
 *   a retention period ago is far outside it. Only reprocessing events that old (offsets reset by hand) would raise
 *   such an alert again instead of folding into the deleted one.
 */
export function driftRetentionPolicies(db: DataSource, days: DriftRetentionDays): RetentionPolicy[] {
  return [
    expiredRowsPolicy(
      db,
      {
        table: 'drift_alerts',
        writtenAt: 'last_seen_at',
        // Both outboxes keep their rows until done: an alert not yet on Kafka, a rerank not yet enqueued.
        deletable: `t.published_at IS NOT NULL AND NOT (t.rerank_requested AND t.rerank_enqueued_at IS NULL)`,
      },
      days.DRIFT_ALERT_RETENTION_DAYS,
    ),
    expiredRowsPolicy(db, { table: 'drift_user_series', writtenAt: 'created_at' }, days.DRIFT_USER_SERIES_RETENTION_DAYS),
    expiredRowsPolicy(db, { table: 'drift_population_series', writtenAt: 'created_at' }, days.DRIFT_POPULATION_SERIES_RETENTION_DAYS),
    // A segment's series is read against its alerts like the population's, and is as small: the same period.
    expiredRowsPolicy(db, { table: 'drift_segment_series', writtenAt: 'created_at' }, days.DRIFT_POPULATION_SERIES_RETENTION_DAYS),
  ];
}
