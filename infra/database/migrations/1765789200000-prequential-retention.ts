import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Write times for the learner's evaluation tables, so its retention sweep can delete by them (issue #18 follow-up):
 * `learner_prequential_auc` (the console's AUC histograms) and `prequential_predictions` (LEARNER_PREQUENTIAL_LOG)
 * carry only event time, which a replay of old events (MovieLens) would put years back, deleting them on arrival.
 * Set by Postgres when a row is first written; a histogram row a later commit adds to keeps its first write time, so
 * it expires that long after the first event of its minute arrived. Existing rows count as written now (one full
 * period before they expire). Indexed: the sweep takes the oldest first.
 */
export class PrequentialRetention1765789200000 implements MigrationInterface {
  name = 'PrequentialRetention1765789200000';

  async up(db: QueryRunner): Promise<void> {
    for (const table of ['learner_prequential_auc', 'prequential_predictions']) {
      await db.query(`ALTER TABLE ${table} ADD COLUMN written_at timestamptz NOT NULL DEFAULT now()`);
      await db.query(`CREATE INDEX ${table}_written_idx ON ${table} (written_at)`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['learner_prequential_auc', 'prequential_predictions']) {
      await db.query(`ALTER TABLE ${table} DROP COLUMN IF EXISTS written_at`);
    }
  }
}
