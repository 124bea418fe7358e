import type { InjectionToken, Provider } from '@nestjs/common';
import { Kafka, type Admin } from 'kafkajs';
import { TOPICS, topicName, type TopicKey } from '@chorus/contracts';

export interface TopicLayout {
  /** Partitions of the keyed topics (feedback, exposures, DLQ): the unit of parallelism for learner and drift-watch. */
  partitions: number;
  prefix: string;
}

/** Per-topic settings: the item catalogue is compacted (latest record per itemId), the rest are retained logs. */
function specFor(key: TopicKey, layout: TopicLayout) {
  const configEntries = key === 'items' ? [{ name: 'cleanup.policy', value: 'compact' }] : [];
  return { topic: topicName(key, layout.prefix), numPartitions: layout.partitions, replicationFactor: 1, configEntries };
}

/**
 * Create Chorus's topics explicitly (the broker has auto-creation off, so a typo in a topic name fails loudly instead
 * of silently creating a new topic). Idempotent; returns the names created now.
 */
export async function ensureTopics(admin: Admin, layout: TopicLayout): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = (Object.keys(TOPICS) as TopicKey[]).map((key) => specFor(key, layout)).filter((spec) => !existing.has(spec.topic));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  return missing.map((spec) => spec.topic);
}

/** Delete Chorus's topics under a prefix (demo resets and tests). */
export async function deleteTopics(admin: Admin, prefix: string): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const topics = (Object.keys(TOPICS) as TopicKey[]).map((key) => topicName(key, prefix)).filter((t) => existing.has(t));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
}

/** Sum of high watermarks minus low watermarks: how many records a topic holds now. */
export async function countRecords(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + (Number(p.high) - Number(p.low)), 0);
}

/**
 * The provider of a service's connected Kafka admin under `token`, made from its `Kafka` provider once the topics of
 * `layout` exist (the broker does not create them; anything that subscribes or produces injects it, or starts after
 * the providers). The service disconnects it on shutdown and may probe it for /health.
 */
export function topicsAdminProvider(token: InjectionToken, layout: TopicLayout): Provider {
  return {
    provide: token,
    inject: [Kafka],
    useFactory: async (kafka: Kafka): Promise<Admin> => {
      const admin = kafka.admin();
      await admin.connect();
      await ensureTopics(admin, layout);
      return admin;
    },
  };
}
