import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The highest alert sequence number retention has deleted from notifier_alerts (one row). An SSE client resuming with
 * a Last-Event-ID below it may have missed alerts that are gone, and is told so with a `gap` event instead of getting
 * a replay that silently starts later. Sequence numbers have holes of their own (a duplicate alert consumes one), so
 * "the next stored seq is not cursor + 1" cannot tell a deletion apart: the mark has to be recorded.
 */
export class NotifierAlertRetention1764838800000 implements MigrationInterface {
  name = 'NotifierAlertRetention1764838800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE notifier_alert_retention (
        id               boolean PRIMARY KEY DEFAULT true CHECK (id),
        deleted_through  bigint NOT NULL,
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS notifier_alert_retention`);
  }
}
