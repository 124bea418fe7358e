import { DEAD_LETTER_VALUE_MAX_CHARS, deadLetterV1, feedbackEventV1, type DeadLetterV1 } from '@chorus/contracts';
import { sendBounded } from '@chorus/platform';
import { Partitioners, type Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { catalogue, feedbackStream } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/** A poison message lands in the DLQ with its reason, and the partition keeps flowing. */
describe('dead-letter queue', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let learner: Awaited<ReturnType<typeof startLearner>>;
  let dlq: Consumer;
  const letters: DeadLetterV1[] = [];

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await new ItemsRepository(db).upsert(catalogue(20));
    await new ItemsRepository(db).upsert([{ itemId: 'news-1', domain: 'news', categories: { politics: 1 } }]);
    learner = await startLearner(serviceEnv(stack, database.url, { LEARNER_FLUSH_INTERVAL_MS: '100' }));
    dlq = stack.kafka.consumer({ groupId: `dlq-${stack.id}`, sessionTimeout: 10_000 });
    await dlq.connect();
    await dlq.subscribe({ topic: stack.topic('feedbackDlq'), fromBeginning: true });
    await dlq.run({ eachMessage: async ({ message }) => void letters.push(deadLetterV1.parse(JSON.parse(message.value!.toString()))) });
  });

  afterAll(async () => {
    await dlq?.disconnect();
    await learner?.app.close();
    await stack.stop();
  });

  it('dead-letters invalid and unprocessable events with the reason and applies the valid ones after them', async () => {
    const [first, second, third] = feedbackStream(3, { users: 1, items: 20, seed: 3 }).map((e) => feedbackEventV1.parse(e));
    const unknownItem = { eventId: '9e1d7f44-6a53-4c43-9f0b-2d1b3a2c9a10', userId: 'u-9', occurredAt: '2026-01-01T00:00:00Z', domain: 'movies', type: 'click', itemId: 'no-such-item' };
    const wrongDomain = { ...unknownItem, itemId: 'news-1', eventId: '9e1d7f44-6a53-4c43-9f0b-2d1b3a2c9a11' };
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: stack.topic('feedback'),
      messages: [
        { key: first!.userId, value: JSON.stringify(first) },
        { key: 'x', value: '\u0000\u0001 definitely not json' },
        { key: 'x', value: JSON.stringify({ ...second, value: 'five' }) },
        { key: 'x', value: JSON.stringify(unknownItem) },
        { key: 'x', value: JSON.stringify(wrongDomain) },
        { key: 'x', value: null },
        { key: second!.userId, value: JSON.stringify(second) },
        { key: third!.userId, value: JSON.stringify(third) },
      ],
    });
    await producer.disconnect();

    await pollUntil(async () => letters.length, (n) => n >= 5, { what: 'five dead letters' });
    expect(letters.map((l) => [l.source.offset, l.code])).toEqual([
      ['1', 'FEEDBACK.INVALID'],
      ['2', 'FEEDBACK.INVALID'],
      ['3', 'FEEDBACK.UNKNOWN_ITEM'],
      ['4', 'FEEDBACK.DOMAIN_MISMATCH'],
      ['5', 'FEEDBACK.INVALID'],
    ]);
    expect(letters[0]!.issues![0]!.message).toContain('not valid JSON');
    expect(letters[0]!.value).toBe('\u0000\u0001 definitely not json');
    expect(letters[2]!.reason).toContain('PUT /v1/items/no-such-item');
    expect(letters[4]!.issues![0]!.message).toContain('empty message');

    const counters = await pollUntil(
      async () => Object.fromEntries((await db.query(`SELECT name, value FROM learner_counters`)).map((r: any) => [r.name, Number(r.value)])),
      (c: Record<string, number>) => c.applied === 3,
      { what: 'the three valid events to be applied' },
    );
    expect(counters).toEqual({ applied: 3, dead_lettered: 5 });
    // Counted per code by the transport's outbox, in the same commits (what the console's overview reads), once.
    expect(await db.query(`SELECT group_id, code, count::int FROM dead_letter_counts ORDER BY code`)).toEqual([
      { group_id: `learner-${stack.id}`, code: 'FEEDBACK.DOMAIN_MISMATCH', count: 1 },
      { group_id: `learner-${stack.id}`, code: 'FEEDBACK.INVALID', count: 3 },
      { group_id: `learner-${stack.id}`, code: 'FEEDBACK.UNKNOWN_ITEM', count: 1 },
    ]);
    const [offset] = await db.query(`SELECT next_offset FROM consumer_offsets`);
    expect(Number(offset.next_offset)).toBe(8);
    // Relayed letters leave the transactional outbox.
    await pollUntil(() => db.query(`SELECT count(*)::int AS n FROM dead_letter_outbox`), (rows: any[]) => rows[0].n === 0, { what: 'an empty outbox' });
    expect(learner.fatal).toEqual([]);
  });

  it('relays a burst of dead letters larger than one produce request, and cuts a huge poison message', async () => {
    // 700 letters of ~2 kB are ~1.6 MB: one produce request to the DLQ would be refused (1 MiB per partition batch)
    // on every retry, and the outbox would never drain. The 900 kB message is accepted by the source topic; its
    // letter carries the first DEAD_LETTER_VALUE_MAX_CHARS characters and the original length.
    const before = letters.length;
    const burst = Array.from({ length: 700 }, (_, i) => ({ key: 'burst', value: `not json ${String(i).padStart(3, '0')} ${'#'.repeat(1990)}` }));
    const huge = { key: 'burst', value: `not json ${'#'.repeat(900_000)}` };
    const [valid] = feedbackStream(1, { users: 1, items: 20, seed: 4 }).map((e) => feedbackEventV1.parse(e));
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await sendBounded(producer, stack.topic('feedback'), [...burst, huge, { key: valid!.userId, value: JSON.stringify(valid) }]);
    await producer.disconnect();

    await pollUntil(async () => letters.length - before, (n) => n >= 701, { what: '701 dead letters', timeoutMs: 60_000 });
    const relayed = letters.slice(before);
    expect(relayed.map((l) => l.value!.slice(0, 12))).toEqual([...burst.map((m) => m.value.slice(0, 12)), 'not json ###']);
    expect(relayed.every((l) => l.code === 'FEEDBACK.INVALID')).toBe(true);
    expect(relayed[700]!.value).toHaveLength(DEAD_LETTER_VALUE_MAX_CHARS);
    expect(relayed[700]!.valueLength).toBe(huge.value.length);
    expect(relayed[699]!.valueLength).toBeUndefined();

    await pollUntil(
      async () => Object.fromEntries((await db.query(`SELECT name, value FROM learner_counters`)).map((r: any) => [r.name, Number(r.value)])),
      (c: Record<string, number>) => c.applied === 4,
      { what: 'the valid event after the burst to be applied' },
    );
    await pollUntil(() => db.query(`SELECT count(*)::int AS n FROM dead_letter_outbox`), (rows: any[]) => rows[0].n === 0, { what: 'an empty outbox' });
    expect(learner.fatal).toEqual([]);
  });
});
