import type { WebhookEvent } from '@chorus/contracts';
import { returnedRows } from '@chorus/platform';
import type { DataSource } from 'typeorm';

export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'dead';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'retrying', 'succeeded', 'dead'];

/** What one attempt needs: where, with which secret (as stored), which body. */
export interface DeliveryTarget {
  id: string;
  event: WebhookEvent;
  status: DeliveryStatus;
  subscriptionId: string;
  url: string;
  sealedSecret: string;
  /** The secret replaced last, while its grace period lasts (sealed); null otherwise. */
  sealedPreviousSecret: string | null;
  body: string;
  alertId: string | null;
  alertSeq: string | null;
  /** Attempts recorded so far (Postgres' count: it survives a Redis restart, the job's own count does not). */
  attempts: number;
}

export interface AttemptRecord {
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The delivery's status after this attempt. */
  outcome: Exclude<DeliveryStatus, 'pending'>;
  nextAttemptAt: Date | null;
}

export interface DeliveryLogEntry {
  id: string;
  event: WebhookEvent;
  alertId: string | null;
  alertSequence: string | null;
  status: DeliveryStatus;
  attempts: number;
  maxAttempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  completedAt: string | null;
  attemptLog: { attempt: number; at: string; statusCode: number | null; error: string | null; durationMs: number }[];
}

export class DeliveriesRepository {
  constructor(private readonly db: DataSource) {}

  async createPing(id: string, subscriptionId: string, body: string, maxAttempts: number): Promise<{ id: string; jobId: string }> {
    const jobId = `ping.${id}`;
    await this.db.query(
      `INSERT INTO alert_deliveries (id, subscription_id, kind, ping_body, job_id, max_attempts) VALUES ($1, $2, 'ping', $3, $4, $5)`,
      [id, subscriptionId, body, jobId, maxAttempts],
    );
    return { id, jobId };
  }

  async markEnqueued(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE alert_deliveries SET enqueued_at = now() WHERE id = ANY ($1::uuid[]) AND enqueued_at IS NULL`, [ids]);
  }

  /** Deliveries committed at least `olderThanMs` ago whose job is not known to exist (the outbox). */
  async unenqueued(olderThanMs: number, limit: number): Promise<{ id: string; jobId: string }[]> {
    const rows: { id: string; job_id: string }[] = await this.db.query(
      `SELECT id, job_id FROM alert_deliveries
        WHERE enqueued_at IS NULL AND status IN ('pending', 'retrying') AND created_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY created_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((r) => ({ id: r.id, jobId: r.job_id }));
  }

  /** Open deliveries (pending, retrying) marked enqueued, `limit` at a time after `afterId`: each must have a job in Redis. */
  async enqueuedOpen(limit: number, afterId?: string): Promise<{ id: string; jobId: string }[]> {
    const rows: { id: string; job_id: string }[] = await this.db.query(
      `SELECT id, job_id FROM alert_deliveries
        WHERE enqueued_at IS NOT NULL AND status IN ('pending', 'retrying') AND ($1::uuid IS NULL OR id > $1::uuid)
        ORDER BY id LIMIT $2`,
      [afterId ?? null, limit],
    );
    return rows.map((r) => ({ id: r.id, jobId: r.job_id }));
  }

  /** Back in the outbox: deliveries whose job Redis lost; the next sweep enqueues them again. */
  async markUnenqueued(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE alert_deliveries SET enqueued_at = NULL WHERE id = ANY ($1::uuid[]) AND status IN ('pending', 'retrying')`, [ids]);
  }

  async target(deliveryId: string): Promise<DeliveryTarget | undefined> {
    const rows: RawTarget[] = await this.db.query(
      `SELECT d.id, d.kind, d.status, d.subscription_id, s.url, s.secret,
              CASE WHEN s.previous_secret_expires_at > now() THEN s.previous_secret END AS previous_secret, coalesce(a.body, d.ping_body) AS body, d.alert_id, d.alert_seq::text AS alert_seq, d.attempts
         FROM alert_deliveries d
         JOIN alert_subscriptions s ON s.id = d.subscription_id
         LEFT JOIN notifier_alerts a ON a.seq = d.alert_seq
        WHERE d.id = $1`,
      [deliveryId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      event: row.kind,
      status: row.status,
      subscriptionId: row.subscription_id,
      url: row.url,
      sealedSecret: row.secret,
      sealedPreviousSecret: row.previous_secret,
      body: row.body,
      alertId: row.alert_id,
      alertSeq: row.alert_seq,
      attempts: row.attempts,
    };
  }

  /**
   * Log one attempt and move the delivery to its new status, in one transaction. A delivery that already reached a
   * final status (succeeded, dead) is not changed again; returns false then.
   */
  async recordAttempt(deliveryId: string, record: AttemptRecord): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const updated = returnedRows(
        await tx.query(
          `UPDATE alert_deliveries
              SET status = $2, attempts = GREATEST(attempts, $3), last_status_code = $4, last_error = $5, next_attempt_at = $6,
                  completed_at = CASE WHEN $2 IN ('succeeded', 'dead') THEN now() ELSE NULL END, updated_at = now()
            WHERE id = $1 AND status IN ('pending', 'retrying')
            RETURNING id`,
          [deliveryId, record.outcome, record.attempt, record.statusCode, record.error, record.nextAttemptAt],
        ),
      );
      if (updated.length === 0) return false;
      await tx.query(
        `INSERT INTO alert_delivery_attempts (delivery_id, attempt, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (delivery_id, attempt) DO UPDATE SET attempted_at = now(), status_code = EXCLUDED.status_code, error = EXCLUDED.error, duration_ms = EXCLUDED.duration_ms`,
        [deliveryId, record.attempt, record.statusCode, record.error, record.durationMs],
      );
      return true;
    });
  }

  /** A subscription's deliveries, newest first, with every attempt; `before` pages on from a delivery id. */
  async log(subscriptionId: string, { limit, before, status }: { limit: number; before?: string; status?: DeliveryStatus }): Promise<DeliveryLogEntry[]> {
    const rows: RawLog[] = await this.db.query(
      `SELECT d.id, d.kind, d.alert_id, d.alert_seq::text AS alert_seq, d.status, d.attempts, d.max_attempts, d.last_status_code, d.last_error,
              d.next_attempt_at, d.created_at, d.completed_at
         FROM alert_deliveries d
        WHERE d.subscription_id = $1
          AND ($2::text IS NULL OR d.status = $2)
          AND ($3::uuid IS NULL OR (d.created_at, d.id) < (SELECT created_at, id FROM alert_deliveries WHERE id = $3 AND subscription_id = $1))
        ORDER BY d.created_at DESC, d.id DESC
        LIMIT $4`,
      [subscriptionId, status ?? null, before ?? null, limit],
    );
    const attempts: RawAttempt[] = rows.length
      ? await this.db.query(
          `SELECT delivery_id, attempt, attempted_at, status_code, error, duration_ms FROM alert_delivery_attempts WHERE delivery_id = ANY ($1::uuid[]) ORDER BY attempt`,
          [rows.map((r) => r.id)],
        )
      : [];
    const byDelivery = new Map<string, DeliveryLogEntry['attemptLog']>();
    for (const a of attempts) {
      const list = byDelivery.get(a.delivery_id) ?? [];
      list.push({ attempt: a.attempt, at: a.attempted_at.toISOString(), statusCode: a.status_code, error: a.error, durationMs: a.duration_ms });
      byDelivery.set(a.delivery_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      event: r.kind,
      alertId: r.alert_id,
      alertSequence: r.alert_seq,
      status: r.status,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
      lastStatusCode: r.last_status_code,
      lastError: r.last_error,
      nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
      createdAt: r.created_at.toISOString(),
      completedAt: r.completed_at?.toISOString() ?? null,
      attemptLog: byDelivery.get(r.id) ?? [],
    }));
  }

  async exists(subscriptionId: string, deliveryId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM alert_deliveries WHERE id = $1 AND subscription_id = $2`, [deliveryId, subscriptionId]);
    return rows.length > 0;
  }
}

interface RawTarget {
  id: string;
  kind: WebhookEvent;
  status: DeliveryStatus;
  subscription_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  body: string;
  alert_id: string | null;
  alert_seq: string | null;
  attempts: number;
}

interface RawLog {
  id: string;
  kind: WebhookEvent;
  alert_id: string | null;
  alert_seq: string | null;
  status: DeliveryStatus;
  attempts: number;
  max_attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  completed_at: Date | null;
}

interface RawAttempt {
  delivery_id: string;
  attempt: number;
  attempted_at: Date;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}
