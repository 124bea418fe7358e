import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { DeadLetterCounts1765616400000 } from '../../../../infra/database/migrations/1765616400000-dead-letter-counts';

/** Migration DeadLetterCounts on real Postgres: the learner's per-code counters move to dead_letter_counts and back. */
const pg = useMigratedDatabase('dead_letter_counts');

const counters = () => pg.db.query(`SELECT group_id, name, value::int FROM learner_counters ORDER BY group_id, name`);

describe('migration DeadLetterCounts', () => {
  it("moves the learner's dead_lettered:<code> counters (no longer kept twice), keeps its other counters, and moves them back on down", async () => {
    const migration = new DeadLetterCounts1765616400000();
    const runner = pg.db.createQueryRunner();
    try {
      await migration.down(runner);
      // As the learner counted before: a total, the codes, and other counters.
      await pg.db.query(
        `INSERT INTO learner_counters (group_id, name, value) VALUES
          ('learner-a', 'applied', 50), ('learner-a', 'dead_lettered', 7), ('learner-a', 'dead_lettered:FEEDBACK.INVALID', 5),
          ('learner-a', 'dead_lettered:FEEDBACK.UNKNOWN_ITEM', 2), ('learner-b', 'dead_lettered', 100),
          ('learner-b', 'dead_lettered:FEEDBACK.INVALID', 100)`,
      );
      const before = await counters();

      await migration.up(runner);
      expect(await pg.db.query(`SELECT group_id, code, count::int FROM dead_letter_counts ORDER BY group_id, code`)).toEqual([
        { group_id: 'learner-a', code: 'FEEDBACK.INVALID', count: 5 },
        { group_id: 'learner-a', code: 'FEEDBACK.UNKNOWN_ITEM', count: 2 },
        { group_id: 'learner-b', code: 'FEEDBACK.INVALID', count: 100 },
      ]);
      expect(await counters()).toEqual([
        { group_id: 'learner-a', name: 'applied', value: 50 },
        { group_id: 'learner-a', name: 'dead_lettered', value: 7 },
        { group_id: 'learner-b', name: 'dead_lettered', value: 100 },
      ]);

      // Counted since by another service: not a learner group (it has no learner counters), so not made one on down.
      await pg.db.query(`INSERT INTO dead_letter_counts (group_id, code, count) VALUES ('drift-a', 'DRIFT.INVALID_EXPOSURE', 3)`);
      await migration.down(runner);
      expect(await counters()).toEqual(before);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
  });
});
