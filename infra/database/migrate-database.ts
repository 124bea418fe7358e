import { createDataSource, ensureDatabase } from '@chorus/platform';
import { migrations } from './migrations';

/** Create the database if needed and apply pending migrations; returns the names applied. */
export async function migrate(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const ds = createDataSource(url, { poolSize: 2, applicationName: 'chorus-migrate', migrations });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
