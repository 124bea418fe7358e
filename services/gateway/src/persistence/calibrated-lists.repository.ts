import type { DataSource } from 'typeorm';

export interface StoredCalibratedList {
  listId: string;
  jobId: string;
  /** In rank order; `score` is the personalized logit at rerank time. */
  items: { itemId: string; score: number }[];
  klBefore: number;
  klAfter: number;
  relevanceRetained: number | null;
  lambda: number;
  n: number;
  candidates: number;
  /** `greedy`, or `accuracy` when the greedy scored below the accuracy list. */
  listSource: string;
  /** The user's minority-interest categories and their share of the profile, of the accuracy list and of this list. */
  minorityShare: { categories: string[]; profileShare: number; listShareBefore: number; listShare: number };
  modelVersion: string;
  createdAt: Date;
}

/** Read side of the calibrated lists the reranker writes. */
export class CalibratedListsRepository {
  constructor(private readonly db: DataSource) {}

  async latest(userId: string, domain: string): Promise<StoredCalibratedList | undefined> {
    const rows: {
      list_id: string;
      job_id: string;
      items: { itemId: string; score: number }[];
      kl_before: number;
      kl_after: number;
      relevance_retained: number | null;
      lambda: number;
      n: number;
      candidates: number;
      list_source: string;
      minority_share: StoredCalibratedList['minorityShare'];
      model_version: string;
      created_at: Date;
    }[] = await this.db.query(
      `SELECT list_id, job_id, items, kl_before, kl_after, relevance_retained, lambda, n, candidates, list_source, minority_share, model_version, created_at
         FROM calibrated_lists WHERE user_id = $1 AND domain = $2 ORDER BY created_at DESC LIMIT 1`,
      [userId, domain],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      listId: row.list_id,
      jobId: row.job_id,
      items: row.items,
      klBefore: row.kl_before,
      klAfter: row.kl_after,
      relevanceRetained: row.relevance_retained,
      lambda: row.lambda,
      n: row.n,
      candidates: row.candidates,
      listSource: row.list_source,
      minorityShare: row.minority_share,
      modelVersion: row.model_version,
      createdAt: row.created_at,
    };
  }
}
