import { decodeUserModelState, type UserModelState } from '@chorus/scoring';
import { feedbackEventV1 } from '@chorus/contracts';
import type { INestApplication } from '@nestjs/common';
import { Partitioners } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { catalogue, feedbackStream } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { LearnerProcess, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

const TOTAL = 30_000;

async function committed(db: DataSource): Promise<number> {
  const [row] = await db.query(`SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM consumer_offsets`);
  return Number(row.n);
}

async function modelState(db: DataSource) {
  const users = await db.query(`SELECT user_id, domain, state::text AS state, events_seen FROM user_models ORDER BY user_id, domain`);
  const shards = await db.query(`SELECT domain, shard, state::text AS state, events_seen FROM aggregate_shards ORDER BY domain, shard`);
  const counters = await db.query(`SELECT name, value FROM learner_counters ORDER BY name`);
  const [{ n: interactions }] = await db.query(`SELECT count(*)::int AS n FROM user_items`);
  const pairs = await db.query(`SELECT domain, shard, item_a, item_b, n, a FROM reliability_pair_counts ORDER BY domain, shard, item_a, item_b`);
  return { users, shards, counters, interactions, pairs };
}

/**
 * Exactly-once effect across a crash: a learner SIGKILLed mid-stream and restarted ends with the same model state,
 * bit for bit, as one that ran uninterrupted over the same events. The stream repeats pairwise judgments under
 * framings and positions, and ratings, clicks and skips of the same items, so the state includes reliability (each
 * user's in their row with their item signals, the pair counts per partition) and the weights it gave (issue #15): a
 * judgment weighed twice, or weighed against counts that lost a judgment, would move the posteriors. Judgments under a
 * framing also teach the user's deviation for it (the row's `conditions` key), compared with the rest of the row.
 */
describe('learner crash recovery', () => {
  const stack = new TestStack(3);
  let reference: { app: INestApplication };
  let crashed: LearnerProcess | undefined;
  let refDb: DataSource;
  let crashDb: DataSource;
  let crashUrl: string;

  beforeAll(async () => {
    await stack.start();
    const ref = await stack.database('ref');
    const crash = await stack.database('crash');
    refDb = ref.db;
    crashDb = crash.db;
    crashUrl = crash.url;
    for (const db of [refDb, crashDb]) await new ItemsRepository(db).upsert(catalogue(200));
    reference = await startLearner(serviceEnv(stack, ref.url, { LEARNER_GROUP_ID: `ref-${stack.id}` }));
  });

  afterAll(async () => {
    await crashed?.kill();
    await reference?.app.close();
    await stack.stop();
  });

  it('SIGKILLed mid-stream and restarted, ends in the same state as an uninterrupted run', async () => {
    const crashEnv = serviceEnv(stack, crashUrl, {
      LEARNER_GROUP_ID: `crash-${stack.id}`,
      // Commit by count only, so at any moment up to 3000 applied events are in memory and not yet in Postgres.
      LEARNER_FLUSH_EVENTS: '3000',
      LEARNER_FLUSH_INTERVAL_MS: '600000',
      LEARNER_FLUSH_IDLE_MS: '600000',
    });
    crashed = new LearnerProcess(crashEnv);
    await crashed.start();

    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const events = feedbackStream(TOTAL, { users: 300, items: 200, seed: 5, repeatedJudgments: true }).map((e) => feedbackEventV1.parse(e));
    const producing = (async () => {
      for (let i = 0; i < events.length; i += 500) {
        await producer.send({ topic: stack.topic('feedback'), messages: events.slice(i, i + 500).map((e) => ({ key: e.userId, value: JSON.stringify(e) })) });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // Freeze the learner at a moment when it has applied events it has not committed, then kill it. SIGSTOP first so
    // the comparison of "consumed" (its own gauge) and "committed" (Postgres) is not raced by a flush in between.
    let consumedAtKill = 0;
    let committedAtKill = 0;
    await pollUntil(
      async () => {
        const consumed = await crashed!.metricSum('learner_next_offset');
        if (consumed < 6000) return false;
        crashed!.signal('SIGSTOP');
        await new Promise((r) => setTimeout(r, 300));
        const inStore = await committed(crashDb);
        if (inStore > 0 && consumed > inStore) {
          consumedAtKill = consumed;
          committedAtKill = inStore;
          return true;
        }
        crashed!.signal('SIGCONT');
        return false;
      },
      (done) => done,
      { what: 'a moment with applied-but-uncommitted events', timeoutMs: 60_000, intervalMs: 5 },
    );
    await crashed.kill('SIGKILL');
    await producing;
    await producer.disconnect();

    // Events in [committedAtKill, consumedAtKill) were applied in memory, lost with the process, and must be
    // delivered again: this is the redelivery the restart has to absorb without applying anything twice.
    expect(consumedAtKill).toBeGreaterThan(committedAtKill);
    expect(committedAtKill).toBeLessThan(TOTAL);

    crashed = new LearnerProcess(crashEnv);
    await crashed.start();
    await pollUntil(() => committed(crashDb), (n) => n === TOTAL, { what: 'the restarted learner to commit every offset', timeoutMs: 120_000, intervalMs: 250 });
    await pollUntil(() => committed(refDb), (n) => n === TOTAL, { what: 'the reference learner to commit every offset', timeoutMs: 120_000, intervalMs: 250 });

    const [afterCrash, uninterrupted] = await Promise.all([modelState(crashDb), modelState(refDb)]);
    expect(uninterrupted.users.length).toBe(300);
    expect(uninterrupted.counters).toEqual([{ name: 'applied', value: String(TOTAL) }]);
    expect(afterCrash.counters).toEqual(uninterrupted.counters);
    expect(afterCrash.shards).toEqual(uninterrupted.shards);
    expect(afterCrash.users).toEqual(uninterrupted.users);
    expect(afterCrash.interactions).toBe(uninterrupted.interactions);
    // Reliability was at work: users judged their pairs again, and not every judgment weighed 1.
    expect(uninterrupted.pairs.some((p: { n: string }) => Number(p.n) >= 4)).toBe(true);
    expect(afterCrash.pairs).toEqual(uninterrupted.pairs);
    const rows: UserModelState[] = uninterrupted.users.map((u: { state: string }) => decodeUserModelState(Buffer.from(u.state.slice(2), 'hex')));
    const reliability = rows.map((row) => row.reliability).filter((r) => r !== undefined);
    expect(reliability.length).toBe(300);
    expect(reliability.some((r) => r.counts[5]! < r.counts[0]! * 0.99)).toBe(true);
    // And the item half: users rated, clicked and skipped items again, and not every repeat weighed 1.
    expect(reliability.some((r) => r.items !== undefined && r.items.counts[1]! < r.items.counts[0]! * 0.99)).toBe(true);
    // And per-condition deviations (LEARNER_CONDITION_DEVIATIONS, on by default): judgments under framings taught the
    // users' deviations per framing, which the users' rows above (equal bit for bit) carry.
    const conditions = rows.map((row) => row.conditions).filter((c) => c !== undefined);
    expect(conditions.length).toBeGreaterThan(100);
    expect(conditions.some((c) => Object.keys(c.conditions).length >= 2)).toBe(true);
  });
});
