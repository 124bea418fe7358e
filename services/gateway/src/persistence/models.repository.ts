import type { DiagonalGaussianLogisticJSON } from '@chorus/reward';
import type { DataSource } from 'typeorm';

/** Read access to what the learner commits. */
export class ModelsRepository {
  constructor(private readonly db: DataSource) {}

  async aggregateShards(domain: string): Promise<{ shard: number; state: DiagonalGaussianLogisticJSON; eventsSeen: number }[]> {
    const rows: { shard: number; state: DiagonalGaussianLogisticJSON; events_seen: string }[] = await this.db.query(
      `SELECT shard, state, events_seen FROM aggregate_shards WHERE domain = $1 ORDER BY shard`,
      [domain],
    );
    return rows.map((r) => ({ shard: r.shard, state: r.state, eventsSeen: Number(r.events_seen) }));
  }

  async user(userId: string, domain: string): Promise<{ weights: DiagonalGaussianLogisticJSON; eventsSeen: number; updatedAt: string } | undefined> {
    const rows: { state: { weights: DiagonalGaussianLogisticJSON }; events_seen: number; updated_at: Date }[] = await this.db.query(
      `SELECT state, events_seen, updated_at FROM user_models WHERE user_id = $1 AND domain = $2`,
      [userId, domain],
    );
    const row = rows[0];
    return row ? { weights: row.state.weights, eventsSeen: row.events_seen, updatedAt: row.updated_at.toISOString() } : undefined;
  }

  async interactedItems(userId: string, domain: string): Promise<Set<string>> {
    const rows: { item_id: string }[] = await this.db.query(`SELECT item_id FROM user_items WHERE user_id = $1 AND domain = $2`, [userId, domain]);
    return new Set(rows.map((r) => r.item_id));
  }

  async counters(): Promise<Record<string, number>> {
    const rows: { name: string; value: string }[] = await this.db.query(`SELECT name, sum(value)::bigint AS value FROM learner_counters GROUP BY name`);
    return Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]));
  }
}
