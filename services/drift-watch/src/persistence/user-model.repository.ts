import type { DataSource } from 'typeorm';

/** Reads the learner's per-user deviations b_u (user_models.state.weights: feature → [mean, variance]). */
export class UserModelRepository {
  constructor(private readonly db: DataSource) {}

  /** The posterior means of each user's deviation, keyed `userId\u0001domain`; users without a model are absent. */
  async deviations(keys: { userId: string; domain: string }[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (keys.length === 0) return out;
    const rows: { user_id: string; domain: string; means: number[] | null }[] = await this.db.query(
      `SELECT m.user_id, m.domain, (SELECT array_agg((w.value->>0)::float8) FROM jsonb_each(m.state->'weights') AS w) AS means
         FROM user_models m JOIN unnest($1::text[], $2::text[]) AS k(user_id, domain) USING (user_id, domain)`,
      [keys.map((k) => k.userId), keys.map((k) => k.domain)],
    );
    for (const row of rows) out.set(`${row.user_id}\u0001${row.domain}`, row.means ?? []);
    return out;
  }
}
