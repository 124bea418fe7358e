import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropQueueKeys, notifierEnv, SseClient, startNotifier } from './support/notifier';
import { pollUntil } from './support/poll';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * The notifier's quotas on the real Redis and Postgres: test pings and subscription routes per key, the cap on a
 * key's open alert streams, and revocation — revoking a key with the gateway CLI ends its open streams at once.
 */
describe('notifier: quotas, stream cap, and revoked keys', () => {
  const stack = new TestStack(1);
  const prefix = `q-${stack.id}`;
  let db: DataSource;
  let databaseUrl: string;
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  const open: SseClient[] = [];

  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${notifier.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json().catch(() => null)) as any };
  };
  const stream = async (key: string) => {
    const client = new SseClient(`${notifier.url}/v1/alerts/stream`, { authorization: `Bearer ${key}` });
    open.push(client);
    await client.connect();
    if (client.status === 200) await pollUntil(async () => client.comments.includes('live'), Boolean, { what: 'the stream to go live' });
    return client;
  };

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    databaseUrl = database.url;
    notifier = await startNotifier(
      notifierEnv(stack, serviceEnv(stack, database.url), {
        NOTIFIER_ROLES: 'api',
        NOTIFIER_QUOTA_SUBSCRIBER: '8',
        NOTIFIER_QUOTA_PING: '2',
        NOTIFIER_MAX_STREAMS_PER_KEY: '2',
        QUOTA_WINDOW_SECONDS: '120',
        QUOTA_REDIS_PREFIX: prefix,
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(open.map((client) => client.close()));
    await notifier?.app.close();
    await dropQueueKeys(stack);
    const redis = new Redis('redis://127.0.0.1:6379');
    const [, keys] = await redis.scan('0', 'MATCH', `*${prefix}:notifier*`, 'COUNT', 10_000);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await stack.stop();
  });

  it('limits test pings per key apart from the other subscription routes, each with 429 and Retry-After past its quota', async () => {
    const key = await stack.apiKey(db, ['subscriber'], 'pinger');
    const created = await call(key, 'POST', '/v1/subscriptions', { url: 'https://8.8.8.8/hooks/chorus' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    for (let i = 0; i < 2; i++) expect((await call(key, 'POST', `/v1/subscriptions/${id}/ping`)).status).toBe(202);
    const ping = await call(key, 'POST', `/v1/subscriptions/${id}/ping`);
    expect(ping).toMatchObject({ status: 429, body: { code: 'QUOTA.EXCEEDED' } });
    expect(ping.body.message).toContain('ping routes');
    expect(Number(ping.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(ping.retryAfter)).toBeLessThanOrEqual(120);
    // The refused ping queued nothing: two deliveries, the two accepted pings.
    expect((await call(key, 'GET', `/v1/subscriptions/${id}/deliveries`)).body.deliveries).toHaveLength(2);

    // Subscription routes: 8 per window, of which the create and the deliveries read above are two.
    for (let i = 0; i < 6; i++) expect((await call(key, 'GET', `/v1/subscriptions/${id}`)).status).toBe(200);
    const refused = await call(key, 'GET', '/v1/subscriptions');
    expect(refused).toMatchObject({ status: 429, body: { code: 'QUOTA.EXCEEDED' } });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('caps the streams a key holds open; a closed stream frees its place', async () => {
    const key = await stack.apiKey(db, ['subscriber'], 'streamer');
    const other = await stack.apiKey(db, ['subscriber'], 'other-streamer');
    const [a, b] = [await stream(key), await stream(key)];
    expect([a.status, b.status]).toEqual([200, 200]);
    const third = await stream(key);
    expect(third.status).toBe(429);
    expect(JSON.parse(third.comments[0]!)).toMatchObject({ code: 'QUOTA.STREAMS_EXCEEDED' });
    expect((await stream(other)).status).toBe(200);

    await a.close();
    const again = await pollUntil(() => stream(key), (client) => client.status === 200, { what: 'a stream in the freed place', timeoutMs: 5_000 });
    expect(again.status).toBe(200);
  });

  it('revoking a key with the gateway CLI ends its open streams within seconds, and a reconnect is refused', async () => {
    const key = await stack.apiKey(db, ['subscriber'], 'revoked-soon');
    const bystander = await stack.apiKey(db, ['subscriber'], 'bystander');
    const [first, second, kept] = [await stream(key), await stream(key), await stream(bystander)];
    expect([first.status, second.status, kept.status]).toEqual([200, 200, 200]);

    const cli = spawnSync(process.execPath, [join(__dirname, '..', 'dist', 'services', 'gateway', 'src', 'cli.js'), 'api-key', 'revoke', '--name', 'revoked-soon'], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    });
    expect(cli.stdout).toContain('revoked "revoked-soon"');

    await pollUntil(async () => [first.ended, second.ended], ([x, y]) => x && y, { what: "the revoked key's streams to end", timeoutMs: 5_000 });
    expect(first.comments.at(-1)).toBe('closing: the API key was revoked');
    expect((await stream(key)).status).toBe(401);
    expect(kept.ended).toBe(false);
  });
});
