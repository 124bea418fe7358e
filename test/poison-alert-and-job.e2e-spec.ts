import { deadLetterV1, WEBHOOK_DELIVERY_JOB, WEBHOOK_DELIVERY_QUEUE, type DeadLetterV1 } from '@chorus/contracts';
import { RERANK_JOB, RERANK_QUEUE } from '@chorus/platform';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededUuid } from './support/feedback-factory';
import { AlertProducer, driftAlert, dropQueueKeys, notifierEnv, queuePrefix, startNotifier, WebhookReceiver } from './support/notifier';
import { pollUntil } from './support/poll';
import { startReranker } from './support/reranker';
import { serviceEnv, TestStack } from './support/test-stack';

/** The subject a test trigger makes Postgres refuse (check_violation) in the notifier's alert table. */
const REFUSED_SUBJECT = 'refused-by-postgres';
/** Job names an untrusted producer could use to reach a plain object's prototype. */
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString'];

/**
 * Poison on the notifier's alert topic and on both BullMQ queues: each message or job fails alone, with its reason,
 * and the consumer or worker goes on with the next (on the real Kafka, Postgres and Redis).
 */
describe('poison alerts and jobs', () => {
  const stack = new TestStack(1);
  const receiver = new WebhookReceiver().on('/ok', () => 200);
  const alerts = new AlertProducer(stack);
  const letters: DeadLetterV1[] = [];
  const rerankPrefix = `t${stack.id}`;
  let db: DataSource;
  let key: string;
  let dlq: Consumer;
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  let reranker: Awaited<ReturnType<typeof startReranker>>;
  const queues: Queue[] = [];

  const rawQueue = (name: string, prefix: string) => {
    const queue = new Queue(name, { connection: new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 }), prefix });
    queues.push(queue);
    return queue;
  };
  /** The job once it has finished (completed or failed). */
  const finished = (queue: Queue, id: string) =>
    pollUntil(
      async () => {
        // The state first: once it reads failed, the job read after it holds its failedReason (one Lua script sets both).
        const state = await queue.getJobState(id);
        const job = await queue.getJob(id);
        return { state, attemptsStarted: job!.attemptsStarted, failedReason: job!.failedReason };
      },
      (j) => j.state === 'completed' || j.state === 'failed',
      { what: `job ${id} to finish` },
    );
  const deliveredTo = (subject: string) =>
    pollUntil(async () => receiver.hits('/ok').filter((r) => r.rawBody.toString().includes(`"subject":"${subject}"`)).length, (n) => n === 1, { what: `the alert on ${subject} delivered` });

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await receiver.start();
    await db.query(`
      CREATE FUNCTION refuse_test_subject() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.subject = '${REFUSED_SUBJECT}' THEN RAISE EXCEPTION 'test constraint: subject % is refused', NEW.subject USING ERRCODE = 'check_violation'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_test_subject BEFORE INSERT ON notifier_alerts FOR EACH ROW EXECUTE FUNCTION refuse_test_subject();`);
    const base = serviceEnv(stack, database.url, { RERANK_QUEUE_PREFIX: rerankPrefix });
    notifier = await startNotifier(notifierEnv(stack, base, { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }));
    reranker = await startReranker(base);
    key = await stack.apiKey(db, ['subscriber'], 'team-poison');
    const created = await fetch(`${notifier.url}/v1/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ url: `${receiver.url}/ok`, filters: { scopes: ['user'] } }),
    });
    expect(created.status).toBe(201);
    await alerts.connect();
    dlq = stack.kafka.consumer({ groupId: `notifier-dlq-${stack.id}`, sessionTimeout: 10_000 });
    await dlq.connect();
    await dlq.subscribe({ topic: stack.topic('notifierDlq'), fromBeginning: true });
    await dlq.run({ eachMessage: async ({ message }) => void letters.push(deadLetterV1.parse(JSON.parse(message.value!.toString()))) });
  });

  afterAll(async () => {
    for (const queue of queues) {
      await queue.close();
      await (await queue.client).quit().catch(() => undefined);
    }
    await dlq?.disconnect();
    await alerts.disconnect();
    await notifier?.app.close();
    await reranker?.app.close();
    await receiver.stop();
    await dropQueueKeys(stack);
    const redis = new Redis('redis://127.0.0.1:6379');
    for (const k of await redis.keys(`${rerankPrefix}:*`)) await redis.del(k);
    await redis.quit();
    await stack.stop();
  });

  it('dead-letters an alert Postgres refuses, and one with U+0000 in its subject, and stores and delivers the next', async () => {
    const refused = driftAlert(1, { subject: REFUSED_SUBJECT });
    const nul = JSON.stringify({ ...driftAlert(2), subject: 'user-\u0000' });
    const after = driftAlert(3, { subject: 'user-after' });
    await alerts.send([refused, { raw: nul, key: 'x' }, after]);

    await pollUntil(async () => letters.length, (n) => n >= 2, { what: 'two dead letters' });
    expect(letters[0]).toMatchObject({ code: 'ALERT.UNSTORABLE', source: { offset: '0' } });
    expect(letters[0]!.reason).toContain('23514');
    // ALERT.INVALID once the contract refuses NUL; ALERT.UNSTORABLE where only Postgres refuses it.
    expect(['ALERT.INVALID', 'ALERT.UNSTORABLE']).toContain(letters[1]!.code);
    expect(letters[1]!.source.offset).toBe('1');
    await deliveredTo('user-after');
    const stored: { subject: string }[] = await db.query(`SELECT subject FROM notifier_alerts ORDER BY seq`);
    expect(stored.map((a) => a.subject)).toEqual(['user-after']);
    expect(notifier.fatal).toEqual([]);
  });

  it('fails webhook jobs named after prototype members, or with a malformed payload, at once with the reason; the worker goes on', async () => {
    const queue = rawQueue(WEBHOOK_DELIVERY_QUEUE, queuePrefix(stack));
    const options = { attempts: 3, backoff: { type: 'fixed', delay: 100 } };
    const named = await Promise.all(PROTOTYPE_NAMES.map((name, i) => queue.add(name, { deliveryId: seededUuid(`webhook-${i}`) }, options)));
    const malformed = await queue.add(WEBHOOK_DELIVERY_JOB, { deliveryId: 'not-a-uuid' }, options);
    for (const job of named) {
      const done = await finished(queue, job.id!);
      expect(done).toMatchObject({ state: 'failed', attemptsStarted: 1 });
      expect(done.failedReason).toContain('WEBHOOK.UNKNOWN_JOB');
    }
    const done = await finished(queue, malformed.id!);
    expect(done).toMatchObject({ state: 'failed', attemptsStarted: 1 });
    expect(done.failedReason).toContain('WEBHOOK.INVALID_JOB');
    expect(done.failedReason).toContain('deliveryId');

    await alerts.send([driftAlert(4, { subject: 'user-after-jobs' })]);
    await deliveredTo('user-after-jobs');
  });

  it('fails rerank jobs named after prototype members at once with the reason; the worker goes on', async () => {
    const queue = rawQueue(RERANK_QUEUE, rerankPrefix);
    const payload = { scope: 'user', domain: 'movies', userIds: ['nobody'], reason: { kind: 'manual' } };
    const named = await Promise.all(PROTOTYPE_NAMES.map((name) => queue.add(name, payload, { attempts: 3, backoff: { type: 'fixed', delay: 100 } })));
    for (const job of named) {
      const done = await finished(queue, job.id!);
      expect(done).toMatchObject({ state: 'failed', attemptsStarted: 1 });
      expect(done.failedReason).toContain('RERANK.UNKNOWN_JOB');
    }
    const valid = await queue.add(RERANK_JOB.user, payload);
    expect(await finished(queue, valid.id!)).toMatchObject({ state: 'completed' });
  });
});
