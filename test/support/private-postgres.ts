import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './service-process';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL cluster of the test's own (initdb in a temp dir, trust auth, on a free port), so a test can stop and
 * restart Postgres without touching the shared one on 5432. As root, the server runs as the `postgres` user (Postgres
 * refuses to run as root). `destroy()` stops it and deletes the directory; call it in afterAll.
 */
export class PrivatePostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'chorus-pg-'));
  port = 0;
  private running = false;

  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    if (process.getuid?.() === 0) chownSync(this.dir, await this.postgresUid(), -1);
    await this.pg(`${BIN}/initdb`, ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await this.up();
  }

  /** Stop the server; `immediate` is a crash (no checkpoint: recovery replays the WAL on the next start). */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    if (!this.running) return;
    await this.pg(`${BIN}/pg_ctl`, ['-D', this.data, '-m', mode, '-w', 'stop']);
    this.running = false;
  }

  /** Start the stopped server again on the same port and data directory. */
  async up(): Promise<void> {
    await this.pg(`${BIN}/pg_ctl`, [
      '-D', this.data, '-l', join(this.dir, 'server.log'), '-w', '-t', '60',
      '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`,
      'start',
    ]);
    this.running = true;
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  private async postgresUid(): Promise<number> {
    return Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  }

  private async pg(command: string, args: string[]): Promise<void> {
    const asRoot = process.getuid?.() === 0;
    await run(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : args, { timeout: 90_000 });
  }
}
