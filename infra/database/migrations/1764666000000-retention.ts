import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention: each service deletes its tables' rows once they are older than a period, measured by WRITE time — when
 * Postgres stored the row — never by event time, so a replay of old events (MovieLens is 1996–2018) is not deleted on
 * arrival.
 *
 * - `drift_user_series`, `drift_population_series` are keyed by `bucket_start`, which is event time, and recorded no
 *   write time: they get `created_at` (DEFAULT now()). Rows from before this migration get the migration's time, so
 *   they are kept one full period from the upgrade, never deleted early. It is the point's FIRST write: the upsert
 *   that rewrites a bucket's point while its events arrive leaves it alone, which keeps that hot upsert free of an
 *   index change (the rewrites of a live bucket span about one bucket of wall time, nothing at a horizon of days).
 * - Indexes on each table's write-time column, so a sweep takes its oldest expired rows without a scan:
 *   `drift_alerts.last_seen_at` (now() at insert and at every folded repeat: an alert still recurring is kept),
 *   `calibrated_lists.created_at`, `notifier_alerts.received_at`, `alert_deliveries.completed_at` (set when a
 *   delivery becomes final; pending and retrying ones are never deleted, so the index holds only final ones).
 * - `alert_deliveries.alert_seq`: deleting a notifier alert checks the foreign key there (and retention asks whether
 *   a delivery still needs the alert); without an index each check would scan every delivery.
 *
 * Plain CREATE INDEX (migrations run in a transaction, where CONCURRENTLY is not allowed) locks writes to each table
 * while its index builds: moments at the demo's sizes. On a large installation, build them CONCURRENTLY by hand first;
 * IF NOT EXISTS then skips them here.
 */
export class Retention1764666000000 implements MigrationInterface {
  name = 'Retention1764666000000';

  async up(db: QueryRunner): Promise<void> {
    for (const table of ['drift_user_series', 'drift_population_series']) {
      // now() is stable, not volatile: Postgres records the default once instead of rewriting the table.
      await db.query(`ALTER TABLE ${table} ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()`);
      await db.query(`CREATE INDEX IF NOT EXISTS ${table}_created_idx ON ${table} (created_at)`);
    }
    await db.query(`CREATE INDEX IF NOT EXISTS drift_alerts_last_seen_idx ON drift_alerts (last_seen_at)`);
    await db.query(`CREATE INDEX IF NOT EXISTS calibrated_lists_created_idx ON calibrated_lists (created_at)`);
    await db.query(`CREATE INDEX IF NOT EXISTS notifier_alerts_received_idx ON notifier_alerts (received_at)`);
    await db.query(`CREATE INDEX IF NOT EXISTS alert_deliveries_completed_idx ON alert_deliveries (completed_at) WHERE completed_at IS NOT NULL`);
    await db.query(`CREATE INDEX IF NOT EXISTS alert_deliveries_alert_seq_idx ON alert_deliveries (alert_seq) WHERE alert_seq IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const index of ['alert_deliveries_alert_seq_idx', 'alert_deliveries_completed_idx', 'notifier_alerts_received_idx', 'calibrated_lists_created_idx', 'drift_alerts_last_seen_idx']) {
      await db.query(`DROP INDEX IF EXISTS ${index}`);
    }
    for (const table of ['drift_population_series', 'drift_user_series']) {
      await db.query(`ALTER TABLE ${table} DROP COLUMN created_at`); // drops its index with it
    }
  }
}
