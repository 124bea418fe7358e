import type { DataSource } from 'typeorm';
import { DomainError } from '../errors/domain-error';
import { generateApiKey, isScope, SCOPES, type Scope } from './api-key';

export interface ApiKeyRecord {
  id: string;
  name: string;
  keyPrefix: string;
  scopes: Scope[];
  createdAt: string;
  revokedAt: string | null;
}

/** The Postgres channel on which a revoked key's id is announced. */
export const API_KEY_REVOKED_CHANNEL = 'chorus_api_key_revoked';

/** API keys, stored hashed. The plaintext key exists only in the answer to `create`. */
export class ApiKeyRepository {
  constructor(private readonly db: DataSource) {}

  async create(name: string, scopes: string[]): Promise<{ key: string; record: ApiKeyRecord }> {
    const bad = scopes.filter((s) => !isScope(s));
    if (scopes.length === 0 || bad.length > 0) {
      throw new DomainError('AUTH.INVALID_SCOPE', `unknown scope(s) ${bad.join(', ') || '(none given)'}; choose from ${SCOPES.join(', ')}`);
    }
    const { key, prefix, hash } = generateApiKey();
    const rows: RawKey[] = await this.db
      .query(
        `INSERT INTO api_keys (name, key_prefix, key_hash, scopes) VALUES ($1, $2, $3, $4)
         RETURNING id, name, key_prefix, scopes, created_at, revoked_at`,
        [name, prefix, hash, [...new Set(scopes)]],
      )
      .catch((error: { code?: string }) => {
        if (error.code === '23505') throw new DomainError('AUTH.DUPLICATE_NAME', `an API key named "${name}" exists; choose another name or revoke it first`);
        throw error;
      });
    return { key, record: toRecord(rows[0]!) };
  }

  /** The active key whose hash is `keyHash` (see `hashApiKey`), or undefined. A read: an unknown key writes nothing. */
  async findActiveByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const rows: RawKey[] = await this.db.query(
      `SELECT id, name, key_prefix, scopes, created_at, revoked_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Record that a verified key was used; at most one write per key and minute, whatever the request rate. */
  async touch(id: string): Promise<void> {
    await this.db.query(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  /** Of `ids`, those revoked since (a service holding long-lived work for a key checks them after missing notifications). */
  async revokedAmong(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM api_keys WHERE id = ANY($1::uuid[]) AND revoked_at IS NOT NULL`, [ids]);
    return rows.map((row) => row.id);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows: RawKey[] = await this.db.query(`SELECT id, name, key_prefix, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at`);
    return rows.map(toRecord);
  }

  /**
   * Revoke the active key named `name`. The same statement NOTIFYs its id on `API_KEY_REVOKED_CHANNEL` (delivered on
   * commit), so services holding long-lived work for the key (the notifier's alert streams) end it at once.
   */
  async revoke(name: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH revoked AS (UPDATE api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING id)
       SELECT id, pg_notify($2, id::text) FROM revoked`,
      [name, API_KEY_REVOKED_CHANNEL],
    );
    return rows.length > 0;
  }
}

interface RawKey {
  id: string;
  name: string;
  key_prefix: string;
  scopes: string[];
  created_at: Date;
  revoked_at: Date | null;
}

function toRecord(row: RawKey): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    keyPrefix: row.key_prefix,
    scopes: row.scopes.filter(isScope),
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
  };
}
