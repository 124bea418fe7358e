import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The learner's per-user retry-dedupe window moves out of `user_models.state` (jsonb) into `recent_event_keys`: the
 * keys packed as little-endian float64s. The window is written with every user row at every commit and read only by
 * the learner, and as 64 numbers in JSON it was two thirds of each row's bytes and most of Postgres' parsing work.
 * Rows written before keep their window in `state.recentEventIds` (NULL here), which the learner still reads.
 */
export class UserDedupeWindow1764579600000 implements MigrationInterface {
  name = 'UserDedupeWindow1764579600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE user_models ADD COLUMN recent_event_keys bytea`);
  }

  async down(db: QueryRunner): Promise<void> {
    // Back into the JSON state, key by key (little-endian int64s).
    await db.query(`
      UPDATE user_models SET state = state || jsonb_build_object('recentEventIds', (
        SELECT coalesce(jsonb_agg(k ORDER BY i), '[]'::jsonb) FROM (
          SELECT i, (SELECT sum(get_byte(recent_event_keys, i * 8 + j)::bigint << (8 * j)) FROM generate_series(0, 7) AS j)::bigint AS k
            FROM generate_series(0, length(recent_event_keys) / 8 - 1) AS i) AS keys))
       WHERE recent_event_keys IS NOT NULL`);
    await db.query(`ALTER TABLE user_models DROP COLUMN recent_event_keys`);
  }
}
