// Vitest globalSetup of the middle project (repositories and use cases on a real migrated PostgreSQL, no Kafka, no
// Redis): makes sure PostgreSQL answers, starting it when it is down (infra/local-services.sh, PostgreSQL part only).
// Each spec file creates and drops its own database (test/support/migrated-database.ts), so files run in parallel.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..');

export default function globalSetup(): void {
  const { status, error } = spawnSync('bash', [resolve(repoRoot, 'infra/local-services.sh'), 'postgres'], { cwd: repoRoot, stdio: 'inherit' });
  if (status !== 0) {
    throw new Error(`middle global-setup: \`bash infra/local-services.sh postgres\` failed (${error?.message ?? `exit ${status}`}); see its output above`);
  }
}
