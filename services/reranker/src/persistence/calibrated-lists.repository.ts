import type { RerankReasonV1 } from '@chorus/contracts';
import type { DataSource } from 'typeorm';

export interface CalibratedListItem {
  itemId: string;
  /** Personalized logit r_u(i) at rerank time (what the gateway reports as the score). */
  score: number;
  /** σ(logit) ∈ [0, 1]: the relevance the greedy traded against calibration. */
  relevance: number;
}

export interface NewCalibratedList {
  jobId: string;
  userId: string;
  domain: string;
  items: CalibratedListItem[];
  klBefore: number;
  klAfter: number;
  relevanceRetained: number | null;
  minorityShare: { categories: string[]; profileShare: number; listShare: number; listShareBefore: number };
  lambda: number;
  n: number;
  candidates: number;
  listSource: 'greedy' | 'accuracy-list';
  modelVersion: string;
  reason: RerankReasonV1;
}

export interface CalibratedListRecord extends NewCalibratedList {
  listId: string;
  createdAt: Date;
  publishedAt: Date | null;
}

const COLUMNS = `list_id, job_id, user_id, domain, items, kl_before, kl_after, relevance_retained, minority_share, lambda, n, candidates,
  list_source, model_version, reason, created_at, published_at`;

/**
 * The reranker's store of record. One row per job id (unique): whatever happens to a job — retried, or run again by
 * a new worker after a crash — it has at most one stored list.
 */
export class CalibratedListsRepository {
  constructor(private readonly db: DataSource) {}

  async findByJob(jobId: string): Promise<CalibratedListRecord | undefined> {
    const rows: RawList[] = await this.db.query(`SELECT ${COLUMNS} FROM calibrated_lists WHERE job_id = $1`, [jobId]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Insert the job's list; if the job already stored one (a concurrent duplicate run), return that one instead. */
  async insertOnce(list: NewCalibratedList): Promise<{ record: CalibratedListRecord; inserted: boolean }> {
    const rows: RawList[] = await this.db.query(
      `INSERT INTO calibrated_lists (job_id, user_id, domain, items, kl_before, kl_after, relevance_retained, minority_share, lambda, n, candidates, list_source, model_version, reason)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14::jsonb)
       ON CONFLICT (job_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        list.jobId,
        list.userId,
        list.domain,
        JSON.stringify(list.items),
        list.klBefore,
        list.klAfter,
        list.relevanceRetained,
        JSON.stringify(list.minorityShare),
        list.lambda,
        list.n,
        list.candidates,
        list.listSource,
        list.modelVersion,
        JSON.stringify(list.reason),
      ],
    );
    if (rows[0]) return { record: toRecord(rows[0]), inserted: true };
    return { record: (await this.findByJob(list.jobId))!, inserted: false };
  }

  /** The lists stored under any of `jobIds`, by job id, in one query. */
  async findByJobs(jobIds: readonly string[]): Promise<Map<string, CalibratedListRecord>> {
    if (jobIds.length === 0) return new Map();
    const rows: RawList[] = await this.db.query(`SELECT ${COLUMNS} FROM calibrated_lists WHERE job_id = ANY($1::text[])`, [jobIds]);
    return new Map(rows.map((row) => [row.job_id, toRecord(row)]));
  }

  /**
   * Insert several jobs' lists in one statement; a job that already stored one (a concurrent duplicate run) keeps it.
   * Returns every given job's stored record — the new ones and those found — and which were inserted.
   */
  async insertMany(lists: readonly NewCalibratedList[]): Promise<{ records: CalibratedListRecord[]; inserted: number }> {
    if (lists.length === 0) return { records: [], inserted: 0 };
    const rows: Pick<RawList, 'list_id' | 'job_id' | 'created_at'>[] = await this.db.query(
      `INSERT INTO calibrated_lists (job_id, user_id, domain, items, kl_before, kl_after, relevance_retained, minority_share, lambda, n, candidates, list_source, model_version, reason)
       SELECT job_id, user_id, domain, items, kl_before, kl_after, relevance_retained, minority_share, lambda, n, candidates, list_source, model_version, reason
       FROM jsonb_to_recordset($1::jsonb) AS list(job_id text, user_id text, domain text, items jsonb, kl_before double precision, kl_after double precision,
         relevance_retained double precision, minority_share jsonb, lambda double precision, n integer, candidates integer, list_source text, model_version text, reason jsonb)
       ON CONFLICT (job_id) DO NOTHING
       RETURNING list_id, job_id, created_at`,
      [
        JSON.stringify(
          lists.map((list) => ({
            job_id: list.jobId,
            user_id: list.userId,
            domain: list.domain,
            items: list.items,
            kl_before: list.klBefore,
            kl_after: list.klAfter,
            relevance_retained: list.relevanceRetained,
            minority_share: list.minorityShare,
            lambda: list.lambda,
            n: list.n,
            candidates: list.candidates,
            list_source: list.listSource,
            model_version: list.modelVersion,
            reason: list.reason,
          })),
        ),
      ],
    );
    // Only the columns Postgres made are read back: the rest is what was sent (parsing every list's items again cost
    // the batch more than the insert did).
    const byJob = new Map(lists.map((list) => [list.jobId, list]));
    const records: CalibratedListRecord[] = rows.map((row) => ({ ...byJob.get(row.job_id)!, listId: row.list_id, createdAt: row.created_at, publishedAt: null }));
    const inserted = new Set(records.map((record) => record.jobId));
    const missing = lists.filter((list) => !inserted.has(list.jobId)).map((list) => list.jobId);
    if (missing.length > 0) records.push(...(await this.findByJobs(missing)).values());
    return { records, inserted: rows.length };
  }

  async markPublishedMany(listIds: readonly string[]): Promise<void> {
    if (listIds.length === 0) return;
    await this.db.query(`UPDATE calibrated_lists SET published_at = now() WHERE list_id = ANY($1::uuid[]) AND published_at IS NULL`, [listIds]);
  }

  async markPublished(listId: string): Promise<void> {
    await this.db.query(`UPDATE calibrated_lists SET published_at = now() WHERE list_id = $1 AND published_at IS NULL`, [listId]);
  }
}

interface RawList {
  list_id: string;
  job_id: string;
  user_id: string;
  domain: string;
  items: CalibratedListItem[];
  kl_before: number;
  kl_after: number;
  relevance_retained: number | null;
  minority_share: NewCalibratedList['minorityShare'];
  lambda: number;
  n: number;
  candidates: number;
  list_source: 'greedy' | 'accuracy-list';
  model_version: string;
  reason: RerankReasonV1;
  created_at: Date;
  published_at: Date | null;
}

function toRecord(row: RawList): CalibratedListRecord {
  return {
    listId: row.list_id,
    jobId: row.job_id,
    userId: row.user_id,
    domain: row.domain,
    items: row.items,
    klBefore: row.kl_before,
    klAfter: row.kl_after,
    relevanceRetained: row.relevance_retained,
    minorityShare: row.minority_share,
    lambda: row.lambda,
    n: row.n,
    candidates: row.candidates,
    listSource: row.list_source,
    modelVersion: row.model_version,
    reason: row.reason,
    createdAt: row.created_at,
    publishedAt: row.published_at,
  };
}
