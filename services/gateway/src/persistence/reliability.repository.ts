import type { UserReliabilityJSON } from '@chorus/reliability';
import { decodeUserModelState } from '@chorus/scoring';
import type { DataSource } from 'typeorm';

/** The learner's label-reliability state as the gateway reads it (issue #15): a user's, and the pairs' counts. */
export class ReliabilityRepository {
  constructor(private readonly db: DataSource) {}

  /** The user's reliability state (the reliability section of their row), or undefined without a pairwise judgment. */
  async userState(userId: string, domain: string): Promise<UserReliabilityJSON | undefined> {
    const [row]: { state: Buffer }[] = await this.db.query(`SELECT state FROM user_models WHERE user_id = $1 AND domain = $2`, [userId, domain]);
    return row ? decodeUserModelState(row.state).reliability : undefined;
  }

  /**
   * The user's per-condition split (the conditions section's `split`: judgments split under a framing, Σ the share the
   * condition-free model kept), or undefined when none was split.
   */
  async conditionSplit(userId: string, domain: string): Promise<readonly [number, number] | undefined> {
    const [row]: { state: Buffer }[] = await this.db.query(`SELECT state FROM user_models WHERE user_id = $1 AND domain = $2`, [userId, domain]);
    return row ? decodeUserModelState(row.state).conditions?.split : undefined;
  }

  /** Each pair's judgment counts summed over every partition of the domain (pairs nobody judged are absent). */
  async pairTotals(domain: string, pairs: readonly (readonly [string, string])[]): Promise<{ itemA: string; itemB: string; n: number; a: number }[]> {
    if (pairs.length === 0) return [];
    const rows: { item_a: string; item_b: string; n: string; a: number }[] = await this.db.query(
      `SELECT c.item_a, c.item_b, sum(c.n)::bigint AS n, sum(c.a)::float8 AS a
         FROM reliability_pair_counts c JOIN unnest($2::text[], $3::text[]) AS k(item_a, item_b) USING (item_a, item_b)
        WHERE c.domain = $1 GROUP BY c.item_a, c.item_b`,
      [domain, pairs.map(([a]) => a), pairs.map(([, b]) => b)],
    );
    return rows.map((r) => ({ itemA: r.item_a, itemB: r.item_b, n: Number(r.n), a: r.a }));
  }
}
