import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operator's rerank requests (`POST /v1/admin/rerank`), owned by the gateway. Redis runs without persistence, so a
 * request that lived only in the queue was lost for good when Redis restarted; each accepted request is now recorded
 * here before it is enqueued, and the gateway's reconciler enqueues again what Redis no longer knows.
 *
 * - `payload`: the validated rerank job input (`RerankJobInputV1`), what the request asked for.
 * - `jobs`: the BullMQ jobs of the request, `[{ jobId, name, userId?, modelVersion? }]`: planned (ids chosen, per-user
 *   ids deterministic) while `state` is `pending`, the ones the queue holds once `enqueued` (a fan-out equal to one
 *   already queued records the joined job's id).
 * - `enqueued_at`: when the jobs were last added to Redis (the first time, or again after Redis lost them); the
 *   reconciler checks the jobs of rows enqueued within the time Redis keeps finished jobs.
 * - `enqueue_error`: why the request path could not enqueue (Redis down): the row waits for the reconciler.
 *
 * `requested_at` is the write time retention goes by; `enqueued_at` serves the reconciler's scan of recent rows and the
 * partial index on `requested_at` its scan of pending ones.
 */
export class RerankRequests1765011600000 implements MigrationInterface {
  name = 'RerankRequests1765011600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE rerank_requests (
        request_id    uuid PRIMARY KEY,
        payload       jsonb NOT NULL,
        jobs          jsonb NOT NULL,
        state         text NOT NULL,
        requested_at  timestamptz NOT NULL DEFAULT now(),
        enqueued_at   timestamptz,
        enqueue_error text,
        CONSTRAINT rerank_requests_state CHECK (state IN ('pending', 'enqueued')),
        CONSTRAINT rerank_requests_enqueued_at CHECK ((state = 'enqueued') = (enqueued_at IS NOT NULL)),
        CONSTRAINT rerank_requests_jobs CHECK (jsonb_typeof(jobs) = 'array')
      )`);
    await db.query(`CREATE INDEX rerank_requests_requested_idx ON rerank_requests (requested_at)`);
    await db.query(`CREATE INDEX rerank_requests_pending_idx ON rerank_requests (request_id) WHERE state = 'pending'`);
    await db.query(`CREATE INDEX rerank_requests_enqueued_idx ON rerank_requests (enqueued_at) WHERE state = 'enqueued'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS rerank_requests`);
  }
}
