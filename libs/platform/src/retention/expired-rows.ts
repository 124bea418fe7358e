import type { DataSource } from 'typeorm';

/**
 * Which rows of one table retention may delete. Table and column names are constants of the service that owns the
 * table, never input: they are spliced into SQL.
 */
export interface ExpiredRowsSpec {
  table: string;
  /**
   * The write-time column: set by Postgres' now() when the row is written, never copied from event time, so a replay
   * of old events is not deleted on arrival. It must be indexed: batches are taken oldest first through it.
   */
  writtenAt: string;
  /** A further SQL condition (over the table aliased `t`) an expired row must meet: what keeps rows still needed. */
  deletable?: string;
}

/**
 * The DELETE of one batch, for a `WITH deleted AS (…)` clause: at most `$2` rows of `spec.table` written more than `$1`
 * days ago, oldest first, returning `returning`. Rows another transaction holds locked are skipped, not waited for, so
 * sweepers of several instances take disjoint batches and never stall the service's own writes. `ctid = ANY(ARRAY(…))`
 * rather than `ctid IN (…)`: the array form is planned as a TID scan of exactly the chosen rows. A caller that must
 * record something about the deleted rows in the same statement (the notifier's retention mark) builds on this.
 */
export function expiredRowsDeletion(spec: ExpiredRowsSpec, returning = '1'): string {
  return `DELETE FROM ${spec.table} WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM ${spec.table} t
          WHERE t.${spec.writtenAt} < now() - make_interval(days => $1)${spec.deletable ? ` AND (${spec.deletable})` : ''}
          ORDER BY t.${spec.writtenAt}
          LIMIT $2
          FOR UPDATE SKIP LOCKED))
       RETURNING ${returning}`;
}

/**
 * Deletes at most `limit` rows of `spec.table` written more than `days` days ago (see {@link expiredRowsDeletion}), in one
 * statement (its own short transaction); returns how many.
 */
export async function deleteExpiredRows(db: DataSource, spec: ExpiredRowsSpec, days: number, limit: number): Promise<number> {
  const rows: { deleted: number }[] = await db.query(`WITH deleted AS (${expiredRowsDeletion(spec)}) SELECT count(*)::int AS deleted FROM deleted`, [days, limit]);
  return rows[0]!.deleted;
}
