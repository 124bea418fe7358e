import { DataSource, type DataSourceOptions } from 'typeorm';

export interface DataSourceSettings {
  poolSize?: number;
  applicationName?: string;
  /**
   * The migration classes, for a connection that applies or reverts them: infra/database owns them and passes them in
   * (a library never imports infra). Services leave them out: the schema is migrated before they start.
   */
  migrations?: DataSourceOptions['migrations'];
}

/**
 * The Postgres connection of record. Schema comes from migrations only (never `synchronize`), so every environment
 * runs exactly the schema that was reviewed.
 */
export function createDataSource(url: string, options: DataSourceSettings = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'schema_migrations',
    migrations: options.migrations ?? [],
    extra: { max: options.poolSize ?? 10, application_name: options.applicationName ?? 'chorus' },
  });
}

/**
 * Open the store of record. A database that does not exist yet is the usual first-run mistake: say how to create it
 * instead of surfacing the driver's bare error.
 */
export async function connectDatabase(url: string, options: DataSourceSettings = {}): Promise<DataSource> {
  try {
    return await createDataSource(url, options).initialize();
  } catch (error) {
    if ((error as { code?: string }).code === '3D000') {
      const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
      throw new Error(`database "${name}" does not exist; create and migrate it with: DATABASE_URL=${url} node dist/infra/database/migrate.js`);
    }
    throw error;
  }
}

/** Create the database named in `url` if it does not exist (a fresh machine has only `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[a-zA-Z0-9_]+$/.test(name)) throw new Error(`database name "${name}" must be letters, digits or "_"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const ds = new DataSource({ type: 'postgres', url: admin.toString() });
  await ds.initialize();
  try {
    const rows: unknown[] = await ds.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length === 0) await ds.query(`CREATE DATABASE "${name}"`);
  } finally {
    await ds.destroy();
  }
}

/** Drop a database (tests and demo resets only). */
export async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const ds = new DataSource({ type: 'postgres', url: admin.toString() });
  await ds.initialize();
  try {
    await ds.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await ds.destroy();
  }
}

/**
 * TypeORM answers an UPDATE or DELETE ... RETURNING with `[rows, rowCount]` rather than the rows themselves; this
 * returns the rows either way.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
