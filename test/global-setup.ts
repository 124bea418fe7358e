// Vitest globalSetup of the e2e project: makes sure PostgreSQL, Redis and the local Kafka broker answer before any
// e2e file runs (infra/local-services.sh starts what is down), and compiles the services that tests run as child
// processes. It stops nothing afterwards: the broker and its data outlive the run so the next run reuses it
// (`bash infra/kafka/kafka.sh stop` stops it).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..');

function run(command: string, args: string[]): void {
  const { status, error } = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (status !== 0) {
    throw new Error(`global-setup: \`${[command, ...args].join(' ')}\` failed (${error?.message ?? `exit ${status}`}); see its output above`);
  }
}

export default function globalSetup(): void {
  run('bash', [resolve(repoRoot, 'infra/local-services.sh')]);
  run('npm', ['run', '-s', 'build']);
}
