import { randomBytes } from 'node:crypto';
import { createDataSource, dropDatabase } from '@chorus/platform';
import type { DataSource } from 'typeorm';
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
