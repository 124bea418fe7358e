import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropQueueKeys, notifierEnv, SseClient, startNotifier } from './support/notifier';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Subscriptions REST on the notifier with production safety settings (http and private targets NOT allowed):
 * validation, URL safety, secrets shown once, and tenant isolation between API keys.
 */
describe('notifier: subscriptions API', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  const keys: Record<'alice' | 'bob' | 'reader' | 'limited', string> = { alice: '', bob: '', reader: '', limited: '' };
  // A public IP literal: passes the target check without DNS (this machine has no public resolver). Nothing is ever
  // sent to it: this notifier runs the API role only.
  const publicUrl = 'https://8.8.8.8/hooks/chorus';

  const call = async (key: string | undefined, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${notifier.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as any };
  };
  const paths = (body: any) => (body.issues as { path: string }[]).map((i) => i.path);

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    notifier = await startNotifier(notifierEnv(stack, serviceEnv(stack, database.url), { NOTIFIER_ROLES: 'api', NOTIFIER_MAX_SUBSCRIPTIONS_PER_KEY: '5' }));
    keys.alice = await stack.apiKey(db, ['subscriber'], 'alice');
    keys.bob = await stack.apiKey(db, ['subscriber'], 'bob');
    keys.reader = await stack.apiKey(db, ['read'], 'reader');
    keys.limited = await stack.apiKey(db, ['subscriber'], 'limited');
  });

  afterAll(async () => {
    await notifier?.app.close();
    await dropQueueKeys(stack);
    await stack.stop();
  });

  it('creates a subscription and shows its generated secret once, never again', async () => {
    const created = await call(keys.alice, 'POST', '/v1/subscriptions', { url: publicUrl, description: 'alice team', filters: { severities: ['critical'], domains: ['news', 'news'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: publicUrl,
      description: 'alice team',
      active: true,
      filters: { scopes: [], metrics: [], severities: ['critical'], domains: ['news'], subjects: [] },
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const read = await call(keys.alice, 'GET', `/v1/subscriptions/${created.body.id}`);
    expect(read.status).toBe(200);
    const { secret, ...withoutSecret } = created.body;
    expect(read.body).toEqual(withoutSecret);
    const list = await call(keys.alice, 'GET', '/v1/subscriptions');
    expect(list.body.subscriptions).toEqual([withoutSecret]);
    expect(JSON.stringify([read.body, list.body])).not.toContain(secret);

    // A caller-supplied secret is echoed at creation only; a replacement secret is not echoed at all.
    const own = await call(keys.alice, 'POST', '/v1/subscriptions', { url: publicUrl, secret: 'my-own-secret-0123456789abcdef' });
    expect(own.body.secret).toBe('my-own-secret-0123456789abcdef');
    const rotated = await call(keys.alice, 'PATCH', `/v1/subscriptions/${own.body.id}`, { secret: 'rotated-secret-0123456789abcdef' });
    expect(rotated.status).toBe(200);
    expect(JSON.stringify(rotated.body)).not.toContain('rotated-secret');
    // The replaced secret stays valid for the default grace period (a day), and the answer says until when.
    expect(own.body.previousSecretExpiresAt).toBeNull();
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeLessThanOrEqual(86_400_000);
    const [row] = await db.query(`SELECT secret, previous_secret FROM alert_subscriptions WHERE id = $1`, [own.body.id]);
    for (const stored of [row.secret, row.previous_secret]) expect(stored).toMatch(/^aes256gcm:v1:/);
    expect(JSON.stringify(row)).not.toMatch(/rotated-secret|my-own-secret/);
  });

  it('updates, pauses and deletes', async () => {
    const created = await call(keys.alice, 'POST', '/v1/subscriptions', { url: publicUrl, filters: { metrics: ['miscalibration'] } });
    const id = created.body.id;
    const patched = await call(keys.alice, 'PATCH', `/v1/subscriptions/${id}`, { active: false, description: 'paused', filters: { scopes: ['population'] } });
    expect(patched.status).toBe(200);
    // `filters` replaces the filters as a whole.
    expect(patched.body).toMatchObject({ active: false, description: 'paused', filters: { scopes: ['population'], metrics: [] } });
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));
    const cleared = await call(keys.alice, 'PATCH', `/v1/subscriptions/${id}`, { description: null });
    expect(cleared.body.description).toBeNull();
    expect((await call(keys.alice, 'DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
    expect((await call(keys.alice, 'GET', `/v1/subscriptions/${id}`)).status).toBe(404);
    expect((await call(keys.alice, 'DELETE', `/v1/subscriptions/${id}`)).status).toBe(404);
  });

  it('answers 400 naming every invalid field', async () => {
    const bad = await call(keys.alice, 'POST', '/v1/subscriptions', {
      url: 42,
      secret: 'short',
      active: 'yes',
      filters: { severities: ['fatal'], metrics: ['exposure-entropy', 'nope'], scopes: 'user', colour: ['red'] },
      extra: true,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('REQUEST.INVALID');
    expect(paths(bad.body)).toEqual(expect.arrayContaining(['url', 'secret', 'active', 'filters.severities[0]', 'filters.metrics[1]', 'filters.scopes', 'filters', '(root)']));
    expect(bad.body.issues.find((i: any) => i.path === 'secret').message).toContain('at least 24 characters');
    expect(bad.body.issues.find((i: any) => i.path === 'filters.severities[0]').message).toContain('"warning" or "critical"');

    expect(paths((await call(keys.alice, 'POST', '/v1/subscriptions', {})).body)).toEqual(['url']);
    expect((await call(keys.alice, 'POST', '/v1/subscriptions', '{not json')).status).toBe(400);
    const empty = await call(keys.alice, 'PATCH', '/v1/subscriptions/00000000-0000-4000-8000-000000000000', {});
    expect(empty.status).toBe(400);
    expect(empty.body.issues[0].message).toContain('name at least one field');
    const badId = await call(keys.alice, 'GET', '/v1/subscriptions/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(paths(badId.body)).toEqual(['id']);
  });

  it.each([
    ['https://127.0.0.1/hook', '127.0.0.1 is a loopback address'],
    ['https://10.0.0.8/hook', '10.0.0.8 is a private address'],
    ['https://192.168.1.20:8443/hook', '192.168.1.20 is a private address'],
    ['https://169.254.169.254/latest/meta-data', '169.254.169.254 is a link-local address'],
    ['https://[::1]/hook', '::1 is a loopback address'],
    ['https://[fd00::1]/hook', 'fd00::1 is a private address'],
    ['https://2130706433/hook', '127.0.0.1 is a loopback address'],
    ['https://localhost/hook', 'host "localhost" resolves to 127.0.0.1, a loopback address'],
    ['http://8.8.8.8/hook', 'must use https'],
    ['https://user:pass@8.8.8.8/hook', 'must not contain credentials'],
    ['https://no-such-host.invalid/hook', 'could not resolve host "no-such-host.invalid"'],
    ['ftp://8.8.8.8/hook', 'must use https'],
  ])('refuses the webhook URL %s with a clear error', async (url, reason) => {
    const before = (await call(keys.bob, 'GET', '/v1/subscriptions')).body.subscriptions.length;
    const refused = await call(keys.bob, 'POST', '/v1/subscriptions', { url });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('WEBHOOK.URL_REFUSED');
    expect(refused.body.message).toContain(reason);
    expect(refused.body.issues).toEqual([{ path: 'url', message: expect.stringContaining(reason) }]);
    expect((await call(keys.bob, 'GET', '/v1/subscriptions')).body.subscriptions.length).toBe(before);
  });

  it('names the setting that would allow a private target', async () => {
    const refused = await call(keys.bob, 'POST', '/v1/subscriptions', { url: 'https://10.1.1.1/x' });
    expect(refused.body.message).toContain('WEBHOOK_ALLOW_PRIVATE_TARGETS=true');
    const http = await call(keys.bob, 'POST', '/v1/subscriptions', { url: 'http://8.8.8.8/x' });
    expect(http.body.message).toContain('WEBHOOK_ALLOW_HTTP=true');
  });

  it('refuses a private URL on update too, leaving the subscription unchanged', async () => {
    const created = await call(keys.bob, 'POST', '/v1/subscriptions', { url: publicUrl });
    const refused = await call(keys.bob, 'PATCH', `/v1/subscriptions/${created.body.id}`, { url: 'https://172.16.5.4/x' });
    expect(refused).toMatchObject({ status: 400, body: { code: 'WEBHOOK.URL_REFUSED' } });
    expect((await call(keys.bob, 'GET', `/v1/subscriptions/${created.body.id}`)).body.url).toBe(publicUrl);
  });

  it("hides one subscriber's subscriptions from another: reads and changes answer 404, as for a missing id", async () => {
    const mine = await call(keys.alice, 'POST', '/v1/subscriptions', { url: publicUrl, description: 'alice only' });
    const id = mine.body.id;
    const missing = '6f1c1f8e-2b1a-4c3d-9e8f-0a1b2c3d4e5f';
    for (const target of [id, missing]) {
      const answers = [
        await call(keys.bob, 'GET', `/v1/subscriptions/${target}`),
        await call(keys.bob, 'PATCH', `/v1/subscriptions/${target}`, { url: 'https://8.8.4.4/stolen', active: false }),
        await call(keys.bob, 'DELETE', `/v1/subscriptions/${target}`),
        await call(keys.bob, 'GET', `/v1/subscriptions/${target}/deliveries`),
        await call(keys.bob, 'POST', `/v1/subscriptions/${target}/ping`),
      ];
      // Identical answers for "someone else's" and "does not exist": an id reveals nothing about other tenants.
      expect(answers.map((a) => [a.status, a.body?.code])).toEqual(new Array(5).fill([404, 'SUBSCRIPTION.NOT_FOUND']));
    }
    expect((await call(keys.bob, 'GET', '/v1/subscriptions')).body.subscriptions.map((s: any) => s.id)).not.toContain(id);
    const after = await call(keys.alice, 'GET', `/v1/subscriptions/${id}`);
    expect(after.body).toEqual((({ secret: _s, ...rest }) => rest)(mine.body));
    expect(Number((await db.query(`SELECT count(*) AS n FROM alert_deliveries WHERE subscription_id = $1`, [id]))[0].n)).toBe(0);
  });

  it('requires the subscriber scope and a key', async () => {
    expect(await call(keys.reader, 'GET', '/v1/subscriptions')).toMatchObject({ status: 403, body: { code: 'AUTH.MISSING_SCOPE' } });
    expect(await call(undefined, 'GET', '/v1/subscriptions')).toMatchObject({ status: 401, body: { code: 'AUTH.MISSING_KEY' } });
    expect(await call('chorus_nope_nope', 'POST', '/v1/subscriptions', { url: publicUrl })).toMatchObject({ status: 401, body: { code: 'AUTH.INVALID_KEY' } });
    const stream = await new SseClient(`${notifier.url}/v1/alerts/stream`, { authorization: `Bearer ${keys.reader}` }).connect();
    expect(stream.status).toBe(403);
  });

  it('limits subscriptions per key', async () => {
    for (let i = 0; i < 5; i++) expect((await call(keys.limited, 'POST', '/v1/subscriptions', { url: publicUrl })).status).toBe(201);
    expect(await call(keys.limited, 'POST', '/v1/subscriptions', { url: publicUrl })).toMatchObject({ status: 409, body: { code: 'SUBSCRIPTION.LIMIT_REACHED' } });
  });

  it('validates the delivery log query and the stream parameters', async () => {
    const created = await call(keys.alice, 'POST', '/v1/subscriptions', { url: publicUrl });
    const log = await call(keys.alice, 'GET', `/v1/subscriptions/${created.body.id}/deliveries`);
    expect(log).toEqual({ status: 200, body: { deliveries: [], next: null } });
    const bad = await call(keys.alice, 'GET', `/v1/subscriptions/${created.body.id}/deliveries?limit=0&status=lost&before=x`);
    expect(bad.status).toBe(400);
    expect(paths(bad.body)).toEqual(['limit', 'status', 'before']);

    const auth = { authorization: `Bearer ${keys.alice}` };
    const badFilter = await new SseClient(`${notifier.url}/v1/alerts/stream?severities=fatal&colour=red`, auth).connect();
    expect(badFilter.status).toBe(400);
    const body = JSON.parse(badFilter.comments[0]!);
    expect(body.issues.map((i: any) => i.path).sort()).toEqual(['colour', 'severities[0]']);
    const badCursor = await new SseClient(`${notifier.url}/v1/alerts/stream`, { ...auth, 'last-event-id': 'abc' }).connect();
    expect(badCursor.status).toBe(400);
    expect(badCursor.comments[0]).toContain('Last-Event-ID');
  });
});
