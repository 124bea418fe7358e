import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream, type DriftMessage } from '../services/drift-watch/src/testing/drift-stream.fixture';
import { driftCommitted, driftCommittedState, DRIFT_TEST_ENV, produceDriftMessages, seedCatalogue, startDriftWatch } from './support/drift-watch';
import { pollUntil } from './support/poll';
import { serviceEnv, TestStack } from './support/test-stack';

const ROUNDS = 120;
/**
 * The two topics of a partition are merged in event time, a message waiting for the other topic at most
 * DRIFT_MERGE_IDLE_MS; on a loaded 2-core machine a fetch can lag longer than the default 2 s, and an instance that
 * stops waiting applies the events in another order. Generous here, so the order is the events' and not the machine's.
 */
const env = { ...DRIFT_TEST_ENV, DRIFT_RERANK_ENABLED: 'false', DRIFT_MERGE_IDLE_MS: '6000' };

/**
 * drift-watch's state is kept per partition (user state with its user, population state per shard) and committed with
 * the partition's offsets, so two instances sharing one group — the second joining mid-stream, partitions moving
 * between them while events flow — end in the state one instance alone reaches: the same user and population state,
 * series and alerts. 9 news users × 120 rounds; two narrow (one before the join, one after), 7 controls.
 */
describe('drift-watch with two instances in one group', () => {
  const stack = new TestStack(3);
  const instances: Awaited<ReturnType<typeof startDriftWatch>>[] = [];
  const start = Date.parse('2026-03-04T09:00:00Z');
  const group = (name: string) => `drift-${name}-${stack.id}`;
  let single: DataSource;
  let pair: DataSource;
  let pairUrl: string;
  let messages: DriftMessage[] = [];

  beforeAll(async () => {
    await stack.start();
    const one = await stack.database('one');
    const two = await stack.database('two');
    single = one.db;
    pair = two.db;
    pairUrl = two.url;
    for (const db of [single, pair]) await seedCatalogue(db, driftCatalogue('news'));
    instances.push(await startDriftWatch(serviceEnv(stack, one.url, { ...env, DRIFT_GROUP_ID: group('one') })));
    instances.push(await startDriftWatch(serviceEnv(stack, two.url, { ...env, DRIFT_GROUP_ID: group('two') })));
    const user = (userId: string, seed: number, narrow?: { from: number; to: number }) =>
      userStream({ userId, domain: 'news', rounds: ROUNDS, seed, startMs: start, stepMs: 60_000, ...(narrow ? { narrow: { category: 'science' as const, ...narrow } } : {}) });
    messages = interleave([user('early', 1, { from: 20, to: 50 }), user('late', 2, { from: 70, to: 110 }), ...[3, 4, 5, 6, 7, 8, 9].map((seed) => user(`control-${seed}`, seed))]);
  });

  afterAll(async () => {
    for (const instance of instances) await instance.app.close();
    await stack.stop();
  });

  it('ends in the same state, series and alerts as one instance alone', async () => {
    const half = Math.floor(messages.length / 2);
    await produceDriftMessages(stack, messages.slice(0, half));
    await pollUntil(() => driftCommitted(pair, group('two')), (n) => n > 0, { what: 'the first instance to commit' });
    const joiner = await startDriftWatch(serviceEnv(stack, pairUrl, { ...env, DRIFT_GROUP_ID: group('two') }));
    instances.push(joiner);
    for (let i = half; i < messages.length; i += 60) {
      await produceDriftMessages(stack, messages.slice(i, i + 60));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }

    const total = messages.length;
    await pollUntil(() => driftCommitted(single, group('one')), (n) => n === total, { what: 'the single instance to commit every offset', timeoutMs: 60_000, intervalMs: 200 });
    await pollUntil(() => driftCommitted(pair, group('two')), (n) => n === total, { what: 'the pair to commit every offset', timeoutMs: 60_000, intervalMs: 200 });
    const [alone, shared] = await Promise.all([driftCommittedState(single), driftCommittedState(pair)]);
    expect(alone.users).toHaveLength(9);
    expect(alone.alerts.map((a: { subject: string }) => a.subject)).toEqual(expect.arrayContaining(['early', 'late']));
    expect(shared).toEqual(alone);
    for (const instance of instances) expect(instance.fatal).toEqual([]);
    // The joiner really took partitions over and worked on them.
    const joinerOffsets = (await joiner.registry.getSingleMetric('drift_watch_next_offset')?.get())?.values ?? [];
    expect(joinerOffsets.some((v) => v.value > 0)).toBe(true);
  });
});
