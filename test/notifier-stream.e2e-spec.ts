import type { DriftAlertV1 } from '@chorus/contracts';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertProducer, driftAlert, dropQueueKeys, notifierEnv, SseClient, startNotifier } from './support/notifier';
import { notifierRetentionPolicies } from '../services/notifier/src/persistence/retention.policy';
import { pollUntil } from './support/poll';
import { backdate, sweeperOf } from './support/retention';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * The Server-Sent Events stream: filtered, resumable from Last-Event-ID with no gap and no duplicate, while alerts keep
 * arriving from Kafka (3 partitions, so arrival order is the notifier's store order, not production order).
 */
describe('notifier: live alert stream (SSE)', () => {
  const stack = new TestStack(3);
  const alerts = new AlertProducer(stack);
  let db: DataSource;
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  let key: string;
  const open: SseClient[] = [];

  const stream = async (query = '', headers: Record<string, string> = {}) => {
    const client = new SseClient(`${notifier.url}/v1/alerts/stream${query}`, { authorization: `Bearer ${key}`, ...headers });
    open.push(client);
    await client.connect();
    expect(client.status).toBe(200);
    // The server says "live" once the replay is done and the client is on the live feed.
    await pollUntil(async () => client.comments.includes('live'), Boolean, { what: 'the stream to go live' });
    return client;
  };
  /** alert ids in store (seq) order, as the stream must deliver them. */
  const storedIds = async (where = 'true'): Promise<{ seq: string; alertId: string }[]> =>
    (await db.query(`SELECT seq::text AS seq, alert_id FROM notifier_alerts a WHERE ${where} ORDER BY a.seq`)).map((r: any) => ({ seq: r.seq, alertId: r.alert_id }));
  const received = (client: SseClient) => client.events.map((e) => ({ seq: e.id!, alertId: (JSON.parse(e.data) as DriftAlertV1).alertId }));

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    notifier = await startNotifier(notifierEnv(stack, serviceEnv(stack, database.url), { NOTIFIER_ROLES: 'api,consumer' }));
    key = await stack.apiKey(db, ['subscriber'], 'streamer');
    await alerts.connect();
  });

  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await alerts.disconnect();
    await notifier?.app.close();
    await dropQueueKeys(stack);
    await stack.stop();
  });

  it('replays stored alerts after Last-Event-ID that match the filters, then continues live', async () => {
    const first = [1, 2, 3, 4, 5].map((n) => driftAlert(n, { domain: n % 2 ? 'movies' : 'news' }));
    await alerts.send(first);
    await pollUntil(() => storedIds(), (rows) => rows.length === 5, { what: 'five alerts stored' });

    const movies = await stream('?domains=movies', { 'last-event-id': '0' });
    const expectedReplay = await storedIds(`domain = 'movies'`);
    expect(received(movies)).toEqual(expectedReplay);
    expect(movies.events.every((e) => e.event === 'drift-alert')).toBe(true);
    expect(JSON.parse(movies.events[0]!.data)).toEqual(first.find((a) => a.alertId === expectedReplay[0]!.alertId));

    await alerts.send([driftAlert(6, { domain: 'movies' }), driftAlert(7, { domain: 'news' }), driftAlert(8, { domain: 'movies', severity: 'critical' })]);
    await pollUntil(async () => movies.events.length, (n) => n === 5, { what: 'two live movie alerts' });
    expect(received(movies)).toEqual(await storedIds(`domain = 'movies'`));

    // Several filters combine with AND; `?lastEventId=` works like the header (for an EventSource's first connect).
    const critical = await stream('?domains=movies&severities=critical&lastEventId=0');
    expect(received(critical)).toEqual(await storedIds(`domain = 'movies' AND severity = 'critical'`));
    expect(critical.events).toHaveLength(1);
  });

  it('starts with the next alert when no Last-Event-ID is given, and keeps idle streams alive', async () => {
    const fresh = await stream();
    expect(fresh.events).toEqual([]);
    const next = driftAlert(20);
    await alerts.send([next]);
    await pollUntil(async () => fresh.events.length, (n) => n === 1, { what: 'the next alert' });
    expect(JSON.parse(fresh.events[0]!.data).alertId).toBe(next.alertId);
    await pollUntil(async () => fresh.comments.filter((c) => c === 'keep-alive').length, (n) => n >= 1, { what: 'a keep-alive comment', timeoutMs: 5_000 });
  });

  it('misses no alert and repeats none across disconnects and reconnects with Last-Event-ID, while alerts keep arriving', async () => {
    const start = (await storedIds()).at(-1)?.seq ?? '0';
    const client0 = await stream('?domains=movies');
    let producing = true;
    const produced: DriftAlertV1[] = [];
    const producer = (async () => {
      for (let n = 100; producing && n < 400; n += 3) {
        const batch = [n, n + 1, n + 2].map((i) => driftAlert(i, { domain: i % 3 === 0 ? 'news' : 'movies', subject: `user-${i % 7}` }));
        produced.push(...batch);
        await alerts.send(batch);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();

    // Four sessions: read a few alerts, drop the connection abruptly, stay away while alerts are stored, resume.
    const sessions: SseClient[] = [client0];
    const storedWhileAway: bigint[] = [];
    for (let round = 0; round < 3; round++) {
      const current = sessions.at(-1)!;
      await pollUntil(async () => current.events.length, (n) => n >= 4, { what: `session ${round} to receive alerts` });
      await current.close();
      const storedBefore = (await storedIds()).length;
      const gap = await pollUntil(() => storedIds(), (rows) => rows.length >= storedBefore + 6, { what: 'alerts stored while disconnected' });
      storedWhileAway.push(BigInt(gap.at(-1)!.seq));
      sessions.push(await stream('?domains=movies', { 'last-event-id': current.lastId! }));
    }
    producing = false;
    await producer;
    const expected = await pollUntil(
      () => storedIds(`seq > ${start} AND domain = 'movies'`),
      (rows) => rows.length === produced.filter((a) => a.domain === 'movies').length,
      { what: 'every produced movie alert stored' },
    );
    const last = sessions.at(-1)!;
    await pollUntil(async () => last.lastId, (id) => id === expected.at(-1)!.seq, { what: 'the last session to catch up', timeoutMs: 15_000 });

    const all = sessions.flatMap(received);
    expect(all.length).toBeGreaterThan(30);
    expect(all).toEqual(expected);
    expect(new Set(all.map((a) => a.alertId)).size).toBe(all.length);
    // Each resumed session started with the replay: its first alert was stored while no client was connected.
    for (let i = 1; i < sessions.length; i++) expect(BigInt(sessions[i]!.events[0]!.id!)).toBeLessThanOrEqual(storedWhileAway[i - 1]!);
    // Dropped connections leave the feed: only the streams still open are connected.
    await pollUntil(async () => notifier.feed.connected, (n) => n === open.filter((c) => !c.ended).length, { what: 'closed streams to leave the feed' });
    expect(open.filter((c) => c.ended).length).toBeGreaterThanOrEqual(3);
    expect(notifier.fatal).toEqual([]);
  });

  it('tells a client resuming below what retention deleted that alerts may be missing, then replays what is kept', async () => {
    const before = (await storedIds()).length;
    await alerts.send([500, 501, 502].map((n) => driftAlert(n, { domain: 'retained' })));
    const rows = await pollUntil(() => storedIds(`domain = 'retained'`), (r) => r.length === 3, { what: 'three alerts stored' });
    expect((await storedIds()).length).toBe(before + 3);
    // Every alert but the newest is past a 90-day retention; a sweep deletes them and records the highest seq deleted.
    await backdate(db, 'notifier_alerts', 'received_at', 91, `seq < $2`, [rows[2]!.seq]);
    const { sweeper } = sweeperOf(notifierRetentionPolicies(db, { NOTIFIER_ALERT_RETENTION_DAYS: 90, NOTIFIER_DELIVERY_RETENTION_DAYS: 90 }), 1_000);
    expect((await sweeper.sweep()).deleted).toEqual({ notifier_alerts: before + 2 });
    expect(await storedIds()).toEqual([rows[2]]);

    const behind = await stream('?domains=retained', { 'last-event-id': rows[0]!.seq });
    await pollUntil(async () => behind.events.length, (n) => n === 2, { what: 'the gap and the kept alert' });
    expect(behind.events[0]!.event).toBe('gap');
    expect(behind.events[0]!.id).toBeUndefined(); // the client's Last-Event-ID stays its own
    expect(JSON.parse(behind.events[0]!.data)).toMatchObject({ after: rows[0]!.seq, deletedThrough: rows[1]!.seq });
    expect(received({ events: behind.events.slice(1) } as SseClient)).toEqual([rows[2]]);

    // At or past the mark nothing is missing: no gap.
    const current = await stream('?domains=retained', { 'last-event-id': rows[1]!.seq });
    await pollUntil(async () => current.events.length, (n) => n === 1, { what: 'the kept alert' });
    expect(received(current)).toEqual([rows[2]]);
  });
});
