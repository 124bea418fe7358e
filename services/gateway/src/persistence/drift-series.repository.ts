import type { DriftSeriesQueryV1 } from '@chorus/contracts';
import type { DataSource } from 'typeorm';

export interface UserSeriesPoint {
  metric: string;
  bucketStart: string;
  value: number;
}

export interface PopulationSeriesPoint extends UserSeriesPoint {
  /** The Kafka partition whose users the estimate comes from. */
  shard: number;
  users: number;
  events: number;
}

/** The metric series drift-watch stores: one point per metric and time bucket. */
export class DriftSeriesRepository {
  constructor(private readonly db: DataSource) {}

  async user(userId: string, query: DriftSeriesQueryV1): Promise<UserSeriesPoint[]> {
    const rows: { metric: string; bucket_start: Date; value: number }[] = await this.db.query(
      `SELECT metric, bucket_start, value FROM drift_user_series
        WHERE user_id = $1 AND domain = $2 AND ($3::text IS NULL OR metric = $3)
          AND ($4::timestamptz IS NULL OR bucket_start >= $4) AND ($5::timestamptz IS NULL OR bucket_start < $5)
        ORDER BY metric, bucket_start LIMIT $6`,
      [userId, query.domain, query.metric ?? null, query.from ?? null, query.to ?? null, query.limit],
    );
    return rows.map((r) => ({ metric: r.metric, bucketStart: r.bucket_start.toISOString(), value: r.value }));
  }

  async population(query: DriftSeriesQueryV1): Promise<PopulationSeriesPoint[]> {
    const rows: { metric: string; shard: number; bucket_start: Date; value: number; users: number; events: number }[] = await this.db.query(
      `SELECT metric, shard, bucket_start, value, users, events FROM drift_population_series
        WHERE domain = $1 AND ($2::text IS NULL OR metric = $2)
          AND ($3::timestamptz IS NULL OR bucket_start >= $3) AND ($4::timestamptz IS NULL OR bucket_start < $4)
        ORDER BY metric, bucket_start, shard LIMIT $5`,
      [query.domain, query.metric ?? null, query.from ?? null, query.to ?? null, query.limit],
    );
    return rows.map((r) => ({ metric: r.metric, shard: r.shard, bucketStart: r.bucket_start.toISOString(), value: r.value, users: r.users, events: r.events }));
  }
}
