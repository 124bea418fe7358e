import { feedbackEventV1, type FeedbackEventV1 } from '@chorus/contracts';
import { Partitioners, type Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { feedbackStream } from './feedback-factory';

/** Sum of the learner's committed next offsets in Postgres (all partitions): the events of record. */
export async function learnerCommitted(db: DataSource): Promise<number> {
  const [row] = await db.query(`SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM consumer_offsets`);
  return Number(row.n);
}

/**
 * Everything the learner writes, in a canonical order, for comparison with a reference run bit for bit: users
 * (posterior, dedupe window, events seen), aggregate shards, counters, interaction rows.
 */
export async function learnerModelState(db: DataSource) {
  const users = await db.query(
    `SELECT user_id, domain, state::text AS state, encode(recent_event_keys, 'hex') AS recent, events_seen FROM user_models ORDER BY user_id, domain`,
  );
  const shards = await db.query(`SELECT domain, shard, state::text AS state, events_seen FROM aggregate_shards ORDER BY domain, shard`);
  const counters = await db.query(`SELECT name, value FROM learner_counters ORDER BY name`);
  const interactions = await db.query(
    `SELECT user_id, domain, array_agg(DISTINCT item_id ORDER BY item_id) AS items
       FROM user_item_batches CROSS JOIN LATERAL unnest(item_ids) AS i(item_id) GROUP BY user_id, domain ORDER BY user_id, domain`,
  );
  return { users, shards, counters, interactions };
}

/** A validated mixed feedback stream (see feedbackStream). */
export function validFeedback(count: number, options: Parameters<typeof feedbackStream>[1]): FeedbackEventV1[] {
  return feedbackStream(count, options).map((e) => feedbackEventV1.parse(e));
}

/**
 * Produces events keyed by user, in chunks with a short pause between them, so a test can act while the stream
 * flows. Resolves when every chunk is acknowledged.
 */
export async function produceFeedback(kafka: Kafka, topic: string, events: readonly FeedbackEventV1[], { chunk = 500, pauseMs = 20 } = {}): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += chunk) {
      await producer.send({ topic, messages: events.slice(i, i + chunk).map((e) => ({ key: e.userId, value: JSON.stringify(e) })) });
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  } finally {
    await producer.disconnect();
  }
}
