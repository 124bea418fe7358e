import { randomBytes } from 'node:crypto';
import { ApiKeyRepository, countRecords, createDataSource, createKafka, dropDatabase, ensureTopics, deleteTopics } from '@chorus/platform';
import { topicName, type TopicKey } from '@chorus/contracts';
import type { Admin, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { migrate } from '../../infra/database/migrate-database';
import { migrations } from '../../infra/database/migrations';

export const BROKERS = ['127.0.0.1:9092'];
export const PG_BASE = 'postgres://postgres@127.0.0.1:5432';

/**
 * An isolated slice of the real stack for one test file: its own Postgres database (migrated), its own Kafka topic
 * prefix, so files never see each other's data.
 */
export class TestStack {
  readonly id = randomBytes(4).toString('hex');
  readonly prefix = `t${this.id}.`;
  readonly kafka: Kafka = createKafka(`test-${this.id}`, BROKERS);
  readonly admin: Admin = this.kafka.admin();
  readonly databases: string[] = [];
  private readonly sources: DataSource[] = [];

  constructor(readonly partitions = 3) {}

  async start(): Promise<void> {
    await this.admin.connect();
    await ensureTopics(this.admin, { partitions: this.partitions, prefix: this.prefix });
  }

  topic(key: TopicKey): string {
    return topicName(key, this.prefix);
  }

  /** A new migrated database; returns its URL and an open DataSource. */
  async database(label = 'main'): Promise<{ url: string; db: DataSource }> {
    const url = `${PG_BASE}/chorus_test_${this.id}_${label}`;
    await migrate(url);
    const db = await createDataSource(url, { poolSize: 3, applicationName: 'chorus-test', migrations }).initialize();
    this.databases.push(url);
    this.sources.push(db);
    return { url, db };
  }

  async apiKey(db: DataSource, scopes: string[], name = `key-${scopes.join('-')}`): Promise<string> {
    return (await new ApiKeyRepository(db).create(name, scopes)).key;
  }

  async records(key: TopicKey): Promise<number> {
    return countRecords(this.admin, this.topic(key));
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.sources.map((db) => db.destroy()));
    await Promise.allSettled(this.databases.map((url) => dropDatabase(url)));
    await deleteTopics(this.admin, this.prefix).catch(() => undefined);
    await this.admin.disconnect();
  }
}

/** Shared env for services started by tests. */
export function serviceEnv(stack: TestStack, databaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    KAFKA_BROKERS: BROKERS.join(','),
    KAFKA_TOPIC_PREFIX: stack.prefix,
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    LOG_LEVEL: 'warn',
    FEEDBACK_PARTITIONS: String(stack.partitions),
    LEARNER_SESSION_TIMEOUT_MS: '6000',
    // Groups of their own: a group shared across test files would hand this stack's partitions to another file's
    // (possibly SIGKILLed) member, since kafkajs assigns the union of all members' topics.
    LEARNER_GROUP_ID: `learner-${stack.id}`,
    DRIFT_GROUP_ID: `drift-${stack.id}`,
    NOTIFIER_GROUP_ID: `notifier-${stack.id}`,
    // Quota counters of their own: the per-address key lookup budget (127.0.0.1 for every test) is not shared with
    // other files or other stacks on this Redis. The counters expire with their window.
    QUOTA_REDIS_PREFIX: `chorus-${stack.id}`,
    ...extra,
  };
}
