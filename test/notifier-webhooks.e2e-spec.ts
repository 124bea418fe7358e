import { deadLetterV1, verifyChorusSignature, WEBHOOK_DELIVERY_QUEUE, type DeadLetterV1 } from '@chorus/contracts';
import type { Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsRepository } from '../services/notifier/src/persistence/alerts.repository';
import { AlertProducer, driftAlert, dropQueueKeys, notifierEnv, startNotifier, WebhookReceiver, type ReceivedRequest } from './support/notifier';
import { pollUntil } from './support/poll';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Drift alerts produced to Kafka reach webhook receivers — a real local HTTP server — signed, retried with backoff,
 * dead after the configured attempts, and never twice, on the real Kafka, Postgres and Redis.
 */
describe('notifier: signed webhook deliveries', () => {
  const stack = new TestStack(3);
  const receiver = new WebhookReceiver()
    .on('/ok', () => 200)
    .on('/flaky', (n) => (n === 0 ? 500 : n === 1 ? 503 : 200))
    .on('/down', () => 500)
    .on('/critical', () => 204);
  const alerts = new AlertProducer(stack);
  let db: DataSource;
  let env: NodeJS.ProcessEnv;
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  let key: string;
  let dlq: Consumer;
  const letters: DeadLetterV1[] = [];
  const subs: Record<string, { id: string; secret: string }> = {};

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${notifier.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as any };
  };
  const deliveries = async (name: string) => (await call('GET', `/v1/subscriptions/${subs[name]!.id}/deliveries`)).body.deliveries as any[];
  const verify = (name: string, request: ReceivedRequest) => verifyChorusSignature(subs[name]!.secret, request.headers, request.rawBody);

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await receiver.start();
    env = notifierEnv(stack, serviceEnv(stack, database.url), {
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    });
    notifier = await startNotifier(env);
    key = await stack.apiKey(db, ['subscriber'], 'team-webhooks');
    const create = async (name: string, path: string, filters: Record<string, unknown>) => {
      const created = await call('POST', '/v1/subscriptions', { url: `${receiver.url}${path}`, description: name, filters });
      expect(created.status).toBe(201);
      subs[name] = { id: created.body.id, secret: created.body.secret };
    };
    await create('ok', '/ok', { subjects: ['user-ok'] });
    await create('flaky', '/flaky', { subjects: ['user-flaky'] });
    await create('down', '/down', { subjects: ['user-down'] });
    await create('critical', '/critical', { severities: ['critical'], domains: ['news'], metrics: ['miscalibration'] });
    await alerts.connect();
    dlq = stack.kafka.consumer({ groupId: `notifier-dlq-${stack.id}`, sessionTimeout: 10_000 });
    await dlq.connect();
    await dlq.subscribe({ topic: stack.topic('notifierDlq'), fromBeginning: true });
    await dlq.run({ eachMessage: async ({ message }) => void letters.push(deadLetterV1.parse(JSON.parse(message.value!.toString()))) });
  });

  afterAll(async () => {
    await dlq?.disconnect();
    await alerts.disconnect();
    await notifier?.app.close();
    await receiver.stop();
    await dropQueueKeys(stack);
    await stack.stop();
  });

  it('delivers an alert to the matching webhook with a valid signature, and to no other', async () => {
    const alert = driftAlert(1, { subject: 'user-ok' });
    await alerts.send([alert]);
    const [request] = await pollUntil(async () => receiver.hits('/ok'), (r) => r.length >= 1, { what: 'the alert at /ok' });

    expect(verify('ok', request!)).toMatchObject({ ok: true });
    // The signature binds this exact body to this secret: another secret or a changed byte fails.
    expect(verifyChorusSignature(subs.flaky!.secret, request!.headers, request!.rawBody)).toMatchObject({ ok: false, reason: 'MISMATCH' });
    expect(verifyChorusSignature(subs.ok!.secret, request!.headers, Buffer.concat([request!.rawBody, Buffer.from(' ')]))).toMatchObject({ ok: false, reason: 'MISMATCH' });
    expect(request!.headers['chorus-signature']).toMatch(/^t=\d{10},v2=[0-9a-f]{64}$/);
    expect(request!.headers['chorus-event']).toBe('drift-alert');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.rawBody.toString())).toEqual(alert);

    const log = await pollUntil(() => deliveries('ok'), (d) => d[0]?.status === 'succeeded', { what: 'the delivery marked succeeded' });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ event: 'drift-alert', alertId: alert.alertId, status: 'succeeded', attempts: 1, lastStatusCode: 200, lastError: null });
    expect(request!.headers['chorus-delivery-id']).toBe(log[0].id);
    expect(receiver.hits('/flaky').length + receiver.hits('/down').length + receiver.hits('/critical').length).toBe(0);
  });

  it('retries a receiver that fails twice and records exactly one successful delivery', async () => {
    const alert = driftAlert(2, { subject: 'user-flaky' });
    await alerts.send([alert]);
    const log = await pollUntil(() => deliveries('flaky'), (d) => d[0]?.status === 'succeeded', { what: 'the flaky delivery to succeed', timeoutMs: 20_000 });

    const hits = receiver.hits('/flaky');
    expect(hits.map((h) => h.status)).toEqual([500, 503, 200]);
    // One delivery, three attempts: the same id and body each time, each freshly signed and valid.
    expect(new Set(hits.map((h) => h.headers['chorus-delivery-id']))).toEqual(new Set([log[0].id]));
    expect(hits.map((h) => h.headers['chorus-attempt'])).toEqual(['1', '2', '3']);
    for (const hit of hits) {
      expect(verify('flaky', hit)).toMatchObject({ ok: true });
      expect(JSON.parse(hit.rawBody.toString())).toEqual(alert);
    }
    // Backoff: the second retry waited about twice as long as the first (50 ms, then 100 ms, no jitter here).
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(45);
    expect(hits[2]!.at - hits[1]!.at).toBeGreaterThanOrEqual(95);

    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status: 'succeeded', attempts: 3, lastStatusCode: 200, lastError: null });
    expect(log[0].attemptLog.map((a: any) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 503], [3, 200]]);
    expect(log[0].attemptLog[0].error).toContain('HTTP 500');
  });

  it('marks a delivery dead after the configured attempts, keeping the last error', async () => {
    const alert = driftAlert(3, { subject: 'user-down' });
    await alerts.send([alert]);
    const log = await pollUntil(() => deliveries('down'), (d) => d[0]?.status === 'dead', { what: 'the delivery to be dead', timeoutMs: 20_000 });

    expect(receiver.hits('/down')).toHaveLength(4); // NOTIFIER_WEBHOOK_MAX_ATTEMPTS
    expect(log[0]).toMatchObject({ status: 'dead', attempts: 4, maxAttempts: 4, lastStatusCode: 500, nextAttemptAt: null });
    expect(log[0].lastError).toBe('HTTP 500: receiver says no (500) to request #3');
    expect(log[0].completedAt).not.toBeNull();
    expect(log[0].attemptLog).toHaveLength(4);
    const job = await notifier.queue.queue.getJob(`alert.${subs.down!.id}.${alert.alertId}`);
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(4);
  });

  it('delivers by every filter field: severity, domain and metric must all match', async () => {
    await alerts.send([
      driftAlert(4, { subject: 'user-news', domain: 'news', metric: 'miscalibration', severity: 'warning' }),
      driftAlert(5, { subject: 'user-news', domain: 'movies', metric: 'miscalibration', severity: 'critical' }),
      driftAlert(6, { subject: 'user-news', domain: 'news', metric: 'exposure-entropy', severity: 'critical' }),
      driftAlert(7, { subject: 'user-news', domain: 'news', metric: 'miscalibration', severity: 'critical' }),
    ]);
    const hits = await pollUntil(async () => receiver.hits('/critical'), (r) => r.length >= 1, { what: 'the critical alert' });
    expect(JSON.parse(hits[0]!.rawBody.toString()).alertId).toBe(driftAlert(7, { subject: 'user-news', domain: 'news', metric: 'miscalibration', severity: 'critical' }).alertId);
    const stored = await pollUntil(async () => Number((await db.query(`SELECT count(*) AS n FROM notifier_alerts`))[0].n), (n) => n === 7, { what: 'all 7 alerts stored' });
    expect(stored).toBe(7);
    expect(await deliveries('critical')).toHaveLength(1);
  });

  it('sends a signed test ping through the same pipeline', async () => {
    const ping = await call('POST', `/v1/subscriptions/${subs.ok!.id}/ping`);
    expect(ping).toMatchObject({ status: 202, body: { status: 'pending' } });
    const hit = await pollUntil(async () => receiver.hits('/ok').find((r) => r.headers['chorus-event'] === 'ping'), (r) => r !== undefined, { what: 'the ping' });
    expect(verify('ok', hit!)).toMatchObject({ ok: true });
    expect(hit!.headers['chorus-delivery-id']).toBe(ping.body.deliveryId);
    expect(JSON.parse(hit!.rawBody.toString())).toMatchObject({ type: 'ping', deliveryId: ping.body.deliveryId, subscriptionId: subs.ok!.id });
    const log = await pollUntil(() => deliveries('ok'), (d) => d.some((x) => x.event === 'ping' && x.status === 'succeeded'), { what: 'the ping in the log' });
    expect(log.find((x) => x.event === 'ping')).toMatchObject({ id: ping.body.deliveryId, alertId: null, attempts: 1 });
  });

  it('dead-letters an invalid alert with the reason and keeps delivering the valid ones after it', async () => {
    await alerts.send([{ raw: '{"alertId":"nope"}', key: 'bad' }, { raw: 'not json', key: 'bad' }]);
    const after = driftAlert(8, { subject: 'user-ok' });
    await alerts.send([after]);
    await pollUntil(async () => letters.length, (n) => n >= 2, { what: 'two dead letters' });
    expect(letters.map((l) => l.code)).toEqual(['ALERT.INVALID', 'ALERT.INVALID']);
    expect(letters[0]!.issues!.map((i) => i.path)).toEqual(expect.arrayContaining(['alertId', 'scope', 'metric']));
    expect(letters[1]!.issues![0]!.message).toContain('not valid JSON');
    expect(letters[0]!.source.topic).toBe(stack.topic('driftAlerts'));
    await pollUntil(async () => receiver.hits('/ok').filter((r) => r.headers['chorus-event'] === 'drift-alert').length, (n) => n === 2, { what: 'the valid alert after the invalid ones' });
  });

  it('delivers each alert at most once per subscription, even when the consumer replays the whole topic', async () => {
    const before = {
      requests: receiver.requests.length,
      deliveries: Number((await db.query(`SELECT count(*) AS n FROM alert_deliveries`))[0].n),
      alerts: Number((await db.query(`SELECT count(*) AS n FROM notifier_alerts`))[0].n),
    };
    // A duplicate message (drift-watch re-publishing after a crash) ...
    await alerts.send([driftAlert(1, { subject: 'user-ok' })]);
    // ... and a full replay: a new notifier whose consumer group starts over from offset 0.
    await notifier.app.close();
    await stack.admin.resetOffsets({ groupId: env.NOTIFIER_GROUP_ID!, topic: stack.topic('driftAlerts'), earliest: true });
    notifier = await startNotifier(env);
    const marker = driftAlert(9, { subject: 'user-ok' });
    await alerts.send([marker]);
    // The marker comes after everything replayed in its partition; once it is delivered, the replay has been consumed.
    await pollUntil(async () => receiver.hits('/ok').some((r) => JSON.parse(r.rawBody.toString()).alertId === marker.alertId), Boolean, { what: 'the marker alert', timeoutMs: 30_000 });
    const topic = stack.topic('driftAlerts');
    const ends = new Map((await stack.admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    await pollUntil(
      async () => (await stack.admin.fetchOffsets({ groupId: env.NOTIFIER_GROUP_ID!, topics: [topic] }))[0]!.partitions,
      (partitions) => partitions.every((p) => ends.get(p.partition) === 0 || Number(p.offset) >= ends.get(p.partition)!),
      { what: 'every partition consumed again to its end' },
    );

    expect(Number((await db.query(`SELECT count(*) AS n FROM notifier_alerts`))[0].n)).toBe(before.alerts + 1);
    expect(Number((await db.query(`SELECT count(*) AS n FROM alert_deliveries`))[0].n)).toBe(before.deliveries + 1);
    expect(receiver.requests.length).toBe(before.requests + 1);
    const perAlert = await db.query(`SELECT subscription_id, alert_id, count(*)::int AS n FROM alert_deliveries WHERE kind = 'drift-alert' GROUP BY 1, 2 HAVING count(*) > 1`);
    expect(perAlert).toEqual([]);
    expect(notifier.fatal).toEqual([]);
  });

  it('delivers what a crash between the Postgres commit and the enqueue left behind (outbox sweep)', async () => {
    // Exactly the consumer's first step without its second: alert and delivery committed, no job in Redis.
    const alert = driftAlert(10, { subject: 'user-ok' });
    const { deliveries: created } = await new AlertsRepository(db).storeAndMatch([{ alert, body: JSON.stringify(alert), partition: 0, offset: '999' }], 4);
    expect(created).toHaveLength(1);
    expect(await notifier.queue.queue.getJob(created[0]!.jobId)).toBeUndefined();
    const hit = await pollUntil(async () => receiver.hits('/ok').find((r) => JSON.parse(r.rawBody.toString()).alertId === alert.alertId), Boolean, { what: 'the stranded delivery', timeoutMs: 15_000 });
    expect(verify('ok', hit!)).toMatchObject({ ok: true });
    expect(hit!.headers['chorus-delivery-id']).toBe(created[0]!.id);
    const [row] = await db.query(`SELECT enqueued_at FROM alert_deliveries WHERE id = $1`, [created[0]!.id]);
    expect(row.enqueued_at).not.toBeNull();
  });

  it('keeps the signing secret encrypted at rest and never returns it after creation', async () => {
    const [row] = await db.query(`SELECT secret FROM alert_subscriptions WHERE id = $1`, [subs.ok!.id]);
    expect(row.secret.startsWith('aes256gcm:v1:')).toBe(true);
    expect(row.secret).not.toContain(subs.ok!.secret);
    const list = await call('GET', '/v1/subscriptions');
    const one = await call('GET', `/v1/subscriptions/${subs.ok!.id}`);
    for (const body of [list.body, one.body]) expect(JSON.stringify(body)).not.toContain(subs.ok!.secret);
    expect(Object.keys(one.body)).not.toContain('secret');
    expect(await notifier.queue.queue.getJobCountByTypes('waiting', 'delayed', 'active')).toBe(0);
    expect(notifier.queue.queue.name).toBe(WEBHOOK_DELIVERY_QUEUE);
  });
});
