import type { DriftAlertQueryV1, DriftAlertV1 } from '@chorus/contracts';
import type { DataSource } from 'typeorm';

/** An alert as the admin API shows it: what was published, plus its folding, acknowledgement and rerank bookkeeping. */
export interface StoredDriftAlert extends DriftAlertV1 {
  occurrences: number;
  lastSeenAt: string;
  lastEventAt: string;
  lastValue: number;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedNote: string | null;
  publishedAt: string | null;
  rerank: { requested: boolean; jobIds: string[]; enqueuedAt: string | null; error: string | null };
}

interface RawAlert {
  alert_id: string;
  payload: DriftAlertV1;
  raised_at: Date;
  occurrences: number;
  last_seen_at: Date;
  last_event_at: Date;
  last_value: number;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  acknowledged_note: string | null;
  published_at: Date | null;
  rerank_requested: boolean;
  rerank_job_ids: string[] | null;
  rerank_enqueued_at: Date | null;
  rerank_error: string | null;
}

const COLUMNS = `alert_id, payload, raised_at, occurrences, last_seen_at, last_event_at, last_value, k.acknowledged_at, k.acknowledged_by,
  k.acknowledged_note, published_at, rerank_requested, rerank_job_ids, rerank_enqueued_at, rerank_error`;

/** drift-watch's alerts with the gateway's acknowledgements beside them (the join every read of this repository makes). */
const ALERTS = `drift_alerts LEFT JOIN drift_alert_acknowledgements k USING (alert_id)`;

/**
 * drift_alerts, which drift-watch writes and the gateway reads: listing with filters (newest first, keyset pages); and
 * drift_alert_acknowledgements, which the gateway owns: acknowledgement.
 */
export class DriftAlertsRepository {
  constructor(private readonly db: DataSource) {}

  /** One page; `after` is the (raisedAt, alertId) of the last alert of the previous page. */
  async list(query: Omit<DriftAlertQueryV1, 'cursor'>, after?: { raisedAt: string; alertId: string }): Promise<{ alerts: StoredDriftAlert[]; more: boolean }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.scope !== undefined) add('scope = ?', query.scope);
    if (query.metric !== undefined) add('metric = ?', query.metric);
    if (query.domain !== undefined) add('domain = ?', query.domain);
    if (query.subject !== undefined) add('subject = ?', query.subject);
    if (query.severity !== undefined) add('severity = ?', query.severity);
    if (query.acknowledged !== undefined) where.push(query.acknowledged ? 'k.alert_id IS NOT NULL' : 'k.alert_id IS NULL');
    if (query.from !== undefined) add('raised_at >= ?::timestamptz', query.from);
    if (query.to !== undefined) add('raised_at < ?::timestamptz', query.to);
    if (after) {
      params.push(after.raisedAt, after.alertId);
      where.push(`(raised_at, alert_id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(query.limit + 1);
    const rows: RawAlert[] = await this.db.query(
      `SELECT ${COLUMNS} FROM ${ALERTS} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY raised_at DESC, alert_id DESC LIMIT $${params.length}`,
      params,
    );
    return { alerts: rows.slice(0, query.limit).map(toAlert), more: rows.length > query.limit };
  }

  async find(alertId: string): Promise<StoredDriftAlert | undefined> {
    const rows: RawAlert[] = await this.db.query(`SELECT ${COLUMNS} FROM ${ALERTS} WHERE alert_id = $1`, [alertId]);
    return rows[0] ? toAlert(rows[0]) : undefined;
  }

  /** Acknowledges an open alert; an acknowledged one keeps its first acknowledgement. Undefined if there is no such alert. */
  async acknowledge(alertId: string, by: string, note: string | undefined): Promise<StoredDriftAlert | undefined> {
    await this.db.query(
      `INSERT INTO drift_alert_acknowledgements (alert_id, acknowledged_by, acknowledged_note)
       SELECT alert_id, $2, $3 FROM drift_alerts WHERE alert_id = $1
       ON CONFLICT (alert_id) DO NOTHING`,
      [alertId, by, note ?? null],
    );
    return this.find(alertId);
  }
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

function toAlert(row: RawAlert): StoredDriftAlert {
  return {
    ...row.payload,
    occurrences: row.occurrences,
    lastSeenAt: row.last_seen_at.toISOString(),
    lastEventAt: row.last_event_at.toISOString(),
    lastValue: row.last_value,
    acknowledgedAt: iso(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    acknowledgedNote: row.acknowledged_note,
    publishedAt: iso(row.published_at),
    rerank: { requested: row.rerank_requested, jobIds: row.rerank_job_ids ?? [], enqueuedAt: iso(row.rerank_enqueued_at), error: row.rerank_error },
  };
}
