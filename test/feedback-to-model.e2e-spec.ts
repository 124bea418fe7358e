import type { INestApplication } from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue, seededUuid } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { startGateway, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/** Feedback posted over HTTP becomes model state readable over HTTP, on the real Kafka, Postgres and Redis. */
describe('gateway → Kafka → learner → Postgres → gateway', () => {
  const stack = new TestStack(3);
  let db: DataSource;
  let gateway: { app: INestApplication; url: string };
  let learner: Awaited<ReturnType<typeof startLearner>>;
  let admin: string;
  let ingestOnly: string;
  let exposures: Consumer;
  const served: unknown[] = [];

  const call = async (method: string, path: string, key: string | undefined, body?: unknown) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as any };
  };

  const event = (n: number, fields: Record<string, unknown>) => ({
    eventId: seededUuid(`e2e:${n}`),
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    domain: 'movies',
    ...fields,
  });

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    const env = serviceEnv(stack, database.url, { LEARNER_FLUSH_INTERVAL_MS: '100', GATEWAY_MODEL_CACHE_SECONDS: '0' });
    gateway = await startGateway(env);
    learner = await startLearner(env);
    admin = await stack.apiKey(db, ['admin'], 'admin');
    ingestOnly = await stack.apiKey(db, ['ingest'], 'ingest');
    exposures = stack.kafka.consumer({ groupId: `exposures-${stack.id}`, sessionTimeout: 10_000 });
    await exposures.connect();
    await exposures.subscribe({ topic: stack.topic('exposures'), fromBeginning: true });
    await exposures.run({ eachMessage: async ({ message }) => void served.push(JSON.parse(message.value!.toString())) });
  });

  afterAll(async () => {
    await exposures?.disconnect();
    await learner?.app.close();
    await gateway?.app.close();
    await stack.stop();
  });

  it('reports Kafka, Postgres and Redis healthy', async () => {
    const health = await call('GET', '/health', undefined);
    expect(health.status).toBe(200);
    expect(health.body.checks).toMatchObject({ kafka: { status: 'up' }, postgres: { status: 'up' }, redis: { status: 'up' } });
  });

  it('imports a catalogue and reads an item back', async () => {
    const items = catalogue(40).map((item, i) => (i < 2 ? { ...item, categories: i === 0 ? { drama: 1 } : { documentary: 1 } } : item));
    const imported = await call('POST', '/v1/items/import', admin, { items });
    expect(imported.status).toBe(201);
    expect(imported.body.imported).toBe(40);
    const put = await call('PUT', '/v1/items/item-0', admin, { domain: 'movies', categories: { drama: 3, romance: 1 } });
    expect(put.body).toEqual({ itemId: 'item-0', version: 2 });
    const read = await call('GET', '/v1/items/item-0', admin);
    expect(read.body.categories).toEqual({ drama: 0.75, romance: 0.25 });
  });

  it('answers 202 with the accepted eventIds and learns from them', async () => {
    const events = [
      event(1, { userId: 'alice', type: 'rating', itemId: 'item-0', value: 5 }),
      event(2, { userId: 'alice', type: 'click', itemId: 'item-1' }),
      event(3, { userId: 'alice', type: 'pairwise', chosenId: 'item-0', rejectedId: 'item-2' }),
      event(4, { userId: 'bob', type: 'skip', itemId: 'item-0' }),
    ];
    const posted = await call('POST', '/v1/feedback', ingestOnly, { events });
    expect(posted.status).toBe(202);
    expect(posted.body).toEqual({ accepted: 4, eventIds: events.map((e) => e.eventId) });

    const alice = await pollUntil(() => call('GET', '/v1/users/alice/model?domain=movies', admin), (r) => r.body?.eventsSeen === 3, { what: 'alice to have 3 events' });
    expect(alice.body.deviation['cat:drama'].mean).toBeGreaterThan(0);
    expect(alice.body.divergence.deviationNormInPriorSd).toBeGreaterThan(0);
    const aggregate = await pollUntil(() => call('GET', '/v1/models/aggregate?domain=movies', admin), (r) => r.body?.eventsSeen === 4, { what: 'aggregate to count 4 events' });
    expect(Object.keys(aggregate.body.weights)).toContain('cat:drama');
    expect(Object.keys(aggregate.body.weights).some((f) => f.startsWith('item:'))).toBe(false);
  });

  it('serves a user with no events exactly the aggregate', async () => {
    const nobody = await call('GET', '/v1/users/nobody/model?domain=movies', admin);
    const aggregate = await call('GET', '/v1/models/aggregate?domain=movies', admin);
    expect(nobody.body.eventsSeen).toBe(0);
    expect(nobody.body.deviation).toEqual({});
    const weights = Object.entries(aggregate.body.weights as Record<string, { mean: number }>);
    expect(weights.length).toBeGreaterThan(0);
    for (const [feature, weight] of weights) {
      expect(nobody.body.personalized[feature]).toBe(weight.mean);
    }
  });

  it('recommends unseen items by personalized reward and logs the list as an exposure', async () => {
    const list = await call('GET', '/v1/users/alice/recommendations?domain=movies&n=5', admin);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(5);
    const ids = list.body.items.map((i: { itemId: string }) => i.itemId);
    expect(ids).not.toContain('item-0');
    expect(ids).not.toContain('item-1');
    expect(ids).not.toContain('item-2');
    const scores = list.body.items.map((i: { score: number }) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    await pollUntil(async () => served, (s) => s.some((e: any) => e.listId === list.body.listId), { what: 'the exposure on chorus.exposures.v1' });
    const exposure = served.find((e: any) => e.listId === list.body.listId) as any;
    expect(exposure).toMatchObject({ userId: 'alice', domain: 'movies', policy: 'accuracy' });
    expect(exposure.items.map((i: { itemId: string }) => i.itemId)).toEqual(ids);
  });

  it('applies a retried eventId once', async () => {
    const retry = event(2, { userId: 'alice', type: 'click', itemId: 'item-1' });
    const fresh = event(5, { userId: 'alice', type: 'click', itemId: 'item-3' });
    expect((await call('POST', '/v1/feedback', ingestOnly, retry)).status).toBe(202);
    expect((await call('POST', '/v1/feedback', ingestOnly, fresh)).status).toBe(202);
    // The fresh event lands after the retry in alice's partition: once it is counted, the retry was seen and skipped.
    const alice = await pollUntil(() => call('GET', '/v1/users/alice/model?domain=movies', admin), (r) => r.body?.eventsSeen >= 4, { what: 'alice to count the fresh event' });
    expect(alice.body.eventsSeen).toBe(4);
    const counters = await pollUntil(() => db.query(`SELECT name, value FROM learner_counters`), (rows: any[]) => rows.some((r) => r.name === 'duplicates'), { what: 'duplicate counter' });
    expect(Number(counters.find((r: any) => r.name === 'duplicates').value)).toBe(1);
  });

  it('refuses invalid feedback with 400 naming each offending field, and accepts none of the batch', async () => {
    const before = await stack.records('feedback');
    const bad = await call('POST', '/v1/feedback', ingestOnly, {
      events: [
        event(10, { userId: 'carol', type: 'click', itemId: 'item-1' }),
        { ...event(11, { userId: 'carol', type: 'rating', itemId: 'item-1', value: 9 }) },
        { ...event(12, { userId: '', type: 'click', itemId: 'item-1' }), occurredAt: 'yesterday' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('REQUEST.INVALID');
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['events[1].value', 'events[2].occurredAt', 'events[2].userId']);
    expect(await stack.records('feedback')).toBe(before);
    const malformed = await call('POST', '/v1/feedback', ingestOnly, '{"events": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('REQUEST.INVALID');
  });

  it('answers 413 for a batch over the documented limit', async () => {
    const events = Array.from({ length: 1001 }, (_, i) => event(100 + i, { userId: 'dave', type: 'click', itemId: 'item-1' }));
    const tooMany = await call('POST', '/v1/feedback', ingestOnly, { events });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.message).toContain('1000');
  });

  it('requires a key with the right scope', async () => {
    expect((await call('POST', '/v1/feedback', undefined, {})).status).toBe(401);
    expect((await call('POST', '/v1/feedback', 'chorus_nope_nope', {})).status).toBe(401);
    const forbidden = await call('GET', '/v1/models/aggregate?domain=movies', ingestOnly);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toContain('"read"');
  });

  it('validates query parameters', async () => {
    expect((await call('GET', '/v1/models/aggregate', admin)).body.issues[0].path).toBe('domain');
    expect((await call('GET', '/v1/users/alice/recommendations?domain=movies&n=0', admin)).status).toBe(400);
  });

  it('publishes an OpenAPI document and Prometheus metrics', async () => {
    const doc = await call('GET', '/docs/openapi.json', undefined);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/feedback', '/v1/items/{id}', '/v1/users/{id}/recommendations']));
    const metrics = await fetch(`${gateway.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('gateway_http_request_seconds_bucket');
    expect(learner.fatal).toEqual([]);
  });
});
