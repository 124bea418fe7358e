import type { AlertFiltersV1 } from '@chorus/contracts';
import { returnedRows } from '@chorus/platform';
import type { DataSource } from 'typeorm';

/** A subscription as its owner sees it: never the secret. */
export interface SubscriptionView {
  id: string;
  description: string | null;
  url: string;
  active: boolean;
  filters: Required<AlertFiltersV1>;
  /** Until when the secret replaced last still signs deliveries beside the current one; null when none does. */
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewSubscription {
  id: string;
  ownerKeyId: string;
  description: string | null;
  url: string;
  /** As stored: sealed by the SecretBox. */
  secret: string;
  active: boolean;
  filters: AlertFiltersV1;
}

export interface SubscriptionChanges {
  description?: string | null;
  url?: string;
  /**
   * A new secret (sealed). The one it replaces stays valid for `graceSeconds` (0: not at all), replacing any secret
   * still in its grace period.
   */
  secret?: { sealed: string; graceSeconds: number };
  active?: boolean;
  filters?: AlertFiltersV1;
}

/** The stored (sealed) secrets of one subscription, for re-encryption. */
export interface SealedSecrets {
  id: string;
  secret: string;
  previousSecret: string | null;
}

const COLUMNS = `id, description, url, active, scopes, metrics, severities, domains, subjects, created_at, updated_at,
  CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS previous_secret_expires_at`;

/**
 * Subscriptions of record. Every read and write is scoped by the owner's key id in SQL, so a query can never touch
 * another owner's row — a row that is not yours is, to you, a row that does not exist.
 */
export class SubscriptionsRepository {
  constructor(private readonly db: DataSource) {}

  async create(subscription: NewSubscription): Promise<SubscriptionView> {
    const f = subscription.filters;
    const rows: RawSubscription[] = await this.db.query(
      `INSERT INTO alert_subscriptions (id, owner_key_id, description, url, secret, active, scopes, metrics, severities, domains, subjects)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       RETURNING ${COLUMNS}`,
      [subscription.id, subscription.ownerKeyId, subscription.description, subscription.url, subscription.secret, subscription.active, f.scopes ?? [], f.metrics ?? [], f.severities ?? [], f.domains ?? [], f.subjects ?? []],
    );
    return toView(rows[0]!);
  }

  async countByOwner(ownerKeyId: string): Promise<number> {
    const [row]: { n: string }[] = await this.db.query(`SELECT count(*) AS n FROM alert_subscriptions WHERE owner_key_id = $1`, [ownerKeyId]);
    return Number(row!.n);
  }

  async list(ownerKeyId: string): Promise<SubscriptionView[]> {
    const rows: RawSubscription[] = await this.db.query(`SELECT ${COLUMNS} FROM alert_subscriptions WHERE owner_key_id = $1 ORDER BY created_at, id`, [ownerKeyId]);
    return rows.map(toView);
  }

  async find(ownerKeyId: string, id: string): Promise<SubscriptionView | undefined> {
    const rows: RawSubscription[] = await this.db.query(`SELECT ${COLUMNS} FROM alert_subscriptions WHERE owner_key_id = $1 AND id = $2`, [ownerKeyId, id]);
    return rows[0] ? toView(rows[0]) : undefined;
  }

  async update(ownerKeyId: string, id: string, changes: SubscriptionChanges): Promise<SubscriptionView | undefined> {
    const sets: string[] = [];
    const values: unknown[] = [ownerKeyId, id];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (changes.description !== undefined) set('description', changes.description);
    if (changes.url !== undefined) set('url', changes.url);
    if (changes.secret !== undefined) {
      // The right-hand sides read the row as it was, so the secret being replaced moves to previous_secret.
      set('secret', changes.secret.sealed);
      values.push(changes.secret.graceSeconds);
      const grace = `$${values.length}::int`;
      sets.push(`previous_secret = CASE WHEN ${grace} > 0 THEN secret END`);
      sets.push(`previous_secret_expires_at = CASE WHEN ${grace} > 0 THEN now() + make_interval(secs => ${grace}) END`);
    }
    if (changes.active !== undefined) set('active', changes.active);
    if (changes.filters !== undefined) {
      const f = changes.filters;
      set('scopes', f.scopes ?? []);
      set('metrics', f.metrics ?? []);
      set('severities', f.severities ?? []);
      set('domains', f.domains ?? []);
      set('subjects', f.subjects ?? []);
    }
    const rows = returnedRows<RawSubscription>(
      await this.db.query(
        `UPDATE alert_subscriptions SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE owner_key_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        values,
      ),
    );
    return rows[0] ? toView(rows[0]) : undefined;
  }

  /** Every subscription's sealed secrets, by id after `afterId`, for re-encryption under the current key. */
  async sealedSecrets(afterId: string, limit: number): Promise<SealedSecrets[]> {
    const rows: { id: string; secret: string; previous_secret: string | null }[] = await this.db.query(
      `SELECT id, secret, previous_secret FROM alert_subscriptions WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ id: r.id, secret: r.secret, previousSecret: r.previous_secret }));
  }

  /** Replace a sealed value only if it is still `from` (a concurrent PATCH wins); true when replaced. */
  async reseal(id: string, column: 'secret' | 'previous_secret', from: string, to: string): Promise<boolean> {
    const rows = returnedRows(await this.db.query(`UPDATE alert_subscriptions SET ${column} = $3 WHERE id = $1 AND ${column} = $2 RETURNING id`, [id, from, to]));
    return rows.length > 0;
  }

  async delete(ownerKeyId: string, id: string): Promise<boolean> {
    const rows = returnedRows(await this.db.query(`DELETE FROM alert_subscriptions WHERE owner_key_id = $1 AND id = $2 RETURNING id`, [ownerKeyId, id]));
    return rows.length > 0;
  }
}

interface RawSubscription {
  id: string;
  description: string | null;
  url: string;
  active: boolean;
  scopes: string[];
  metrics: string[];
  severities: string[];
  domains: string[];
  subjects: string[];
  created_at: Date;
  updated_at: Date;
  previous_secret_expires_at: Date | null;
}

function toView(row: RawSubscription): SubscriptionView {
  return {
    id: row.id,
    description: row.description,
    url: row.url,
    active: row.active,
    filters: {
      scopes: row.scopes as SubscriptionView['filters']['scopes'],
      metrics: row.metrics as SubscriptionView['filters']['metrics'],
      severities: row.severities as SubscriptionView['filters']['severities'],
      domains: row.domains,
      subjects: row.subjects,
    },
    previousSecretExpiresAt: row.previous_secret_expires_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
