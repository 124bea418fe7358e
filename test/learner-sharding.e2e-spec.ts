import { feedbackEventV1 } from '@chorus/contracts';
import { Partitioners } from 'kafkajs';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { catalogue, feedbackStream } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

const TOTAL = 8_000;

const committed = async (db: DataSource) => Number((await db.query(`SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM consumer_offsets`))[0].n);
const state = async (db: DataSource) => ({
  users: await db.query(`SELECT user_id, domain, state::text AS state, events_seen FROM user_models ORDER BY user_id, domain`),
  shards: await db.query(`SELECT domain, shard, state::text AS state, events_seen FROM aggregate_shards ORDER BY domain, shard`),
  counters: await db.query(`SELECT name, value FROM learner_counters ORDER BY name`),
});

/**
 * The aggregate is one posterior per partition, so how many learners share the group (and the rebalance when the
 * second joins mid-stream) changes nothing: two instances end in exactly the state one instance reaches.
 */
describe('learner instances in one group', () => {
  const stack = new TestStack(4);
  const learners: Awaited<ReturnType<typeof startLearner>>[] = [];
  let single: DataSource;
  let shared: DataSource;
  let sharedUrl: string;

  beforeAll(async () => {
    await stack.start();
    const one = await stack.database('one');
    const two = await stack.database('two');
    single = one.db;
    shared = two.db;
    sharedUrl = two.url;
    for (const db of [single, shared]) await new ItemsRepository(db).upsert(catalogue(100));
    learners.push(await startLearner(serviceEnv(stack, one.url, { LEARNER_GROUP_ID: `one-${stack.id}`, LEARNER_FLUSH_EVENTS: '500' })));
    learners.push(await startLearner(serviceEnv(stack, two.url, { LEARNER_GROUP_ID: `two-${stack.id}`, LEARNER_FLUSH_EVENTS: '500' })));
  });

  afterAll(async () => {
    for (const learner of learners) await learner.app.close();
    await stack.stop();
  });

  it('two learners sharing the partitions end in the same state as one learner alone', async () => {
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const events = feedbackStream(TOTAL, { users: 120, items: 100, seed: 9 }).map((e) => feedbackEventV1.parse(e));
    const send = (slice: typeof events) =>
      producer.send({ topic: stack.topic('feedback'), messages: slice.map((e) => ({ key: e.userId, value: JSON.stringify(e) })) });
    await send(events.slice(0, TOTAL / 2));
    // The second instance of group "two" joins mid-stream: partitions move between instances while events flow.
    await pollUntil(() => committed(shared), (n) => n > 0, { what: 'the first instance to commit' });
    learners.push(await startLearner(serviceEnv(stack, sharedUrl, { LEARNER_GROUP_ID: `two-${stack.id}`, LEARNER_FLUSH_EVENTS: '500' })));
    await send(events.slice(TOTAL / 2));
    await producer.disconnect();

    await pollUntil(() => committed(single), (n) => n === TOTAL, { what: 'the single learner to commit every offset', timeoutMs: 90_000 });
    await pollUntil(() => committed(shared), (n) => n === TOTAL, { what: 'the pair to commit every offset', timeoutMs: 90_000 });
    const [alone, pair] = await Promise.all([state(single), state(shared)]);
    expect(alone.counters).toEqual([{ name: 'applied', value: String(TOTAL) }]);
    expect(pair.counters).toEqual(alone.counters);
    expect(pair.shards).toEqual(alone.shards);
    expect(pair.users).toEqual(alone.users);
    for (const learner of learners) expect(learner.fatal).toEqual([]);
    // Both instances of the pair really did share the work.
    const applied = async (learner: (typeof learners)[number]) => {
      const text = await learner.app.get(Registry).metrics();
      return Number(/learner_events_total\{outcome="applied"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const [first, second] = [await applied(learners[1]!), await applied(learners[2]!)];
    expect(second).toBeGreaterThan(0);
    expect(first + second).toBeGreaterThanOrEqual(TOTAL);
  });
});
