import { deadLetterV1, feedbackEventV1, type DeadLetterV1, type FeedbackEventV1 } from '@chorus/contracts';
import { decodeUserModelState } from '@chorus/scoring';
import { Partitioners, type Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { DRIFT_TEST_ENV, startDriftWatch } from './support/drift-watch';
import { catalogue, feedbackStream, seededUuid } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/** The user id a test trigger makes Postgres refuse (check_violation) in the learner's and drift-watch's user tables. */
const REFUSED_USER = 'refused-by-postgres';

/**
 * Messages produced straight to chorus.feedback.v1 (bypassing the gateway and its validation) that used to stop the
 * learner or stall drift-watch: each is dead-lettered with a stable code, and the valid events sent after it on the
 * same partition are applied exactly once. One partition, so every message shares the poison's partition.
 */
describe('poison messages on the feedback topic', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let learner: Awaited<ReturnType<typeof startLearner>>;
  let drift: Awaited<ReturnType<typeof startDriftWatch>>;
  const consumers: Consumer[] = [];
  const learnerLetters: DeadLetterV1[] = [];
  const driftLetters: DeadLetterV1[] = [];
  const driftGroup = `drift-poison-${stack.id}`;
  let produced = 0;
  let seed = 100;

  const collect = async (topic: 'feedbackDlq' | 'driftWatchDlq', into: DeadLetterV1[]) => {
    const consumer = stack.kafka.consumer({ groupId: `${topic}-${stack.id}`, sessionTimeout: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: stack.topic(topic), fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void into.push(deadLetterV1.parse(JSON.parse(message.value!.toString()))) });
    consumers.push(consumer);
  };

  /** Sends raw values in one request (one batch for the consumers); returns the offset of each. */
  const produce = async (values: (string | FeedbackEventV1)[]): Promise<number[]> => {
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: stack.topic('feedback'),
      messages: values.map((v) => ({ key: 'k', partition: 0, value: typeof v === 'string' ? v : JSON.stringify(v) })),
    });
    await producer.disconnect();
    const offsets = values.map((_, i) => produced + i);
    produced += values.length;
    return offsets;
  };

  const valid = (count: number, users = 3): FeedbackEventV1[] => feedbackStream(count, { users, items: 20, seed: seed++ }).map((e) => feedbackEventV1.parse(e));
  const counters = async (): Promise<Record<string, number>> =>
    Object.fromEntries((await db.query(`SELECT name, value FROM learner_counters`)).map((r: { name: string; value: string }) => [r.name, Number(r.value)]));
  const eventsSeen = async (): Promise<Record<string, number>> =>
    Object.fromEntries((await db.query(`SELECT user_id, events_seen FROM user_models`)).map((r: { user_id: string; events_seen: number }) => [r.user_id, r.events_seen]));
  const learnerNext = async () => Number((await db.query(`SELECT next_offset FROM consumer_offsets WHERE group_id = $1`, [`learner-${stack.id}`]))[0]?.next_offset ?? 0);
  const driftFeedbackNext = async () =>
    Number((await db.query(`SELECT next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2`, [driftGroup, stack.topic('feedback')]))[0]?.next_offset ?? 0);

  /** Every event applied by the learner exactly once: counters and per-user counts move by exactly what was sent. */
  const expectAppliedOnce = async (before: { applied: number; seen: Record<string, number> }, events: FeedbackEventV1[]) => {
    await pollUntil(learnerNext, (n) => n >= produced, { what: `the learner to commit offset ${produced}` });
    await pollUntil(driftFeedbackNext, (n) => n >= produced, { what: `drift-watch to commit offset ${produced}` });
    expect((await counters()).applied ?? 0).toBe(before.applied + events.length);
    const expected = { ...before.seen };
    for (const e of events) expected[e.userId] = (expected[e.userId] ?? 0) + 1;
    expect(await eventsSeen()).toEqual(expected);
  };
  const snapshotBefore = async () => ({ applied: (await counters()).applied ?? 0, seen: await eventsSeen() });

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    const items = new ItemsRepository(db);
    await items.upsert(catalogue(20));
    // Straight into the table, as a bulk load or an older gateway could: 1e200 squared overflows a double.
    await items.upsert([{ itemId: 'dense-huge', domain: 'movies', categories: { drama: 1 }, features: [1e200] }]);
    // A constraint the message's value violates, as Postgres reports it (SQLSTATE 23514), on both services' user rows.
    await db.query(`
      CREATE FUNCTION refuse_test_user() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.user_id = '${REFUSED_USER}' THEN RAISE EXCEPTION 'test constraint: user % is refused', NEW.user_id USING ERRCODE = 'check_violation'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_test_user BEFORE INSERT OR UPDATE ON user_models FOR EACH ROW EXECUTE FUNCTION refuse_test_user();
      CREATE TRIGGER refuse_test_user BEFORE INSERT OR UPDATE ON drift_user_state FOR EACH ROW EXECUTE FUNCTION refuse_test_user();`);
    await collect('feedbackDlq', learnerLetters);
    await collect('driftWatchDlq', driftLetters);
    const env = serviceEnv(stack, database.url, { LEARNER_FLUSH_INTERVAL_MS: '100', ...DRIFT_TEST_ENV, DRIFT_GROUP_ID: driftGroup, DRIFT_RERANK_ENABLED: 'false' });
    learner = await startLearner(env);
    drift = await startDriftWatch(env);
  });

  afterAll(async () => {
    for (const consumer of consumers) await consumer.disconnect();
    await learner?.app.close();
    await drift?.app.close();
    await stack.stop();
  });

  const letterAt = (letters: DeadLetterV1[], offset: number) =>
    pollUntil(async () => letters.find((l) => l.source.offset === String(offset)), (l) => l !== undefined, { what: `a dead letter for offset ${offset}` });

  it('dead-letters a userId holding U+0000 and applies the events after it once; drift-watch keeps flowing', async () => {
    const before = await snapshotBefore();
    const [first, ...after] = valid(4);
    const poison = { ...valid(1)[0]!, userId: 'nul\u0000user' };
    const [, poisonAt] = await produce([first!, JSON.stringify(poison), ...after]);

    // FEEDBACK.INVALID once the contract refuses NUL at the edge; FEEDBACK.UNSTORABLE where only Postgres refuses it.
    expect(['FEEDBACK.INVALID', 'FEEDBACK.UNSTORABLE']).toContain((await letterAt(learnerLetters, poisonAt!))!.code);
    expect(['DRIFT.INVALID_FEEDBACK', 'DRIFT.UNSTORABLE']).toContain((await letterAt(driftLetters, poisonAt!))!.code);
    await expectAppliedOnce(before, [first!, ...after]);
    expect(learner.fatal).toEqual([]);
    expect(drift.fatal).toEqual([]);
  });

  it('dead-letters raw events whose type is "constructor", "__proto__" or "toString" and applies the rest once', async () => {
    const before = await snapshotBefore();
    const events = valid(3);
    const types = ['constructor', '__proto__', 'toString'];
    const raw = types.map((type, i) => `{"eventId":"${seededUuid(`type-${i}`)}","userId":"u-1","occurredAt":"2026-01-01T00:00:00Z","domain":"movies","type":"${type}","itemId":"item-1"}`);
    const offsets = await produce([events[0]!, ...raw, events[1]!, events[2]!]);

    for (const offset of offsets.slice(1, 4)) {
      expect((await letterAt(learnerLetters, offset))!.code).toBe('FEEDBACK.INVALID');
      expect((await letterAt(driftLetters, offset))!.code).toBe('DRIFT.INVALID_FEEDBACK');
    }
    await expectAppliedOnce(before, events);
    expect(learner.fatal).toEqual([]);
    expect(drift.fatal).toEqual([]);
  });

  it('isolates an event Postgres refuses at commit: only it is dead-lettered, the rest of its batch is applied once', async () => {
    const before = await snapshotBefore();
    const events = valid(12, 4);
    const refused = { ...valid(1)[0]!, userId: REFUSED_USER };
    // An invalid message before it in the same batch is dead-lettered on every attempt to apply the batch again: its
    // letter must still reach the topic once (committed with the attempt that succeeds, not sent by each attempt).
    const offsets = await produce([...events.slice(0, 3), 'not json', ...events.slice(3, 6), refused, ...events.slice(6)]);
    const [invalidAt, refusedAt] = [offsets[3]!, offsets[7]!];

    const letter = await letterAt(learnerLetters, refusedAt);
    expect(letter!.code).toBe('FEEDBACK.UNSTORABLE');
    expect(letter!.reason).toContain('23514');
    expect((await letterAt(driftLetters, refusedAt))!.code).toBe('DRIFT.UNSTORABLE');
    await expectAppliedOnce(before, events);
    // Letters of one partition are relayed in offset order: the invalid message's are all in by now.
    for (const letters of [learnerLetters, driftLetters]) {
      expect(letters.filter((l) => l.source.offset === String(refusedAt))).toHaveLength(1);
      expect(letters.filter((l) => l.source.offset === String(invalidAt)).map((l) => l.code)).toEqual([expect.stringMatching(/^(FEEDBACK\.INVALID|DRIFT\.INVALID_FEEDBACK)$/)]);
    }
    // Counted per code once per letter that reached the topic, not once per attempt (what the console's overview reads).
    for (const [group, letters] of [[`learner-${stack.id}`, learnerLetters], [driftGroup, driftLetters]] as const) {
      const tally: Record<string, number> = {};
      for (const l of letters) tally[l.code] = (tally[l.code] ?? 0) + 1;
      const counted: { code: string; count: number }[] = await db.query(`SELECT code, count::int FROM dead_letter_counts WHERE group_id = $1`, [group]);
      expect(Object.fromEntries(counted.map((c) => [c.code, c.count]))).toEqual(tally);
    }
    expect(learner.fatal).toEqual([]);
    expect(drift.fatal).toEqual([]);
  });

  it('refuses an update that would make the posterior non-finite (a dense feature of 1e200), leaving the model unchanged', async () => {
    const before = await snapshotBefore();
    const [a, b] = valid(2);
    const onHuge = { eventId: seededUuid('dense-once'), userId: a!.userId, occurredAt: a!.occurredAt, domain: 'movies', type: 'click', itemId: 'dense-huge' };
    const again = { ...onHuge, eventId: seededUuid('dense-again'), type: 'skip' };
    const offsets = await produce([a!, JSON.stringify(onHuge), b!, JSON.stringify(again)]);

    for (const offset of [offsets[1]!, offsets[3]!]) expect((await letterAt(learnerLetters, offset))!.code).toBe('FEEDBACK.NON_FINITE_UPDATE');
    await expectAppliedOnce(before, [a!, b!]);
    // Had either refused event been learned, its feature would have a posterior entry.
    const shards: { state: Record<string, [number, number]> }[] = await db.query(`SELECT state FROM aggregate_shards`);
    const users = ((await db.query(`SELECT state FROM user_models`)) as { state: Buffer }[]).map((row) => ({ state: decodeUserModelState(row.state) }));
    expect(users.length).toBeGreaterThan(0);
    for (const s of shards) expect(Object.keys(s.state)).not.toContain('dense:0');
    for (const u of users) expect(Object.keys(u.state.weights)).not.toContain('dense:0');
    for (const u of users) for (const [m, v] of Object.values(u.state.weights)) expect(Number.isFinite(m) && Number.isFinite(v)).toBe(true);
    expect(learner.fatal).toEqual([]);
    expect(drift.fatal).toEqual([]);
  });
});
