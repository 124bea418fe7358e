import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Calibrated lists written by the reranker (DESIGN §6) and served by the gateway while fresh. One row per rerank job:
 * `job_id` is unique, so a job that runs again (a retry, a worker killed after the insert) finds its row instead of
 * writing a second one. `published_at` is set once the completion event reached Kafka (a rerun publishes only if unset).
 */
export class CalibratedLists1764320000000 implements MigrationInterface {
  name = 'CalibratedLists1764320000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE calibrated_lists (
        list_id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        job_id              text NOT NULL UNIQUE,
        user_id             text NOT NULL,
        domain              text NOT NULL,
        items               jsonb NOT NULL,
        kl_before           double precision NOT NULL,
        kl_after            double precision NOT NULL,
        relevance_retained  double precision,
        minority_share      jsonb NOT NULL,
        lambda              double precision NOT NULL,
        n                   integer NOT NULL,
        candidates          integer NOT NULL,
        list_source         text NOT NULL,
        model_version       text NOT NULL,
        reason              jsonb NOT NULL,
        created_at          timestamptz NOT NULL DEFAULT now(),
        published_at        timestamptz
      )`);
    // Serving reads the newest list of one user in one domain.
    await db.query(`CREATE INDEX calibrated_lists_latest_idx ON calibrated_lists (user_id, domain, created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS calibrated_lists`);
  }
}
