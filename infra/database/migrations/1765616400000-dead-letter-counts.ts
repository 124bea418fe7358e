import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dead letters counted per consumer group and code (issue #17): the transport's outbox adds to these counts in the
 * transaction that inserts the letters (and commits their offsets), so every service on the transport is counted
 * exactly once, the learner, drift-watch and the notifier alike. The learner's own `dead_lettered:<code>` counters in
 * learner_counters, which only it kept, move here (and back on down) so that nothing is counted twice.
 */
export class DeadLetterCounts1765616400000 implements MigrationInterface {
  name = 'DeadLetterCounts1765616400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE dead_letter_counts (
        group_id text NOT NULL,
        code text NOT NULL,
        count bigint NOT NULL CHECK (count > 0),
        PRIMARY KEY (group_id, code)
      )`);
    await db.query(`
      INSERT INTO dead_letter_counts (group_id, code, count)
      SELECT group_id, substr(name, length('dead_lettered:') + 1), value FROM learner_counters
       WHERE starts_with(name, 'dead_lettered:') AND value > 0`);
    await db.query(`DELETE FROM learner_counters WHERE starts_with(name, 'dead_lettered:')`);
  }

  async down(db: QueryRunner): Promise<void> {
    // The learner groups' counts (a learner group keeps its `dead_lettered` total and more in learner_counters) go back
    // where the learner kept them; the other services' counts did not exist before and are dropped.
    await db.query(`
      INSERT INTO learner_counters (group_id, name, value)
      SELECT group_id, 'dead_lettered:' || code, count FROM dead_letter_counts
       WHERE group_id IN (SELECT group_id FROM learner_counters)
      ON CONFLICT (group_id, name) DO UPDATE SET value = learner_counters.value + EXCLUDED.value`);
    await db.query(`DROP TABLE dead_letter_counts`);
  }
}
