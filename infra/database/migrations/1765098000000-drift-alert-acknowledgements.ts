import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Acknowledgements of drift alerts move out of `drift_alerts` into a table of their own, owned by the gateway (issue #11
 * part 5: each table has one owner). `drift_alerts` is drift-watch's: it inserts, folds, publishes and deletes alerts.
 * Acknowledging is the operator's act through the gateway's admin API, which used to UPDATE three columns of
 * drift-watch's rows; it now inserts one row here. drift-watch reads this table (an acknowledged alert is no longer
 * folded into), the gateway reads `drift_alerts` (the admin API's listing); neither writes the other's table.
 *
 * The foreign key cascades: when drift-watch's retention deletes an alert, its acknowledgement goes with it, so the
 * gateway never holds an acknowledgement of nothing. Existing acknowledgements are copied before the columns go.
 */
export class DriftAlertAcknowledgements1765098000000 implements MigrationInterface {
  name = 'DriftAlertAcknowledgements1765098000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE drift_alert_acknowledgements (
        alert_id           uuid PRIMARY KEY REFERENCES drift_alerts (alert_id) ON DELETE CASCADE,
        acknowledged_at    timestamptz NOT NULL DEFAULT now(),
        acknowledged_by    text,
        acknowledged_note  text
      )`);
    await db.query(`
      INSERT INTO drift_alert_acknowledgements (alert_id, acknowledged_at, acknowledged_by, acknowledged_note)
      SELECT alert_id, acknowledged_at, acknowledged_by, acknowledged_note FROM drift_alerts WHERE acknowledged_at IS NOT NULL`);
    await db.query(`ALTER TABLE drift_alerts DROP COLUMN acknowledged_at, DROP COLUMN acknowledged_by, DROP COLUMN acknowledged_note`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE drift_alerts ADD COLUMN acknowledged_at timestamptz, ADD COLUMN acknowledged_by text, ADD COLUMN acknowledged_note text`);
    await db.query(`
      UPDATE drift_alerts a SET acknowledged_at = k.acknowledged_at, acknowledged_by = k.acknowledged_by, acknowledged_note = k.acknowledged_note
        FROM drift_alert_acknowledgements k WHERE k.alert_id = a.alert_id`);
    await db.query(`DROP TABLE IF EXISTS drift_alert_acknowledgements`);
  }
}
