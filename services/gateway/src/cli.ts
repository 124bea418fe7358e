import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ApiKeyRepository, ConfigError, connectDatabase, DomainError, loadConfig, sharedConfigShape } from '@chorus/platform';
import { z } from 'zod';

const usage = `usage:
  gateway-cli api-key create --name <name> --scopes ingest,read,admin,subscriber
  gateway-cli api-key list
  gateway-cli api-key revoke --name <name>`;

/** The gateway's CLI transport: administration that must not depend on already having a key. */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' }, scopes: { type: 'string' }, json: { type: 'boolean' } } });
  const [noun, verb] = positionals;
  if (noun !== 'api-key' || !['create', 'list', 'revoke'].includes(verb ?? '')) throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  const config = loadConfig(z.object({ DATABASE_URL: sharedConfigShape.DATABASE_URL }));
  const db = await connectDatabase(config.DATABASE_URL, { poolSize: 1, applicationName: 'chorus-gateway-cli' });
  try {
    const keys = new ApiKeyRepository(db);
    if (verb === 'create') {
      if (!values.name) throw new UsageError('--name is required');
      if (!values.scopes) throw new UsageError('--scopes is required (comma-separated: ingest, read, admin, subscriber)');
      const { key, record } = await keys.create(values.name, values.scopes.split(',').map((s) => s.trim()).filter(Boolean));
      if (values.json) process.stdout.write(`${JSON.stringify({ key, ...record })}\n`);
      else process.stdout.write(`created API key "${record.name}" with scopes ${record.scopes.join(', ')}\n${key}\nStore it now: it is shown only once.\n`);
    } else if (verb === 'list') {
      for (const k of await keys.list()) process.stdout.write(`${k.name}\tchorus_${k.keyPrefix}_…\t${k.scopes.join(',')}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\n`);
    } else {
      if (!values.name) throw new UsageError('--name is required');
      process.stdout.write((await keys.revoke(values.name)) ? `revoked "${values.name}"\n` : `no active key named "${values.name}"\n`);
    }
  } finally {
    await db.destroy();
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((error: Error) => {
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n${usage}\n`);
  else if (error instanceof ConfigError || error instanceof DomainError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
