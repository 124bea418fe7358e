import { generateApiKey } from '@chorus/platform';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GatewayProcess, startGateway } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Per-key quotas of the gateway on the real Redis, counted by two gateway processes at once, and what an invalid key
 * costs: a refusal from memory, or one read of api_keys within a per-address budget — never a write.
 */
describe('gateway: per-key quotas and the cost of an invalid key', () => {
  const stack = new TestStack(1);
  const quotas = { GATEWAY_QUOTA_INGEST: '5', GATEWAY_QUOTA_READ: '4', GATEWAY_QUOTA_ADMIN: '3', QUOTA_WINDOW_SECONDS: '120' };
  const sharedPrefix = `q-${stack.id}`;
  const lookupsPrefix = `q-${stack.id}-lookups`;
  let db: DataSource;
  let first: GatewayProcess;
  let second: GatewayProcess;
  let inProcess: Awaited<ReturnType<typeof startGateway>>;
  const redis = new Redis('redis://127.0.0.1:6379');

  const call = async (base: string, method: string, path: string, key: string | null, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json().catch(() => null)) as any };
  };
  const redisKeys = async (pattern: string) => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  };

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    const env = serviceEnv(stack, database.url, { RERANK_QUEUE_PREFIX: `chorus-${stack.id}`, ...quotas });
    first = new GatewayProcess({ ...env, QUOTA_REDIS_PREFIX: sharedPrefix });
    second = new GatewayProcess({ ...env, QUOTA_REDIS_PREFIX: sharedPrefix });
    await Promise.all([first.start(), second.start()]);
    inProcess = await startGateway({ ...env, QUOTA_REDIS_PREFIX: lookupsPrefix, QUOTA_KEY_LOOKUPS_PER_ADDRESS: '3' });
  });

  afterAll(async () => {
    await Promise.allSettled([first?.kill('SIGTERM'), second?.kill('SIGTERM'), inProcess?.app.close()]);
    const keys = [...(await redisKeys(`*${sharedPrefix}*`)), ...(await redisKeys(`*${lookupsPrefix}*`))];
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await stack.stop();
  });

  it('counts each key per route class across two gateway processes: the request past the quota is 429 with Retry-After', async () => {
    const writer = await stack.apiKey(db, ['ingest', 'read'], 'writer');
    const otherWriter = await stack.apiKey(db, ['ingest'], 'other-writer');
    const admin = await stack.apiKey(db, ['admin'], 'operator');
    const gateways = [first.url, second.url];

    // Ingest: 5 requests, alternating between the processes (neither sees more than 3), then refused on both.
    for (let i = 0; i < 5; i++) expect((await call(gateways[i % 2]!, 'POST', '/v1/feedback', writer, {})).status).toBe(400);
    for (const gateway of gateways) {
      const refused = await call(gateway, 'POST', '/v1/feedback', writer, {});
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: 'QUOTA.EXCEEDED' });
      expect(refused.body.message).toContain('ingest routes');
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(120);
    }
    // Another key has its own quota; the same key's read quota is a budget of its own.
    expect((await call(first.url, 'POST', '/v1/feedback', otherWriter, {})).status).toBe(400);
    for (let i = 0; i < 4; i++) expect((await call(gateways[i % 2]!, 'GET', '/v1/users/u-1/model?domain=movies', writer)).status).not.toBe(429);
    const read = await call(second.url, 'GET', '/v1/models/aggregate?domain=movies', writer);
    expect(read).toMatchObject({ status: 429, body: { code: 'QUOTA.EXCEEDED' } });
    expect(Number(read.retryAfter)).toBeGreaterThanOrEqual(1);

    // Admin routes: 3, then refused; public routes are never counted.
    for (let i = 0; i < 3; i++) expect((await call(gateways[i % 2]!, 'GET', '/v1/admin/rerank/jobs/none', admin)).status).toBe(404);
    const adminRefused = await call(first.url, 'GET', '/v1/admin/drift/segments?domain=movies', admin);
    expect(adminRefused).toMatchObject({ status: 429, body: { code: 'QUOTA.EXCEEDED' } });
    expect(Number(adminRefused.retryAfter)).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 10; i++) expect((await fetch(`${first.url}/metrics`)).status).toBe(200);

    // The counters are keyed by the key's id, never by the secret a client presented.
    const counters = await redisKeys(`*${sharedPrefix}:gateway:quota:*`);
    const ids: string[] = (await db.query(`SELECT id::text FROM api_keys WHERE name IN ('writer', 'other-writer', 'operator')`)).map((r: { id: string }) => r.id);
    expect(counters.length).toBeGreaterThan(0);
    for (const counter of counters) expect(ids.some((id) => counter.includes(id))).toBe(true);
    for (const secret of [writer, otherWriter, admin]) expect(counters.some((counter) => counter.includes(secret))).toBe(false);
  });

  it('refuses an invalid key with 401 and writes nothing: malformed keys cost no query, an unknown key one read, and lookups are bounded per address', async () => {
    const base = inProcess.url.replace('[::1]', '127.0.0.1');
    const gatewayDb = inProcess.app.get(DataSource);
    const queries = vi.spyOn(gatewayDb, 'query');
    const keysBefore = await db.query(`SELECT * FROM api_keys ORDER BY id`);
    try {
      for (const malformed of ['chorus_nope_nope', 'x'.repeat(10_000), `chorus_${'a'.repeat(8)}_${'b'.repeat(42)}`, `${generateApiKey().key.slice(0, -1)}!`, "chorus_' OR 1=1 --"]) {
        expect(await call(base, 'POST', '/v1/feedback', malformed, {})).toMatchObject({ status: 401, body: { code: 'AUTH.INVALID_KEY' } });
        expect(await call(base, 'GET', '/v1/models/aggregate?domain=movies', null, undefined, { 'x-api-key': malformed })).toMatchObject({ status: 401 });
      }
      expect(queries).not.toHaveBeenCalled();

      // A well-formed key no one holds: one read the first time, then refused from memory.
      const unknown = generateApiKey().key;
      for (let i = 0; i < 3; i++) expect(await call(base, 'POST', '/v1/feedback', unknown, {})).toMatchObject({ status: 401, body: { code: 'AUTH.INVALID_KEY' } });
      expect(queries).toHaveBeenCalledTimes(1);
      expect(String(queries.mock.calls[0]![0])).toMatch(/^\s*SELECT/);

      // QUOTA_KEY_LOOKUPS_PER_ADDRESS=3: two more unknown keys are looked up, the next is refused before any query.
      for (let i = 0; i < 2; i++) expect((await call(base, 'POST', '/v1/feedback', generateApiKey().key, {})).status).toBe(401);
      const guessing = await call(base, 'POST', '/v1/feedback', generateApiKey().key, {});
      expect(guessing).toMatchObject({ status: 429, body: { code: 'AUTH.TOO_MANY_LOOKUPS' } });
      expect(Number(guessing.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(queries).toHaveBeenCalledTimes(3);
      expect(queries.mock.calls.every(([sql]) => /^\s*SELECT/.test(String(sql)))).toBe(true);
    } finally {
      queries.mockRestore();
    }
    expect(await db.query(`SELECT * FROM api_keys ORDER BY id`)).toEqual(keysBefore);
    // No quota counter was written for any of those keys: only the per-address lookup budget.
    expect(await redisKeys(`*${lookupsPrefix}:gateway:quota:*`)).toEqual([]);
    expect((await redisKeys(`*${lookupsPrefix}:gateway:key-lookups:*`)).length).toBeGreaterThan(0);
  });
});
