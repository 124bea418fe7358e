import { Partitioners, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { catalogue, seededUuid } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Each commit appends a row of the user's new interactions (user_item_batches). With a commit whenever the learner
 * catches up, a user who acts often would collect a row per event; LEARNER_INTERACTION_ROWS_PER_USER bounds that by
 * merging the user's rows in the commit that reaches it, without losing or duplicating an item.
 */
describe('learner interaction rows', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let producer: Producer;
  let learner: Awaited<ReturnType<typeof startLearner>> | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await new ItemsRepository(db).upsert(catalogue(10));
    env = serviceEnv(stack, database.url, { LEARNER_FLUSH_IDLE_MS: '0', LEARNER_INTERACTION_ROWS_PER_USER: '3' });
    learner = await startLearner(env);
    producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await learner?.app.close();
    await stack.stop();
  });

  const applied = async () => Number((await db.query(`SELECT coalesce(sum(value), 0)::int AS n FROM learner_counters WHERE name = 'applied'`))[0].n);
  const rows = async () => Number((await db.query(`SELECT count(*)::int AS n FROM user_item_batches WHERE user_id = 'dan'`))[0].n);

  let sent = 0;
  /** Sends one click per item, each committed before the next; the user's row count after each commit. */
  const clicks = async (items: string[]): Promise<number[]> => {
    const counts: number[] = [];
    for (const itemId of items) {
      const k = sent++;
      const event = { eventId: seededUuid(`rows:${k}`), userId: 'dan', occurredAt: '2026-01-01T00:00:00Z', domain: 'movies', type: 'click', itemId };
      await producer.send({ topic: stack.topic('feedback'), messages: [{ key: 'dan', value: JSON.stringify(event) }] });
      await pollUntil(applied, (n) => n === k + 1, { what: `event ${k + 1} to be committed` });
      counts.push(await rows());
    }
    return counts;
  };

  it('keeps a user\'s interactions in a bounded number of rows, each item once after a merge', async () => {
    // Rows 1, 2, then the third commit merges into 1; 2, then merge; 2, then merge.
    expect(await clicks(['item-0', 'item-1', 'item-0', 'item-2', 'item-3', 'item-1', 'item-4'])).toEqual([1, 2, 1, 2, 1, 2, 1]);
    const [merged] = await db.query(`SELECT item_ids FROM user_item_batches WHERE user_id = 'dan'`);
    expect(merged.item_ids).toEqual(['item-0', 'item-1', 'item-2', 'item-3', 'item-4']);
    const seen = await db.query(`SELECT item_id FROM user_items WHERE user_id = 'dan' ORDER BY item_id`);
    expect(seen.map((r: { item_id: string }) => r.item_id)).toEqual(['item-0', 'item-1', 'item-2', 'item-3', 'item-4']);
    expect(learner!.fatal).toEqual([]);
  });

  it('counts the rows a user already has after a restart, so the bound holds across restarts', async () => {
    await learner!.app.close();
    learner = await startLearner(env);
    await clicks(['item-5']); // 2 rows, as loaded from Postgres (1) plus this commit's
    // Counting from 0 after the restart, the learner would let the rows reach 3 before merging: 2, 3, 1.
    expect(await clicks(['item-6', 'item-7'])).toEqual([1, 2]);
    expect(learner!.fatal).toEqual([]);
  });
});
