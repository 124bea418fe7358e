import { randomBytes } from 'node:crypto';
import { createKafka, deleteTopics, dropDatabase, ensureTopics } from '@chorus/platform';
import type { Kafka } from 'kafkajs';
import { migrate } from '../infra/database/migrate-database';

/** A throwaway slice of the local stack for one benchmark run: own database, own topic prefix. */
export async function benchStack(name: string, partitions: number) {
  const id = randomBytes(3).toString('hex');
  const prefix = `bench-${id}.`;
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/chorus_bench_${name}_${id}`;
  const kafka: Kafka = createKafka(`bench-${id}`, ['127.0.0.1:9092']);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { partitions, prefix });
  await migrate(databaseUrl);
  return {
    id,
    prefix,
    databaseUrl,
    kafka,
    admin,
    async teardown() {
      await deleteTopics(admin, prefix).catch(() => undefined);
      await admin.disconnect();
      await dropDatabase(databaseUrl);
    },
  };
}

export function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${name} must be a positive number, got "${process.argv[index + 1]}"\n`);
    process.exit(2);
  }
  return value;
}
