import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream } from '../services/drift-watch/src/testing/drift-stream.fixture';
import { DRIFT_TEST_ENV, produceDriftMessages, seedCatalogue, startDriftWatch } from './support/drift-watch';
import { pollUntil } from './support/poll';
import { serviceEnv, TestStack } from './support/test-stack';

const TOPICS = ['feedback', 'exposures'] as const;

/**
 * Postgres holds drift-watch's offsets of record; Kafka's committed offsets only follow them. When something else in
 * the group (a zombie member, a second deployment sharing the group id) has moved Kafka's offsets past what this
 * drift-watch's store holds, drift-watch must seek both topics back to its own offsets instead of silently skipping
 * events.
 *
 * 4 news users × 40 rounds (a served list + a click): 160 exposures and 160 feedback events over 3 partitions.
 */
describe('drift-watch offsets of record', () => {
  const stack = new TestStack(3);
  let db: DataSource;
  let drift: Awaited<ReturnType<typeof startDriftWatch>> | undefined;
  const groupId = `drift-offsets-${stack.id}`;
  const start = Date.parse('2026-03-05T10:00:00Z');
  let total = 0;

  let perTopic: Record<string, number> = {};

  const endOffsets = async (topic: (typeof TOPICS)[number]) =>
    (await stack.admin.fetchTopicOffsets(stack.topic(topic))).map((p) => ({ partition: p.partition, offset: p.high })).sort((a, b) => a.partition - b.partition);

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await seedCatalogue(db, driftCatalogue('news'));
    const messages = interleave([1, 2, 3, 4].map((seed) => userStream({ userId: `user-${seed}`, domain: 'news', rounds: 40, seed, startMs: start, stepMs: 60_000 })));
    total = messages.length;
    perTopic = Object.fromEntries(TOPICS.map((t) => [stack.topic(t), messages.filter((m) => m.topic === t).length]));
    await produceDriftMessages(stack, messages);
    // Another member of the group "consumed" everything: Kafka's committed offsets are at the end of both topics.
    for (const topic of TOPICS) await stack.admin.setOffsets({ groupId, topic: stack.topic(topic), partitions: await endOffsets(topic) });
    drift = await startDriftWatch(serviceEnv(stack, database.url, { ...DRIFT_TEST_ENV, DRIFT_GROUP_ID: groupId, DRIFT_RERANK_ENABLED: 'false' }));
  });

  afterAll(async () => {
    await drift?.app.close();
    await stack.stop();
  });

  it('starts both topics from Postgres, not from Kafka committed offsets that are ahead of it, and applies every message once', async () => {
    // Partitions that received nothing are left out on both sides.
    const ends = Object.fromEntries(await Promise.all(TOPICS.map(async (t) => [stack.topic(t), (await endOffsets(t)).filter((p) => p.offset !== '0')] as const)));
    for (const [topic, partitions] of Object.entries(ends)) expect(partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(perTopic[topic]);
    const stored = async () => {
      const rows: { topic: string; partition: number; next_offset: string }[] = await db.query(
        `SELECT topic, partition, next_offset FROM consumer_offsets WHERE group_id = $1 ORDER BY topic, partition`,
        [groupId],
      );
      const out: Record<string, { partition: number; offset: string }[]> = {};
      for (const r of rows) if (String(r.next_offset) !== '0') (out[r.topic] ??= []).push({ partition: r.partition, offset: String(r.next_offset) });
      return out;
    };
    const committed = await pollUntil(stored, (s) => TOPICS.every((t) => JSON.stringify(s[stack.topic(t)]) === JSON.stringify(ends[stack.topic(t)])), {
      what: 'drift-watch to commit every offset of both topics to Postgres',
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(committed).toEqual(ends);
    // Each applied feedback event and served list is one event of its user: every message was applied exactly once.
    const [{ users, events }] = await db.query(`SELECT count(*)::int AS users, coalesce(sum(events_seen), 0)::int AS events FROM drift_user_state`);
    expect({ users, events }).toEqual({ users: 4, events: total });
    expect(drift!.fatal).toEqual([]);
  });
});
