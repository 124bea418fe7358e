import type { RerankJobInputV1 } from '@chorus/contracts';
import type { EnqueuedRerankJob } from '@chorus/platform';
import type { DataSource } from 'typeorm';
import type { RerankRequestRecord, RerankRequestStore } from '../usecases/rerank-requests.port';

interface RawRequest {
  request_id: string;
  payload: RerankJobInputV1;
  jobs: EnqueuedRerankJob[];
}

const toRecord = (row: RawRequest): RerankRequestRecord => ({ requestId: row.request_id, payload: row.payload, jobs: row.jobs });

/** rerank_requests: the operator's rerank requests, owned by the gateway (see the migration for the columns). */
export class RerankRequestsRepository implements RerankRequestStore {
  constructor(private readonly db: DataSource) {}

  async record(request: RerankRequestRecord): Promise<void> {
    await this.db.query(`INSERT INTO rerank_requests (request_id, payload, jobs, state) VALUES ($1, $2, $3, 'pending')`, [
      request.requestId,
      JSON.stringify(request.payload),
      JSON.stringify(request.jobs),
    ]);
  }

  async markEnqueued(requestId: string, jobs: EnqueuedRerankJob[]): Promise<void> {
    await this.db.query(`UPDATE rerank_requests SET state = 'enqueued', jobs = $2, enqueued_at = now(), enqueue_error = NULL WHERE request_id = $1`, [
      requestId,
      JSON.stringify(jobs),
    ]);
  }

  async markEnqueueFailed(requestId: string, why: string): Promise<void> {
    await this.db.query(`UPDATE rerank_requests SET enqueue_error = $2 WHERE request_id = $1 AND state = 'pending'`, [requestId, why]);
  }

  async pending(inFlightGraceMs: number, limit: number, afterRequestId?: string): Promise<RerankRequestRecord[]> {
    const rows: RawRequest[] = await this.db.query(
      `SELECT request_id, payload, jobs FROM rerank_requests
        WHERE state = 'pending' AND ($2::uuid IS NULL OR request_id > $2::uuid)
          AND (enqueue_error IS NOT NULL OR requested_at < now() - make_interval(secs => $1::double precision / 1000))
        ORDER BY request_id LIMIT $3`,
      [inFlightGraceMs, afterRequestId ?? null, limit],
    );
    return rows.map(toRecord);
  }

  async recentlyEnqueued(horizonMs: number, limit: number, afterRequestId?: string): Promise<RerankRequestRecord[]> {
    const rows: RawRequest[] = await this.db.query(
      `SELECT request_id, payload, jobs FROM rerank_requests
        WHERE state = 'enqueued' AND enqueued_at > now() - make_interval(secs => $1::double precision / 1000)
          AND ($2::uuid IS NULL OR request_id > $2::uuid)
        ORDER BY request_id LIMIT $3`,
      [horizonMs, afterRequestId ?? null, limit],
    );
    return rows.map(toRecord);
  }
}
