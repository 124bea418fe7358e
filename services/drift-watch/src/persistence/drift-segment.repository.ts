import type { DataSource } from 'typeorm';
import type { SegmentDefinition } from '../engine/drift-segments';

/** Reads the operator-defined drift segments (drift_segments, drift_segment_members); the gateway's admin API writes them. */
export class DriftSegmentRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * A stamp that moves whenever any segment is created, replaced or deleted: the count and the sum of change ids (every
   * PUT takes a new, higher change id; a DELETE lowers the count). One aggregate over a small table, polled.
   */
  async stamp(): Promise<string> {
    const [row]: { n: string; s: string | null }[] = await this.db.query(`SELECT count(*) AS n, sum(change_id) AS s FROM drift_segments`);
    return `${row?.n ?? 0}:${row?.s ?? 0}`;
  }

  /** Every segment with its members. */
  async all(): Promise<SegmentDefinition[]> {
    const rows: { domain: string; name: string; change_id: string; user_ids: string[] }[] = await this.db.query(
      `SELECT s.domain, s.name, s.change_id, coalesce(array_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '{}') AS user_ids
         FROM drift_segments s LEFT JOIN drift_segment_members m USING (domain, name)
        GROUP BY s.domain, s.name, s.change_id`,
    );
    return rows.map((r) => ({ domain: r.domain, name: r.name, changeId: Number(r.change_id), userIds: r.user_ids }));
  }

  /** A segment's members now (user-id order), or undefined if it was deleted. */
  async members(domain: string, name: string): Promise<string[] | undefined> {
    const rows: { user_id: string | null }[] = await this.db.query(
      `SELECT m.user_id FROM drift_segments s LEFT JOIN drift_segment_members m USING (domain, name)
        WHERE s.domain = $1 AND s.name = $2 ORDER BY m.user_id`,
      [domain, name],
    );
    if (rows.length === 0) return undefined;
    return rows.flatMap((r) => (r.user_id === null ? [] : [r.user_id]));
  }
}
