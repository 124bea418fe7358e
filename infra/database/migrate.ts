import { loadConfig, sharedConfigShape } from '@chorus/platform';
import { z } from 'zod';
import { migrate } from './migrate-database';

/** `node dist/infra/database/migrate.js`: create the database if missing and apply pending migrations. */
async function main(): Promise<void> {
  const config = loadConfig(z.object({ DATABASE_URL: sharedConfigShape.DATABASE_URL }));
  const applied = await migrate(config.DATABASE_URL);
  process.stdout.write(applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'database schema is up to date\n');
}

main().catch((error: Error) => {
  process.stderr.write(`migration failed: ${error.message}\n`);
  process.exit(1);
});
