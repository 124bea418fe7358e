import type { AlertFiltersV1, DeadLetterV1, DriftAlertV1 } from '@chorus/contracts';
import type { DeadLetterOutbox } from '@chorus/platform';
import type { DataSource } from 'typeorm';

/** The NOTIFY channel on which the consumer announces newly stored alerts (payload: the highest new seq). */
export const ALERTS_CHANNEL = 'chorus_notifier_alerts';

/**
 * Serialises alert inserts (any constant works; this one is "notifier_alerts" in no particular encoding). Held for
 * the transaction only, it makes identity order equal commit order: no reader can ever see seq N+1 committed while
 * seq N is still in flight, so "everything after my Last-Event-ID" never skips a late commit.
 */
const INSERT_LOCK = 734_561_200_117;

export interface IncomingAlert {
  alert: DriftAlertV1;
  /** The alert exactly as it will be delivered (webhook body, SSE data). */
  body: string;
  partition: number;
  offset: string;
}

export interface StoredAlert {
  seq: string;
  alertId: string;
  scope: DriftAlertV1['scope'];
  subject: string;
  metric: DriftAlertV1['metric'];
  severity: DriftAlertV1['severity'];
  domain: string;
  body: string;
}

export interface CreatedDelivery {
  id: string;
  jobId: string;
  subscriptionId: string;
  alertId: string;
}

export interface StoreOutcome {
  stored: StoredAlert[];
  duplicates: number;
  deliveries: CreatedDelivery[];
}

/** The matching rule of `alertMatchesFilters` (contracts), in SQL over `a` (alert) and `s` (subscription). */
const MATCHES = `
  (cardinality(s.scopes) = 0 OR a.scope = ANY (s.scopes))
  AND (cardinality(s.metrics) = 0 OR a.metric = ANY (s.metrics))
  AND (cardinality(s.severities) = 0 OR a.severity = ANY (s.severities))
  AND (cardinality(s.domains) = 0 OR a.domain = ANY (s.domains))
  AND (cardinality(s.subjects) = 0 OR a.subject = ANY (s.subjects))`;

const ALERT_COLUMNS = `seq::text AS seq, alert_id, scope, subject, metric, severity, domain, body`;

export class AlertsRepository {
  constructor(
    private readonly db: DataSource,
    /** The consumer's dead letters, committed with the alerts of the same messages (the offsets-of-record transport relays them). */
    private readonly deadLetters?: DeadLetterOutbox,
  ) {}

  /**
   * In ONE transaction: store the alerts not seen before (a replayed alert id is a no-op), create one delivery per
   * (new alert, matching active subscription of an unrevoked key), and NOTIFY stream followers. Deliveries are created
   * only together with their alert's first insert, so a consumer replay can never deliver an alert twice, and a
   * subscription receives the alerts stored after it existed. The dead letters of the same messages go to the outbox
   * in that transaction: stored once with them, or not at all.
   */
  async storeAndMatch(alerts: IncomingAlert[], maxAttempts: number, deadLetters: readonly DeadLetterV1[] = []): Promise<StoreOutcome> {
    if (alerts.length === 0 && deadLetters.length === 0) return { stored: [], duplicates: 0, deliveries: [] };
    return this.db.transaction(async (tx) => {
      if (deadLetters.length > 0) {
        if (!this.deadLetters) throw new Error('AlertsRepository was built without a dead-letter outbox; the consumer role passes one');
        await this.deadLetters.insert(tx, deadLetters);
      }
      if (alerts.length === 0) return { stored: [], duplicates: 0, deliveries: [] };
      await tx.query(`SELECT pg_advisory_xact_lock($1)`, [INSERT_LOCK]);
      const rows: RawAlert[] = await tx.query(
        `INSERT INTO notifier_alerts (alert_id, scope, subject, metric, severity, domain, raised_at, body, source_partition, source_offset)
         SELECT alert_id, scope, subject, metric, severity, domain, raised_at, body, source_partition, source_offset
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::int[], $10::bigint[])
                WITH ORDINALITY AS t(alert_id, scope, subject, metric, severity, domain, raised_at, body, source_partition, source_offset, ord)
          ORDER BY ord
         ON CONFLICT (alert_id) DO NOTHING
         RETURNING ${ALERT_COLUMNS}`,
        [
          alerts.map((a) => a.alert.alertId),
          alerts.map((a) => a.alert.scope),
          alerts.map((a) => a.alert.subject),
          alerts.map((a) => a.alert.metric),
          alerts.map((a) => a.alert.severity),
          alerts.map((a) => a.alert.domain),
          alerts.map((a) => a.alert.raisedAt),
          alerts.map((a) => a.body),
          alerts.map((a) => a.partition),
          alerts.map((a) => a.offset),
        ],
      );
      const stored = rows.map(toStored).sort((x, y) => Number(x.seq) - Number(y.seq));
      if (stored.length === 0) return { stored, duplicates: alerts.length, deliveries: [] };
      const deliveries: RawDelivery[] = await tx.query(
        `INSERT INTO alert_deliveries (id, subscription_id, kind, alert_seq, alert_id, job_id, max_attempts)
         SELECT gen_random_uuid(), s.id, 'drift-alert', a.seq, a.alert_id, 'alert.' || s.id || '.' || a.alert_id, $2
           FROM notifier_alerts a
           JOIN alert_subscriptions s ON s.active AND ${MATCHES}
           JOIN api_keys k ON k.id = s.owner_key_id AND k.revoked_at IS NULL
          WHERE a.seq = ANY ($1::bigint[])
          ORDER BY a.seq, s.id
         ON CONFLICT DO NOTHING
         RETURNING id, job_id, subscription_id, alert_id`,
        [stored.map((s) => s.seq), maxAttempts],
      );
      await tx.query(`SELECT pg_notify($1, $2)`, [ALERTS_CHANNEL, stored[stored.length - 1]!.seq]);
      return {
        stored,
        duplicates: alerts.length - stored.length,
        deliveries: deliveries.map((d) => ({ id: d.id, jobId: d.job_id, subscriptionId: d.subscription_id, alertId: d.alert_id })),
      };
    });
  }

  /** Alerts after `seq`, oldest first, that pass `filters` (the replay half of the stream). */
  /** The highest alert seq retention has deleted (null: none yet); see migration NotifierAlertRetention. */
  async deletedThrough(): Promise<string | null> {
    const rows: { deleted_through: string }[] = await this.db.query(`SELECT deleted_through::text AS deleted_through FROM notifier_alert_retention`);
    return rows[0]?.deleted_through ?? null;
  }

  async after(seq: string, filters: AlertFiltersV1, limit: number): Promise<StoredAlert[]> {
    const rows: RawAlert[] = await this.db.query(
      `SELECT ${ALERT_COLUMNS} FROM notifier_alerts a,
              (SELECT $3::text[] AS scopes, $4::text[] AS metrics, $5::text[] AS severities, $6::text[] AS domains, $7::text[] AS subjects) s
        WHERE a.seq > $1 AND ${MATCHES}
        ORDER BY a.seq
        LIMIT $2`,
      [seq, limit, filters.scopes ?? [], filters.metrics ?? [], filters.severities ?? [], filters.domains ?? [], filters.subjects ?? []],
    );
    return rows.map(toStored);
  }

  /** Every alert after `seq`, oldest first (the live half of the stream, filtered per client in memory). */
  async allAfter(seq: string, limit: number): Promise<StoredAlert[]> {
    // Qualified: a bare "ORDER BY seq" would sort by the text alias of the select list ("10" < "9").
    const rows: RawAlert[] = await this.db.query(`SELECT ${ALERT_COLUMNS} FROM notifier_alerts a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2`, [seq, limit]);
    return rows.map(toStored);
  }

  async maxSeq(): Promise<string> {
    const [row]: { seq: string }[] = await this.db.query(`SELECT coalesce(max(seq), 0)::text AS seq FROM notifier_alerts`);
    return row!.seq;
  }
}

interface RawAlert {
  seq: string;
  alert_id: string;
  scope: DriftAlertV1['scope'];
  subject: string;
  metric: DriftAlertV1['metric'];
  severity: DriftAlertV1['severity'];
  domain: string;
  body: string;
}

interface RawDelivery {
  id: string;
  job_id: string;
  subscription_id: string;
  alert_id: string;
}

function toStored(row: RawAlert): StoredAlert {
  return { seq: row.seq, alertId: row.alert_id, scope: row.scope, subject: row.subject, metric: row.metric, severity: row.severity, domain: row.domain, body: row.body };
}
