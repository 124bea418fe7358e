import { driftAlertV1, type DriftAlertV1, type ItemV1 } from '@chorus/contracts';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonLogger, OffsetsOfRecordTransport, startHybridService } from '@chorus/platform';
import { Partitioners, type Consumer, type Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { ItemsRepository } from '../../services/gateway/src/persistence/items.repository';
import { loadDriftWatchConfig } from '../../services/drift-watch/src/drift-watch.config';
import { DriftWatchModule } from '../../services/drift-watch/src/drift-watch.module';
import { DetectorConfigs } from '../../services/drift-watch/src/engine/detector-configs';
import { DriftSegments } from '../../services/drift-watch/src/engine/drift-segments';
import type { DriftMessage } from '../../services/drift-watch/src/testing/drift-stream.fixture';
import { ServiceProcess } from './service-process';
import type { TestStack } from './test-stack';

/**
 * drift-watch settings for short test streams (say so in each test): event-time buckets of 10 minutes so a few hours
 * of simulated traffic give a series of population points, a short flush interval, fast config polling.
 */
export const DRIFT_TEST_ENV = {
  DRIFT_BUCKET_SECONDS: '600',
  DRIFT_BUCKET_LATENESS_SECONDS: '0',
  DRIFT_FLUSH_INTERVAL_MS: '100',
  DRIFT_CONFIG_POLL_MS: '200',
  DRIFT_OUTBOX_INTERVAL_MS: '500',
  DRIFT_SESSION_TIMEOUT_MS: '6000',
};

/**
 * drift-watch in this process (for tests that do not kill it), with the detector configuration and segments it has
 * loaded. Fatal errors fail the test instead of exiting.
 */
export async function startDriftWatch(env: NodeJS.ProcessEnv): Promise<{ app: INestApplication; configs: DetectorConfigs; segments: DriftSegments; registry: Registry; fatal: Error[] }> {
  const fatal: Error[] = [];
  const app = await NestFactory.create(DriftWatchModule.register(loadDriftWatchConfig(env), (error) => fatal.push(error)), {
    logger: new JsonLogger('drift-watch', 'warn'),
  });
  await startHybridService(app, OffsetsOfRecordTransport, { port: 0, host: '127.0.0.1' });
  return { app, configs: app.get(DetectorConfigs), segments: app.get(DriftSegments), registry: app.get(Registry), fatal };
}

/** drift-watch as a real OS process, so a test can SIGKILL it. */
export class DriftWatchProcess extends ServiceProcess {
  constructor(env: NodeJS.ProcessEnv) {
    super('drift-watch', 'DRIFT_HTTP_PORT', env);
  }
}

/** Writes the catalogue to Postgres (as the gateway would) so drift-watch and the learner can read it. */
export async function seedCatalogue(db: DataSource, items: ItemV1[]): Promise<void> {
  await new ItemsRepository(db).upsert(items);
}

/** Produces scenario messages to their topics, keyed by user, in order, in chunks. */
export async function produceDriftMessages(stack: TestStack, messages: DriftMessage[]): Promise<void> {
  const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 500) {
      const chunk = messages.slice(i, i + 500);
      await producer.sendBatch({
        topicMessages: (['feedback', 'exposures'] as const).map((topic) => ({
          topic: stack.topic(topic),
          messages: chunk.filter((m) => m.topic === topic).map((m) => ({ key: m.value.userId, value: JSON.stringify(m.value) })),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Collects every alert published to chorus.drift-alerts.v1 (validated against the contract). */
export async function collectAlerts(kafka: Kafka, stack: TestStack, into: DriftAlertV1[], label = 'alerts'): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: `${label}-${stack.id}`, sessionTimeout: 10_000 });
  await consumer.connect();
  await consumer.subscribe({ topic: stack.topic('driftAlerts'), fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void into.push(driftAlertV1.parse(JSON.parse(message.value!.toString()))) });
  return consumer;
}

/** Committed offsets of drift-watch's group (feedback + exposures, all partitions) in Postgres. */
export async function driftCommitted(db: DataSource, groupId: string): Promise<number> {
  const [row] = await db.query(`SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM consumer_offsets WHERE group_id = $1`, [groupId]);
  return Number(row.n);
}

/** Everything drift-watch commits, minus wall-clock times: what two runs over the same events must agree on. */
export async function driftCommittedState(db: DataSource) {
  return {
    users: await db.query(`SELECT user_id, domain, state::text AS state, events_seen FROM drift_user_state ORDER BY user_id, domain`),
    shards: await db.query(`SELECT domain, shard, state::text AS state FROM drift_population_state ORDER BY domain, shard`),
    alerts: await db.query(
      `SELECT alert_id, scope, subject, domain, metric, detector, direction, value, baseline, severity, window_start, window_end,
              config_version, occurrences, last_event_at, last_value, source FROM drift_alerts ORDER BY alert_id`,
    ),
    userSeries: await db.query(`SELECT user_id, domain, metric, bucket_start, value FROM drift_user_series ORDER BY 1, 2, 3, 4`),
    populationSeries: await db.query(`SELECT domain, metric, shard, bucket_start, value, users, events FROM drift_population_series ORDER BY 1, 2, 3, 4`),
  };
}
