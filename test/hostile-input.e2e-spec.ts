import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuePaths } from './support/admin-api';
import { seededUuid } from './support/feedback-factory';
import { dropQueueKeys, notifierEnv, startNotifier } from './support/notifier';
import { startGateway } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Client input never causes a 500 (issue #10): ids and text that Postgres cannot store, or that the id rule refuses,
 * are answered 400 naming the field, on the real gateway and notifier, before anything reaches Kafka or Postgres.
 */
describe('hostile input at the HTTP edge', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let gateway: { app: INestApplication; url: string };
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  let admin: string;
  let ingest: string;
  let subscriber: string;

  /** A request with the body sent exactly as given (a string is not re-encoded) and the path not normalised by us. */
  const send = async (base: () => string, method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base()}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as any };
  };
  const gw = (method: string, path: string, key: string, body?: unknown, headers?: Record<string, string>) => send(() => gateway.url, method, path, key, body, headers);
  const nf = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => send(() => notifier.url, method, path, subscriber, body, headers);

  const click = (n: number, fields: Record<string, unknown> = {}) => ({
    eventId: seededUuid(`hostile:${n}`),
    userId: `u-${n}`,
    occurredAt: '2026-01-01T00:00:00Z',
    domain: 'movies',
    type: 'click',
    itemId: 'item-1',
    ...fields,
  });

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    const env = serviceEnv(stack, database.url);
    gateway = await startGateway(env);
    notifier = await startNotifier(notifierEnv(stack, env, { NOTIFIER_ROLES: 'api' }));
    admin = await stack.apiKey(db, ['admin'], 'admin');
    ingest = await stack.apiKey(db, ['ingest'], 'ingest');
    subscriber = await stack.apiKey(db, ['subscriber'], 'subscriber');
  });

  afterAll(async () => {
    await notifier?.app.close();
    await gateway?.app.close();
    await dropQueueKeys(stack);
    await stack.stop();
  });

  it('POST /v1/feedback with NUL in userId is a 400 naming userId, and nothing reaches Kafka', async () => {
    const single = await gw('POST', '/v1/feedback', ingest, click(1, { userId: 'u\u0000x' }));
    expect(single.status).toBe(400);
    expect(single.body.code).toBe('REQUEST.INVALID');
    expect(issuePaths(single.body)).toEqual(['userId']);
    const batch = await gw('POST', '/v1/feedback', ingest, { events: [click(2), click(3, { itemId: '\u0000' }), click(4, { context: { surface: 'home\u0000' } })] });
    expect(batch.status).toBe(400);
    expect(issuePaths(batch.body)).toEqual(['events[1].itemId', 'events[2].context.surface']);
    expect(await stack.records('feedback')).toBe(0);
  });

  it('POST /v1/feedback with a lone surrogate (high or low) in an id is a 400 naming it', async () => {
    // JSON.stringify writes a lone surrogate as the escape \ud800, which JSON.parse turns back into the lone unit.
    const high = await gw('POST', '/v1/feedback', ingest, JSON.stringify(click(5, { userId: 'u-\ud800' })));
    expect(high.status).toBe(400);
    expect(issuePaths(high.body)).toEqual(['userId']);
    const low = await gw('POST', '/v1/feedback', ingest, JSON.stringify({ ...click(6), type: 'pairwise', itemId: undefined, chosenId: 'a', rejectedId: '\udc00b' }));
    expect(low.status).toBe(400);
    expect(issuePaths(low.body)).toEqual(['rejectedId']);
    expect(await stack.records('feedback')).toBe(0);
  });

  it('POST /v1/items/import with a dense feature of 1e200 is a 400 naming it, and nothing is stored', async () => {
    const imported = await gw('POST', '/v1/items/import', admin, { items: [{ itemId: 'big', domain: 'movies', categories: { drama: 1 }, features: [1, 1e200] }] });
    expect(imported.status).toBe(400);
    expect(issuePaths(imported.body)).toEqual(['items[0].features[1]']);
    const nul = await gw('PUT', '/v1/items/ok-1', admin, { domain: 'movies', categories: { 'dra\u0000ma': 1 }, title: 'x' });
    expect(nul.status).toBe(400);
    expect(issuePaths(nul.body)).toEqual(['categories']);
    expect(await db.query('SELECT count(*)::int AS n FROM items')).toEqual([{ n: 0 }]);
  });

  it('POST /v1/admin/rerank with a hostile body is a 400 naming the field, and nothing is recorded or enqueued', async () => {
    const cases: [string | Record<string, unknown>, string[]][] = [
      [{ domain: 'movies', userIds: ['ok', 'nul\u0000'] }, ['userIds[1]']],
      [JSON.stringify({ domain: 'mo\ud800vies', userIds: ['a'] }), ['domain']],
      [{ domain: 'movies', segment: { name: 'co hort', userIds: ['a', '\u0085'] } }, ['segment.name', 'segment.userIds[1]']],
      [{ domain: 'movies', all: true, lambda: 'high', n: 1e9 }, ['lambda', 'n']],
      [{ domain: 'movies', userIds: ['a'], all: true }, ['all', 'userIds']],
      ['{"domain":"movies","userIds":["a"],"__proto__":{"all":true}}', ['(root)']],
    ];
    for (const [body, paths] of cases) {
      const answer = await gw('POST', '/v1/admin/rerank', admin, body);
      expect([answer.status, answer.body?.code, issuePaths(answer.body)], JSON.stringify(body)).toEqual([400, 'REQUEST.INVALID', paths]);
    }
    expect(await db.query('SELECT count(*)::int AS n FROM rerank_requests')).toEqual([{ n: 0 }]);
  });

  // Path segments as a client writes them: a space, 129 characters, NUL, a C1 control, and bytes that are not UTF-8.
  const badIds: [string, string][] = [
    ['a space', 'a%20b'],
    ['129 characters', 'x'.repeat(129)],
    ['NUL', 'a%00b'],
    ['C1 NEL', 'a%C2%85b'],
    ['a lone surrogate in UTF-8 form (not UTF-8)', 'a%ED%A0%80'],
  ];
  const readRoutes = (id: string): [string, string][] => [
    ['GET', `/v1/users/${id}/model?domain=movies`],
    ['GET', `/v1/users/${id}/recommendations?domain=movies`],
    ['GET', `/v1/items/${id}`],
    ['GET', `/v1/admin/drift/series/users/${id}?domain=movies`],
    ['GET', `/v1/admin/rerank/jobs/${id}`],
    ['GET', `/v1/admin/drift/segments/movies/${id}`],
    ['DELETE', `/v1/admin/drift/segments/movies/${id}`],
  ];

  it.each(badIds)('gateway routes answer an id with %s in the path with a 400, never a 500', async (_what, id) => {
    const answers: string[] = [];
    for (const [method, path] of readRoutes(id)) {
      const answer = await gw(method, path, admin);
      answers.push(`${method} ${path} → ${answer.status} ${answer.body?.code}`);
    }
    const put = await gw('PUT', `/v1/items/${id}`, admin, { domain: 'movies', categories: { drama: 1 } });
    answers.push(`PUT /v1/items/${id} → ${put.status} ${put.body?.code}`);
    const expected = readRoutes(id).map(([method, path]) =>
      // A rerank job id is Chorus's own, composed of ids: the same rule, up to 512 characters.
      path.startsWith('/v1/admin/rerank/jobs/') && id.length === 129 ? `${method} ${path} → 404 RERANK.JOB_NOT_FOUND` : `${method} ${path} → 400 REQUEST.INVALID`,
    );
    expect(answers).toEqual([...expected, `PUT /v1/items/${id} → 400 REQUEST.INVALID`]);
  });

  it('a rerank job id over 512 characters is a 400', async () => {
    const answer = await gw('GET', `/v1/admin/rerank/jobs/${'j'.repeat(513)}`, admin);
    expect([answer.status, issuePaths(answer.body)]).toEqual([400, ['id']]);
  });

  it('query parameters of the wrong shape are 400s naming them', async () => {
    const answers: string[] = [];
    const expected: string[] = [];
    for (const [path, name] of [
      ['/v1/users/u-1/recommendations?domain=movies&n=abc', 'n'],
      ['/v1/users/u-1/recommendations?domain=movies&n=1&n=2', 'n'],
      // The query parser keeps brackets in names: an unknown parameter (named in its message) and a missing domain.
      ['/v1/users/u-1/model?domain[]=movies', '(root),domain'],
      ['/v1/users/u-1/model?domain[a]=movies', '(root),domain'],
      ['/v1/models/aggregate?domain=movies%00', 'domain'],
      ['/v1/models/aggregate?domain=movies&includeItems=yes', 'includeItems'],
      ['/v1/admin/drift/segments/movies/s-1?after=a%00b', 'after'],
      ['/v1/admin/drift/alerts?subject=a%00b', 'subject'],
    ] as const) {
      const answer = await gw('GET', path, admin);
      answers.push(`${path} → ${answer.status} ${issuePaths(answer.body ?? {}).join(',')}`);
      expected.push(`${path} → 400 ${name}`);
    }
    expect(answers).toEqual(expected);
  });

  it('malformed bodies are 4xx with a code, never 500: bad JSON, another charset, __proto__ keys, a non-JSON content type', async () => {
    const malformed = await gw('POST', '/v1/feedback', ingest, '{"eventId":');
    expect([malformed.status, malformed.body.code]).toEqual([400, 'REQUEST.INVALID']);
    const charset = await gw('POST', '/v1/feedback', ingest, JSON.stringify(click(7)), { 'content-type': 'application/json; charset=iso-8859-1' });
    expect([charset.status, charset.body.code]).toEqual([415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE']);
    const encoding = await gw('POST', '/v1/feedback', ingest, JSON.stringify(click(8)), { 'content-encoding': 'x-unknown' });
    expect([encoding.status, encoding.body.code]).toEqual([415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE']);
    const gzip = await gw('POST', '/v1/feedback', ingest, 'not gzip at all', { 'content-encoding': 'gzip' });
    expect([gzip.status, gzip.body.code]).toEqual([400, 'REQUEST.INVALID']);
    const proto = await gw('POST', '/v1/feedback', ingest, `{"__proto__":{"admin":true},${JSON.stringify(click(9)).slice(1)}`);
    expect(proto.status).toBe(400);
    expect(proto.body.issues[0].message).toContain('__proto__');
    // In a record (category → weight) Zod skips a __proto__ key: dropped, never the prototype of what is stored.
    const protoItem = await gw('PUT', '/v1/items/p-1', admin, '{"domain":"movies","categories":{"__proto__":{"x":1},"drama":1}}');
    expect(protoItem.status).toBe(200);
    expect((await gw('GET', '/v1/items/p-1', admin)).body.categories).toEqual({ drama: 1 });
    const text = await gw('POST', '/v1/feedback', ingest, JSON.stringify(click(10)), { 'content-type': 'text/plain' });
    expect([text.status, text.body.code]).toEqual([400, 'REQUEST.INVALID']);
    expect(await stack.records('feedback')).toBe(0);
  });

  it('notifier: NUL or a lone surrogate in a description or a subject filter is a 400 naming it', async () => {
    const url = 'https://8.8.8.8/hooks/chorus';
    const description = await nf('POST', '/v1/subscriptions', { url, description: 'team\u0000a' });
    expect([description.status, issuePaths(description.body)]).toEqual([400, ['description']]);
    const subject = await nf('POST', '/v1/subscriptions', { url, filters: { subjects: ['ok', 'u\u0000'] } });
    expect([subject.status, issuePaths(subject.body)]).toEqual([400, ['filters.subjects[1]']]);
    const surrogate = await nf('POST', '/v1/subscriptions', JSON.stringify({ url, description: 'a\udc00' }));
    expect([surrogate.status, issuePaths(surrogate.body)]).toEqual([400, ['description']]);
    const created = await nf('POST', '/v1/subscriptions', { url, description: 'fine' });
    expect(created.status).toBe(201);
    const patched = await nf('PATCH', `/v1/subscriptions/${created.body.id}`, { description: '\u0000' });
    expect([patched.status, issuePaths(patched.body)]).toEqual([400, ['description']]);
    const stream = await nf('GET', '/v1/alerts/stream?subjects=a%00b');
    expect([stream.status, issuePaths(stream.body)]).toEqual([400, ['subjects[0]']]);
  });

  it('notifier: ids and queries that are not valid are 400s, malformed bodies 4xx', async () => {
    for (const [method, path] of [
      ['GET', '/v1/subscriptions/a%00b'],
      ['GET', `/v1/subscriptions/${'x'.repeat(129)}`],
      ['GET', '/v1/subscriptions/a%ED%A0%80'],
      ['DELETE', '/v1/subscriptions/a%20b'],
      ['POST', '/v1/subscriptions/a%20b/ping'],
      ['GET', `/v1/subscriptions/${seededUuid('x')}/deliveries?limit=abc`],
    ] as const) {
      const answer = await nf(method, path);
      expect({ path, status: answer.status }).toEqual({ path, status: path.includes('deliveries') ? 404 : 400 });
    }
    const malformed = await nf('POST', '/v1/subscriptions', '{"url":');
    expect(malformed.status).toBe(400);
    const charset = await nf('POST', '/v1/subscriptions', '{}', { 'content-type': 'application/json; charset=iso-8859-1' });
    expect(charset.status).toBe(415);
  });
});
