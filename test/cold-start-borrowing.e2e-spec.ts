import { decodeUserModelState } from '@chorus/scoring';
import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededUuid } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { startGateway, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Cold-start borrowing (issue #16) on the real stack, LEARNER_BORROWING on: the learner scores each cold user's events
 * with a donor from their partition's pool before learning them and keeps the guard's evidence in user_models.state;
 * the gateway serves the donor's profile only to the user whose own events show it beats the aggregate.
 *
 * Planted: six donors in one partition, three who click drama and skip comedy, three the reverse (the aggregate is
 * about neutral on both). `fan` has the first three's taste; `undecided` clicks and skips both genres alike, so
 * whichever donor they get is wrong on half of their events.
 */
describe('cold-start borrowing: learner evidence → Postgres → GET /v1/users/:id/recommendations', () => {
  const stack = new TestStack(1); // one partition: donors and cold users share the pool
  const COLD = 20;
  let db: DataSource;
  let gateway: { app: INestApplication; url: string };
  let learner: Awaited<ReturnType<typeof startLearner>> | undefined;
  let admin: string;
  let sent = 0;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  };
  const event = (userId: string, type: 'click' | 'skip', itemId: string) => {
    const n = sent++;
    return { eventId: seededUuid(`borrowing:${n}`), userId, domain: 'movies', occurredAt: new Date(Date.parse('2026-01-01T00:00:00Z') + n * 1000).toISOString(), type, itemId };
  };
  const send = async (events: ReturnType<typeof event>[]) => {
    expect((await call('POST', '/v1/feedback', { events })).status).toBe(202);
    await pollUntil(() => call('GET', '/v1/models/aggregate?domain=movies'), (r) => JSON.parse(r.text)?.eventsSeen === sent, { what: `the aggregate to count ${sent} events` });
  };
  /** A user's events over items 0…count/2 − 1 of each genre: clicks where they like the genre, skips where not. */
  const taste = (userId: string, likes: 'drama' | 'comedy' | 'both-halves', count: number) =>
    Array.from({ length: count }, (_, k) => {
      const genre = k % 2 === 0 ? 'drama' : 'comedy';
      const item = `${genre}-${Math.floor(k / 2)}`;
      const liked = likes === 'both-halves' ? Math.floor(k / 2) % 2 === 0 : genre === likes;
      return event(userId, liked ? 'click' : 'skip', item);
    });

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    const env = serviceEnv(stack, database.url, {
      LEARNER_FLUSH_INTERVAL_MS: '100',
      GATEWAY_MODEL_CACHE_SECONDS: '0',
      LEARNER_BORROWING: 'true',
      LEARNER_BORROWING_COLD_EVENTS: String(COLD),
    });
    gateway = await startGateway(env);
    learner = await startLearner(env);
    admin = await stack.apiKey(db, ['admin'], 'admin');
    const items = ['drama', 'comedy'].flatMap((genre) => Array.from({ length: 20 }, (_, i) => ({ itemId: `${genre}-${i}`, domain: 'movies', categories: { [genre]: 1 } })));
    expect((await call('POST', '/v1/items/import', { items })).status).toBe(201);
  });

  afterAll(async () => {
    await learner?.app.close();
    await gateway?.app.close();
    await stack.stop();
  });

  it('borrows for the user whose events show the donor helps, not for the one they do not, and never names the donor', async () => {
    const donors = ['d-drama-1', 'd-drama-2', 'd-drama-3', 'd-comedy-1', 'd-comedy-2', 'd-comedy-3'];
    await send(donors.flatMap((id) => taste(id, id.includes('drama') ? 'drama' : 'comedy', COLD)));
    const pool: { donor_pool: { userId: string }[] }[] = await db.query(`SELECT donor_pool FROM aggregate_shards WHERE domain = 'movies'`);
    expect(pool[0]!.donor_pool.map((d) => d.userId).sort()).toEqual([...donors].sort());

    await send([...taste('fan', 'drama', 12), ...taste('undecided', 'both-halves', 12)]);
    const rows = ((await db.query(`SELECT user_id, state FROM user_models WHERE user_id IN ('fan', 'undecided') ORDER BY user_id`)) as { user_id: string; state: Buffer }[]).map(
      (row) => ({ user_id: row.user_id, borrowing: decodeUserModelState(row.state).borrowing! }),
    );
    const [fan, undecided] = rows;
    // Every event but the first was scored with a donor before it was learned: 11 of 12, kept once each.
    expect(fan!.borrowing.evidence.n).toBe(11);
    expect(undecided!.borrowing.evidence.n).toBe(11);
    expect(fan!.borrowing.donor!.userId).toMatch(/^d-drama-/);
    expect(fan!.borrowing.evidence.mean).toBeGreaterThan(0);

    const served = await call('GET', '/v1/users/fan/recommendations?domain=movies&n=5');
    expect(served.status).toBe(200);
    const list = JSON.parse(served.text);
    expect(list.policy).toBe('borrowed');
    expect(list.borrowed).toMatchObject({ from: 'similar-user', events: 11 });
    expect(list.borrowed.lowerBound).toBeGreaterThan(0);
    expect(list.items.map((item: { itemId: string }) => item.itemId).every((id: string) => id.startsWith('drama-'))).toBe(true);
    for (const donor of donors) expect(served.text).not.toContain(donor);

    const other = JSON.parse((await call('GET', '/v1/users/undecided/recommendations?domain=movies&n=5')).text);
    expect(other.policy).toBe('accuracy');
    expect(other.borrowed).toBeUndefined();

    // Past the cold threshold the user is served their own deviation and the row drops the borrowing state.
    await send(taste('fan', 'drama', COLD - 12).map((e) => ({ ...e, itemId: e.itemId.replace(/-(\d+)$/, (_, n) => `-${Number(n) + 6}`) })));
    const warm = JSON.parse((await call('GET', '/v1/users/fan/recommendations?domain=movies&n=5')).text);
    expect(warm.policy).toBe('accuracy');
    const [row]: { state: Buffer }[] = await db.query(`SELECT state FROM user_models WHERE user_id = 'fan'`);
    expect(decodeUserModelState(row!.state).borrowing).toBeUndefined();
    expect(learner!.fatal).toEqual([]);
  });
});
