import { decodeUserModelState } from '@chorus/scoring';
import type { DataSource } from 'typeorm';

/** Reads the learner's per-user deviations b_u (the weights of user_models.state: feature → [mean, variance]). */
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
    const rows: { user_id: string; domain: string; state: Buffer }[] = await this.db.query(
      `SELECT m.user_id, m.domain, m.state FROM user_models m JOIN unnest($1::text[], $2::text[]) AS k(user_id, domain) USING (user_id, domain)`,
      [keys.map((k) => k.userId), keys.map((k) => k.domain)],
    );
    for (const row of rows) {
      const { weights, tau2 } = decodeUserModelState(row.state);
      out.set(`${row.user_id}\u0001${row.domain}`, { means: Object.values(weights).map(([mean]) => mean), ...(tau2 === undefined ? {} : { tau2 }) });
    }
    return out;
  }
}
