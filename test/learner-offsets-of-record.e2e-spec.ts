import { Partitioners } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { catalogue, feedbackStream } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

const EVENTS = 300;

/**
 * Postgres holds the learner's offsets of record; Kafka's committed offsets only follow them. When something else in
 * the group (a zombie member, a second deployment sharing the group id) has moved Kafka's offsets past what this
 * learner's store holds, the learner must seek back to its own offsets instead of silently skipping events.
 */
describe('learner offsets of record', () => {
  const stack = new TestStack(2);
  let db: DataSource;
  let learner: Awaited<ReturnType<typeof startLearner>> | undefined;
  const groupId = `offsets-${stack.id}`;

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await new ItemsRepository(db).upsert(catalogue(30));
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: stack.topic('feedback'),
      messages: feedbackStream(EVENTS, { users: 12, items: 30, seed: 5 }).map((e) => ({ key: e.userId, value: JSON.stringify(e) })),
    });
    await producer.disconnect();
    // Another member of the group "consumed" everything: Kafka's committed offsets are at the end of the log.
    await stack.admin.setOffsets({ groupId, topic: stack.topic('feedback'), partitions: await endOffsets() });
    learner = await startLearner(serviceEnv(stack, database.url, { LEARNER_GROUP_ID: groupId, LEARNER_FLUSH_INTERVAL_MS: '100' }));
  });

  afterAll(async () => {
    await learner?.app.close();
    await stack.stop();
  });

  const endOffsets = async () =>
    (await stack.admin.fetchTopicOffsets(stack.topic('feedback'))).map((p) => ({ partition: p.partition, offset: p.high })).sort((a, b) => a.partition - b.partition);

  it('starts from Postgres, not from a Kafka committed offset that is ahead of it, and applies every event once', async () => {
    const ends = await endOffsets();
    expect(ends.every((p) => Number(p.offset) > 0)).toBe(true);
    const counters = await pollUntil(
      async () => Object.fromEntries((await db.query(`SELECT name, value FROM learner_counters`)).map((r: any) => [r.name, Number(r.value)])),
      (c: Record<string, number>) => (c.applied ?? 0) >= EVENTS,
      { what: `all ${EVENTS} events to be applied` },
    );
    expect(counters).toEqual({ applied: EVENTS });
    const stored = await db.query(`SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $1 ORDER BY partition`, [groupId]);
    expect(stored.map((r: any) => ({ partition: r.partition, offset: String(r.next_offset) }))).toEqual(ends);
    const [{ events }] = await db.query(`SELECT sum(events_seen)::int AS events FROM user_models`);
    expect(events).toBe(EVENTS);
    expect(learner!.fatal).toEqual([]);
  });
});
