import type { DataSource } from 'typeorm';
import { returnedRows } from '../database/data-source';
import { DomainError } from '../errors/domain-error';
import { generateApiKey, hashApiKey, isScope, SCOPES, type Scope } from './api-key';

export interface ApiKeyRecord {
  id: string;
  name: string;
  keyPrefix: string;
  scopes: Scope[];
  createdAt: string;
  revokedAt: string | null;
}

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

  /** The active key matching `key`, or undefined. */
  async findActive(key: string): Promise<ApiKeyRecord | undefined> {
    const rows = returnedRows<RawKey>(
      await this.db.query(
        `UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL
         RETURNING id, name, key_prefix, scopes, created_at, revoked_at`,
        [hashApiKey(key)],
      ),
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows: RawKey[] = await this.db.query(`SELECT id, name, key_prefix, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at`);
    return rows.map(toRecord);
  }

  async revoke(name: string): Promise<boolean> {
    const rows = returnedRows(await this.db.query(`UPDATE api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING id`, [name]));
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
