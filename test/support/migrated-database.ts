import { randomBytes } from 'node:crypto';
import { createDataSource, dropDatabase } from '@chorus/platform';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll } from 'vitest';
import { PG_BASE } from './test-stack';
import { migrate } from '../../infra/database/migrate-database';

/** A fresh database with every migration applied, for the middle test tier (repositories on real Postgres, no Kafka). */
export interface MigratedDatabase {
  readonly url: string;
  readonly db: DataSource;
  /** Close the pool and drop the database. */
  drop(): Promise<void>;
}

/**
 * Creates `chorus_pg_<label>_<random>` on the local PostgreSQL, runs the migrations (the only way the schema
 * changes, so the repository under test sees production's schema) and opens a small pool.
 */
export async function migratedDatabase(label: string): Promise<MigratedDatabase> {
  const safe = label.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  const url = `${PG_BASE}/chorus_pg_${safe}_${randomBytes(4).toString('hex')}`;
  await migrate(url);
  const db = await createDataSource(url, { poolSize: 4, applicationName: `chorus-pg-${safe}` }).initialize();
  return {
    url,
    db,
    async drop() {
      await db.destroy().catch(() => undefined);
      await dropDatabase(url);
    },
  };
}

/**
 * Registers the hooks a spec file needs around one migrated database: created in `beforeAll`, dropped in `afterAll`
 * (registered first, so with Vitest's stacked hooks it drops after the file's own `afterAll`s have run). Call it at the
 * top of the file or a `describe`; read `.db` and `.url` inside hooks and tests, once the database exists.
 */
export function useMigratedDatabase(label: string): Pick<MigratedDatabase, 'url' | 'db'> {
  let current: MigratedDatabase | undefined;
  beforeAll(async () => {
    current = await migratedDatabase(label);
  });
  afterAll(async () => {
    await current?.drop();
    current = undefined;
  });
  const opened = (): MigratedDatabase => {
    if (!current) throw new Error(`useMigratedDatabase('${label}'): the database exists only between its beforeAll and afterAll; read .db/.url inside hooks and tests`);
    return current;
  };
  return {
    get url() {
      return opened().url;
    },
    get db() {
      return opened().db;
    },
  };
}
