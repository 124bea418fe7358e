import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drift watch (issue 3): its state of record, its alerts, the metric series and the versioned detector configuration.
 *
 * - `drift_user_state`, `drift_population_state`: per-user and per-(domain, partition) metric and detector state,
 *   committed in one transaction with drift-watch's consumed offsets (rows in `consumer_offsets` under its group id), so
 *   a restart resumes exactly where the last commit left off.
 * - `drift_category_index`: a stable index per domain category (0, 1, …), so stored category mixes keep their meaning.
 * - `drift_alerts`: one row per raised alert; repeats within the cooldown fold into it (`occurrences`, `last_seen_at`,
 *   `last_event_at`, `last_value`). `published_at IS NULL` and `rerank_requested AND rerank_enqueued_at IS NULL` are
 *   outboxes: the Kafka publication and the rerank job happen after the commit and are retried until done.
 * - `drift_user_series`, `drift_population_series`: one point per metric and time bucket (the last value of the bucket
 *   for a user; the bucket's value for a population shard).
 * - `drift_detector_configs`: every configuration change is a new version row; `change_id` increases globally so
 *   drift-watch notices any change by polling its maximum.
 */
export class DriftWatch1764493200000 implements MigrationInterface {
  name = 'DriftWatch1764493200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE drift_user_state (
        user_id      text NOT NULL,
        domain       text NOT NULL,
        state        jsonb NOT NULL,
        events_seen  integer NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, domain)
      )`);

    await db.query(`
      CREATE TABLE drift_population_state (
        domain      text NOT NULL,
        shard       integer NOT NULL,
        state       jsonb NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (domain, shard)
      )`);

    await db.query(`
      CREATE TABLE drift_category_index (
        domain    text NOT NULL,
        category  text NOT NULL,
        idx       integer NOT NULL,
        PRIMARY KEY (domain, category),
        UNIQUE (domain, idx)
      )`);

    await db.query(`
      CREATE TABLE drift_alerts (
        alert_id            uuid PRIMARY KEY,
        scope               text NOT NULL CHECK (scope IN ('user', 'segment', 'population')),
        subject             text NOT NULL,
        domain              text NOT NULL,
        metric              text NOT NULL,
        detector            text NOT NULL,
        direction           text NOT NULL CHECK (direction IN ('up', 'down')),
        value               double precision NOT NULL,
        baseline            double precision NOT NULL,
        severity            text NOT NULL CHECK (severity IN ('warning', 'critical')),
        window_start        timestamptz NOT NULL,
        window_end          timestamptz NOT NULL,
        config_version      integer NOT NULL,
        payload             jsonb NOT NULL,
        raised_at           timestamptz NOT NULL,
        occurrences         integer NOT NULL DEFAULT 1,
        last_seen_at        timestamptz NOT NULL,
        last_event_at       timestamptz NOT NULL,
        last_value          double precision NOT NULL,
        acknowledged_at     timestamptz,
        acknowledged_by     text,
        acknowledged_note   text,
        rerank_requested    boolean NOT NULL,
        rerank_job_ids      text[],
        rerank_enqueued_at  timestamptz,
        rerank_error        text,
        published_at        timestamptz,
        source              text NOT NULL
      )`);
    // Folding looks up the latest alert of a (scope, subject, domain, metric); listing filters and pages by raised_at.
    await db.query(`CREATE INDEX drift_alerts_key_idx ON drift_alerts (scope, subject, domain, metric, last_event_at DESC)`);
    await db.query(`CREATE INDEX drift_alerts_raised_idx ON drift_alerts (raised_at DESC, alert_id DESC)`);
    await db.query(`CREATE INDEX drift_alerts_unpublished_idx ON drift_alerts (raised_at) WHERE published_at IS NULL`);
    await db.query(`CREATE INDEX drift_alerts_rerank_outbox_idx ON drift_alerts (raised_at) WHERE rerank_requested AND rerank_enqueued_at IS NULL`);

    await db.query(`
      CREATE TABLE drift_user_series (
        user_id       text NOT NULL,
        domain        text NOT NULL,
        metric        text NOT NULL,
        bucket_start  timestamptz NOT NULL,
        value         double precision NOT NULL,
        PRIMARY KEY (user_id, domain, metric, bucket_start)
      )`);

    await db.query(`
      CREATE TABLE drift_population_series (
        domain        text NOT NULL,
        metric        text NOT NULL,
        shard         integer NOT NULL,
        bucket_start  timestamptz NOT NULL,
        value         double precision NOT NULL,
        users         integer NOT NULL,
        events        integer NOT NULL,
        PRIMARY KEY (domain, metric, shard, bucket_start)
      )`);

    await db.query(`
      CREATE TABLE drift_detector_configs (
        change_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        metric        text NOT NULL,
        domain        text NOT NULL,
        version       integer NOT NULL CHECK (version >= 1),
        config        jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        created_by    text,
        UNIQUE (metric, domain, version)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'drift_detector_configs',
      'drift_population_series',
      'drift_user_series',
      'drift_alerts',
      'drift_category_index',
      'drift_population_state',
      'drift_user_state',
    ]) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
