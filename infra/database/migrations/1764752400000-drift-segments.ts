import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drift segments: operator-defined cohorts whose per-user signals drift-watch averages and watches (scope `segment`).
 *
 * - `drift_segments`: one row per (domain, name). Every replacement of the membership takes a new `change_id` from a
 *   global sequence and bumps `version`; drift-watch polls `count(*)` and `sum(change_id)` (one cheap aggregate) and
 *   reloads when they move — a sum rather than a max, so a deletion, or a change committed after a later-numbered one,
 *   is noticed too. `members` is the member count, kept with the row so listing segments reads no member rows.
 * - `drift_segment_members`: the explicit member list (as rerank jobs' segments are). drift-watch loads the lists
 *   whole; (domain, user_id) is the lookup of which segments a user of a domain belongs to.
 * - `drift_segment_series`: one point per (segment, mean metric, bucket, partition shard), like
 *   drift_population_series; `created_at` (with its index) is the write time retention deletes by, as on the other
 *   series tables (migration Retention).
 */
export class DriftSegments1764752400000 implements MigrationInterface {
  name = 'DriftSegments1764752400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE SEQUENCE drift_segment_change_seq`);
    await db.query(`
      CREATE TABLE drift_segments (
        domain      text NOT NULL,
        name        text NOT NULL,
        change_id   bigint NOT NULL DEFAULT nextval('drift_segment_change_seq'),
        version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        members     integer NOT NULL CHECK (members >= 0),
        created_at  timestamptz NOT NULL DEFAULT now(),
        created_by  text,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        updated_by  text,
        PRIMARY KEY (domain, name)
      )`);
    await db.query(`
      CREATE TABLE drift_segment_members (
        domain   text NOT NULL,
        name     text NOT NULL,
        user_id  text NOT NULL,
        PRIMARY KEY (domain, name, user_id),
        FOREIGN KEY (domain, name) REFERENCES drift_segments (domain, name) ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX drift_segment_members_user_idx ON drift_segment_members (domain, user_id)`);
    await db.query(`
      CREATE TABLE drift_segment_series (
        domain        text NOT NULL,
        segment       text NOT NULL,
        metric        text NOT NULL,
        shard         integer NOT NULL,
        bucket_start  timestamptz NOT NULL,
        value         double precision NOT NULL,
        users         integer NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (domain, segment, metric, shard, bucket_start)
      )`);
    await db.query(`CREATE INDEX drift_segment_series_created_idx ON drift_segment_series (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS drift_segment_series`);
    await db.query(`DROP TABLE IF EXISTS drift_segment_members`);
    await db.query(`DROP TABLE IF EXISTS drift_segments`);
    await db.query(`DROP SEQUENCE IF EXISTS drift_segment_change_seq`);
  }
}
