import type { DriftSegmentSeriesQueryV1 } from '@chorus/contracts';
import { returnedRows } from '@chorus/platform';
import type { DataSource } from 'typeorm';

export interface DriftSegmentSummary {
  domain: string;
  name: string;
  /** Increases with every replacement of the membership (drift-watch restarts the segment's detectors then). */
  version: number;
  changeId: number;
  members: number;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  updatedBy: string | null;
}

export interface DriftSegmentSeriesPoint {
  metric: string;
  bucketStart: string;
  value: number;
  /** The Kafka partition whose members the mean is over, and how many of them contributed. */
  shard: number;
  users: number;
}

interface RawSegment {
  domain: string;
  name: string;
  version: number;
  change_id: string;
  members: number;
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
  updated_by: string | null;
}

const COLUMNS = `domain, name, version, change_id, members, created_at, created_by, updated_at, updated_by`;

/** drift_segments and their members: written here, polled by drift-watch. */
export class DriftSegmentsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Creates the segment or replaces its membership, in one transaction (drift-watch never loads half a list). Each
   * replacement takes a new change id from the sequence — what drift-watch's poll notices — and the next version.
   */
  async replace(domain: string, name: string, userIds: readonly string[], by: string): Promise<DriftSegmentSummary> {
    return this.db.transaction(async (tx) => {
      const [row]: RawSegment[] = await tx.query(
        `INSERT INTO drift_segments (domain, name, members, created_by, updated_by) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (domain, name) DO UPDATE SET change_id = nextval('drift_segment_change_seq'), version = drift_segments.version + 1,
                members = EXCLUDED.members, updated_at = now(), updated_by = EXCLUDED.updated_by
         RETURNING ${COLUMNS}`,
        [domain, name, userIds.length, by],
      );
      await tx.query(`DELETE FROM drift_segment_members WHERE domain = $1 AND name = $2`, [domain, name]);
      await tx.query(`INSERT INTO drift_segment_members (domain, name, user_id) SELECT $1, $2, u FROM unnest($3::text[]) AS u`, [domain, name, userIds]);
      return toSummary(row!);
    });
  }

  async list(domain: string | undefined): Promise<DriftSegmentSummary[]> {
    const rows: RawSegment[] = await this.db.query(`SELECT ${COLUMNS} FROM drift_segments WHERE $1::text IS NULL OR domain = $1 ORDER BY domain, name`, [domain ?? null]);
    return rows.map(toSummary);
  }

  async find(domain: string, name: string): Promise<DriftSegmentSummary | undefined> {
    const [row]: RawSegment[] = await this.db.query(`SELECT ${COLUMNS} FROM drift_segments WHERE domain = $1 AND name = $2`, [domain, name]);
    return row && toSummary(row);
  }

  /** Up to `limit` member ids after `after`, in id order. */
  async members(domain: string, name: string, limit: number, after: string | undefined): Promise<string[]> {
    const rows: { user_id: string }[] = await this.db.query(
      `SELECT user_id FROM drift_segment_members WHERE domain = $1 AND name = $2 AND ($3::text IS NULL OR user_id > $3) ORDER BY user_id LIMIT $4`,
      [domain, name, after ?? null, limit],
    );
    return rows.map((r) => r.user_id);
  }

  /** Deletes the segment and its members; false if there was none. Its stored series stay (history of what was seen). */
  async delete(domain: string, name: string): Promise<boolean> {
    const deleted = returnedRows(await this.db.query(`DELETE FROM drift_segments WHERE domain = $1 AND name = $2 RETURNING name`, [domain, name]));
    return deleted.length > 0;
  }

  async series(domain: string, name: string, query: DriftSegmentSeriesQueryV1): Promise<DriftSegmentSeriesPoint[]> {
    const rows: { metric: string; shard: number; bucket_start: Date; value: number; users: number }[] = await this.db.query(
      `SELECT metric, shard, bucket_start, value, users FROM drift_segment_series
        WHERE domain = $1 AND segment = $2 AND ($3::text IS NULL OR metric = $3)
          AND ($4::timestamptz IS NULL OR bucket_start >= $4) AND ($5::timestamptz IS NULL OR bucket_start < $5)
        ORDER BY metric, bucket_start, shard LIMIT $6`,
      [domain, name, query.metric ?? null, query.from ?? null, query.to ?? null, query.limit],
    );
    return rows.map((r) => ({ metric: r.metric, shard: r.shard, bucketStart: r.bucket_start.toISOString(), value: r.value, users: r.users }));
  }
}

function toSummary(row: RawSegment): DriftSegmentSummary {
  return {
    domain: row.domain,
    name: row.name,
    version: row.version,
    changeId: Number(row.change_id),
    members: row.members,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    updatedAt: row.updated_at.toISOString(),
    updatedBy: row.updated_by,
  };
}
