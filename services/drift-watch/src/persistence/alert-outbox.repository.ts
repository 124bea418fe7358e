import type { DriftAlertV1 } from '@chorus/contracts';
import type { DataSource } from 'typeorm';

/**
 * The two outboxes of drift_alerts: alerts not yet published to Kafka, and harmful calibration/diversity alerts whose
 * rerank job is not yet enqueued. Rows are claimed with FOR UPDATE SKIP LOCKED, so instances draining at once do not
 * send the same alert twice; the work runs inside the claiming transaction and is marked done in it.
 */
export class AlertOutboxRepository {
  constructor(private readonly db: DataSource) {}

  /** Claims up to `limit` unpublished alerts, oldest first, and marks them published if `publish` succeeds. */
  async publishPending(limit: number, publish: (alerts: DriftAlertV1[]) => Promise<void>): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows: { alert_id: string; payload: DriftAlertV1 }[] = await tx.query(
        `SELECT alert_id, payload FROM drift_alerts WHERE published_at IS NULL ORDER BY raised_at, alert_id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      await publish(rows.map((r) => r.payload));
      await tx.query(`UPDATE drift_alerts SET published_at = now() WHERE alert_id = ANY($1::uuid[])`, [rows.map((r) => r.alert_id)]);
      return rows.length;
    });
  }

  /**
   * Claims up to `limit` alerts whose rerank is still to be requested and records, per alert, the job ids or the error
   * (an alert that failed stays in the outbox and is retried on the next drain).
   */
  async requestPendingReranks(limit: number, request: (alert: DriftAlertV1) => Promise<string[]>): Promise<{ requested: number; failed: number }> {
    return this.db.transaction(async (tx) => {
      const rows: { alert_id: string; payload: DriftAlertV1 }[] = await tx.query(
        `SELECT alert_id, payload FROM drift_alerts WHERE rerank_requested AND rerank_enqueued_at IS NULL
          ORDER BY raised_at, alert_id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      let failed = 0;
      for (const row of rows) {
        try {
          const jobIds = await request(row.payload);
          await tx.query(`UPDATE drift_alerts SET rerank_job_ids = $2, rerank_enqueued_at = now(), rerank_error = NULL WHERE alert_id = $1`, [row.alert_id, jobIds]);
        } catch (error) {
          failed++;
          await tx.query(`UPDATE drift_alerts SET rerank_error = $2 WHERE alert_id = $1`, [row.alert_id, (error as Error).message.slice(0, 1000)]);
        }
      }
      return { requested: rows.length - failed, failed };
    });
  }

  /**
   * Alerts whose rerank was enqueued less than `horizonMs` ago, with their job ids, `limit` at a time after
   * `afterAlertId`. Redis keeps a finished job's record RERANK_KEEP_COMPLETED_SECONDS, so within that horizon every
   * one of these jobs must be known to Redis, whatever its state.
   */
  async recentlyEnqueuedReranks(horizonMs: number, limit: number, afterAlertId?: string): Promise<{ alertId: string; jobIds: string[] }[]> {
    const rows: { alert_id: string; rerank_job_ids: string[] }[] = await this.db.query(
      `SELECT alert_id, rerank_job_ids FROM drift_alerts
        WHERE rerank_requested AND rerank_enqueued_at > now() - make_interval(secs => $1::double precision / 1000)
          AND cardinality(rerank_job_ids) > 0 AND ($2::uuid IS NULL OR alert_id > $2::uuid)
        ORDER BY alert_id LIMIT $3`,
      [horizonMs, afterAlertId ?? null, limit],
    );
    return rows.map((r) => ({ alertId: r.alert_id, jobIds: r.rerank_job_ids }));
  }

  /** Puts alerts back in the rerank outbox, noting why: the next drain requests their reranks again. */
  async requestRerankAgain(alertIds: string[], why: string): Promise<void> {
    await this.db.query(`UPDATE drift_alerts SET rerank_enqueued_at = NULL, rerank_error = $2 WHERE alert_id = ANY($1::uuid[]) AND rerank_requested`, [alertIds, why]);
  }
}
