import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { ApiKeyRepository, createDataSource, createKafka, deleteTopics, dropDatabase, ensureTopics } from '@chorus/platform';
import type { Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { migrate } from '../infra/database/migrate-database';

/** The repository root (this file runs from dist/scripts/ or, under vitest, from scripts/). */
export const root = resolve(__dirname, '..', ...(__dirname.includes(`${join('dist', 'scripts')}`) ? ['..'] : []));

export type ServiceName = 'gateway' | 'learner' | 'reranker' | 'drift-watch' | 'notifier';
/** The five services, in the order the demo starts them; the variable each reads its HTTP port from. */
export const SERVICE_PORT_VARIABLES: Readonly<Record<ServiceName, string>> = {
  gateway: 'GATEWAY_PORT',
  learner: 'LEARNER_HTTP_PORT',
  reranker: 'RERANKER_HTTP_PORT',
  'drift-watch': 'DRIFT_HTTP_PORT',
  notifier: 'NOTIFIER_HTTP_PORT',
};

/** Polls `probe` until `done` holds (a failing probe counts as not yet), or throws naming `what` after the timeout. */
export async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs = 600_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

export interface LocalStackOptions {
  /** Label in messages and the Kafka client id, e.g. `demo` or `audit`. */
  readonly label: string;
  readonly databaseUrl: string;
  /** Kafka topic prefix (also used as the consumer-group and queue prefix, so stacks never share a group). */
  readonly prefix: string;
  readonly partitions: number;
  /** Folder of the services' logs. */
  readonly logDir: string;
  /** Where progress lines go (default: stdout). */
  readonly say?: (line: string) => void;
}

/**
 * A local Chorus stack on the shared broker, Postgres and Redis (what `npm run demo` and `npm run audit` bring up): a
 * clean database and topic prefix, migrations, an admin API key, and the services as child processes running dist/,
 * each logging to its own file. `reset()` first; `start(name, env)` per service; `stop()` at the end.
 */
export class LocalStack {
  readonly admin: Admin;
  db!: DataSource;
  key!: string;
  readonly ports = new Map<ServiceName, number>();
  /** Services that exited on their own with an error, and their exit codes. */
  readonly stopped = new Map<ServiceName, number>();
  private readonly children: ChildProcess[] = [];
  private readonly say: (line: string) => void;

  constructor(readonly options: LocalStackOptions) {
    this.admin = createKafka(`chorus-${options.label}`, ['127.0.0.1:9092']).admin();
    this.say = options.say ?? ((line) => process.stdout.write(`${line}\n`));
  }

  /** Drops and recreates the database and topics, migrates, and creates an admin key: a clean slate per run. */
  async reset(): Promise<void> {
    const { databaseUrl, prefix, partitions, label } = this.options;
    await this.admin.connect();
    await deleteTopics(this.admin, prefix);
    await until(async () => (await this.admin.listTopics()).filter((t) => t.startsWith(prefix)).length, (n) => n === 0, 'topic deletion', 60_000);
    await dropDatabase(databaseUrl);
    const applied = await migrate(databaseUrl);
    this.say(`[${label}] migrations applied: ${applied.join(', ')}`);
    // Leaders of new partitions can take longer than kafkajs waits on a busy broker ("does not host this
    // topic-partition"); the topics exist by then, and ensureTopics creates only what is still missing.
    for (let attempt = 1; ; attempt++) {
      try {
        await ensureTopics(this.admin, { partitions, prefix });
        break;
      } catch (error) {
        if (attempt >= 5 || !(error as { retriable?: boolean }).retriable) throw error;
        await new Promise((r) => setTimeout(r, 2000 * attempt));
      }
    }
    this.db = await createDataSource(databaseUrl, { poolSize: 3, applicationName: `chorus-${label}` }).initialize();
    this.key = (await new ApiKeyRepository(this.db).create(label, ['admin'])).key;
  }

  /** The environment every service of this stack shares (add the service's own settings on top). */
  baseEnv(): NodeJS.ProcessEnv {
    const { databaseUrl, prefix, partitions } = this.options;
    const group = prefix.replace(/[^a-zA-Z0-9._-]/g, '-');
    return {
      ...process.env,
      DATABASE_URL: databaseUrl,
      KAFKA_TOPIC_PREFIX: prefix,
      FEEDBACK_PARTITIONS: String(partitions),
      // Groups, queues and quota counters of this stack's own: names are shared across the broker and Redis.
      LEARNER_GROUP_ID: `${group}learner`,
      DRIFT_GROUP_ID: `${group}drift-watch`,
      NOTIFIER_GROUP_ID: `${group}notifier`,
      RERANK_QUEUE_PREFIX: `chorus-${group}`,
      NOTIFIER_QUEUE_PREFIX: `chorus-${group}`,
      QUOTA_REDIS_PREFIX: `chorus-${group}`,
    };
  }

  /** Starts a service on `port` with the stack's environment plus `env`; resolves when its /health answers 200. */
  async start(name: ServiceName, port: number, env: NodeJS.ProcessEnv = {}): Promise<void> {
    const { logDir, label } = this.options;
    mkdirSync(logDir, { recursive: true });
    const logFile = join(logDir, `${name}.log`);
    const log = createWriteStream(logFile);
    const child = spawn(process.execPath, [join(root, 'dist', 'services', name, 'src', 'main.js')], {
      env: { ...this.baseEnv(), ...env, [SERVICE_PORT_VARIABLES[name]]: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.once('exit', (code) => {
      if (code === 0 || code === null) return;
      this.stopped.set(name, code);
      this.say(`[${label}] ${name} exited with code ${code}; see ${logFile}`);
    });
    this.children.push(child);
    this.ports.set(name, port);
    await until(() => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status), (s) => s === 200 || this.stopped.has(name), `${name} /health`, 120_000);
    if (this.stopped.has(name)) throw new Error(`${name} exited with code ${this.stopped.get(name)} while starting; see ${logFile}`);
    this.say(`[${label}] ${name} is up on :${port} (log: ${relative(process.cwd(), logFile) || logFile})`);
  }

  url(name: ServiceName): string {
    return `http://127.0.0.1:${this.ports.get(name)}`;
  }

  /** Sends SIGTERM to every service this stack started and waits (up to 30 s each) for them to exit. */
  async stopServices(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const timer = setTimeout(() => {
              child.kill('SIGKILL');
              done();
            }, 30_000);
            child.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    this.children.length = 0;
  }

  /** Stops the services and closes the connections; with `drop`, also drops the database and deletes the topics. */
  async close({ drop = false } = {}): Promise<void> {
    await this.stopServices();
    await this.db?.destroy().catch(() => undefined);
    if (drop) {
      await dropDatabase(this.options.databaseUrl).catch(() => undefined);
      await deleteTopics(this.admin, this.options.prefix).catch(() => undefined);
    }
    await this.admin.disconnect().catch(() => undefined);
  }

  /** Kills the services at once (SIGINT handler). */
  kill(): void {
    for (const child of this.children) child.kill('SIGTERM');
  }
}
