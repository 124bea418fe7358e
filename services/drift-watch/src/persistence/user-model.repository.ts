import type { DataSource } from 'typeorm';

/** Reads the learner's per-user deviations b_u (user_models.state.weights: feature → [mean, variance]). */
/** A user's deviation as drift-watch reads it: posterior means, and the τ² they are expressed under when learned. */
export interface StoredDeviation {
  means: number[];
  tau2?: number;
}

export class UserModelRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The posterior means of each user's deviation (the first persona's, `weights`) and the τ² they were learned under
   * (absent on rows from before learned pooling), keyed `userId\u0001domain`; users without a model are absent.
   */
  async deviations(keys: { userId: string; domain: string }[]): Promise<Map<string, StoredDeviation>> {
    const out = new Map<string, StoredDeviation>();
    if (keys.length === 0) return out;
    const rows: { user_id: string; domain: string; means: number[] | null; tau2: number | null }[] = await this.db.query(
      `SELECT m.user_id, m.domain, (SELECT array_agg((w.value->>0)::float8) FROM jsonb_each(m.state->'weights') AS w) AS means,
              (m.state->>'tau2')::float8 AS tau2
         FROM user_models m JOIN unnest($1::text[], $2::text[]) AS k(user_id, domain) USING (user_id, domain)`,
      [keys.map((k) => k.userId), keys.map((k) => k.domain)],
    );
    for (const row of rows) out.set(`${row.user_id}\u0001${row.domain}`, { means: row.means ?? [], ...(row.tau2 === null ? {} : { tau2: row.tau2 }) });
    return out;
  }
}
