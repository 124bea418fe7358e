import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { catalogue } from './support/feedback-factory';
import { learnerCommitted, learnerModelState, produceFeedback, validFeedback } from './support/learner-store';
import { pollUntil } from './support/poll';
import { counterValue } from './support/reranker';
import { LearnerProcess, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

const TOTAL = 20_000;

/**
 * A learner sent SIGTERM mid-stream drains: it stops fetching, commits everything it has applied (state and offsets in
 * one transaction, nothing more) and exits 0 within seconds. Restarted, it continues where the drain committed, and
 * ends in the state of an uninterrupted run over the same events.
 */
describe('learner SIGTERM mid-batch', () => {
  const stack = new TestStack(3);
  let reference: { app: INestApplication; fatal: Error[] };
  let drained: LearnerProcess | undefined;
  let refDb: DataSource;
  let drainDb: DataSource;
  let drainUrl: string;

  beforeAll(async () => {
    await stack.start();
    const ref = await stack.database('ref');
    const drain = await stack.database('drain');
    refDb = ref.db;
    drainDb = drain.db;
    drainUrl = drain.url;
    for (const db of [refDb, drainDb]) await new ItemsRepository(db).upsert(catalogue(200));
    reference = await startLearner(serviceEnv(stack, ref.url, { LEARNER_GROUP_ID: `ref-${stack.id}` }));
  });

  afterAll(async () => {
    await drained?.kill();
    await reference?.app.close();
    await stack.stop();
  });

  it('commits what it applied, exits 0 promptly, and the restart continues exactly once', async () => {
    const env = serviceEnv(stack, drainUrl, {
      LEARNER_GROUP_ID: `drain-${stack.id}`,
      // Commit by count only: at the SIGTERM, up to 3000 applied events exist only in memory. Only the drain commits them.
      LEARNER_FLUSH_EVENTS: '3000',
      LEARNER_FLUSH_INTERVAL_MS: '600000',
      LEARNER_FLUSH_IDLE_MS: '600000',
    });
    drained = new LearnerProcess(env);
    await drained.start();
    const events = validFeedback(TOTAL, { users: 300, items: 200, seed: 21 });
    const producing = produceFeedback(stack.kafka, stack.topic('feedback'), events);

    // A moment with applied-but-uncommitted events: frozen (SIGSTOP) while "applied" (its gauge) and "committed"
    // (Postgres) are compared, then sent SIGTERM.
    let appliedAtStop = 0;
    let committedAtStop = 0;
    await pollUntil(
      async () => {
        const applied = await drained!.metricSum('learner_next_offset');
        if (applied < 4000) return false;
        drained!.signal('SIGSTOP');
        const inStore = await learnerCommitted(drainDb);
        if (applied > inStore) {
          appliedAtStop = applied;
          committedAtStop = inStore;
          return true;
        }
        drained!.signal('SIGCONT');
        return false;
      },
      (found) => found,
      { what: 'a moment with applied-but-uncommitted events', timeoutMs: 60_000, intervalMs: 5 },
    );
    const signalledAt = Date.now();
    drained.signal('SIGTERM');
    drained.signal('SIGCONT');
    const exit = await drained.exited;
    const drainMs = Date.now() - signalledAt;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(drainMs).toBeLessThan(10_000);
    expect(drained.output.join('')).not.toMatch(/"level":"error"/);
    // The drain committed at least what had been applied when the signal came (a SIGKILL would leave committedAtStop).
    const committedAfterDrain = await learnerCommitted(drainDb);
    expect(appliedAtStop).toBeGreaterThan(committedAtStop);
    expect(committedAfterDrain).toBeGreaterThanOrEqual(appliedAtStop);
    // ...and nothing more: the stored model has applied exactly the events its offsets cover.
    const [{ value: appliedInStore }] = await drainDb.query(`SELECT value FROM learner_counters WHERE name = 'applied'`);
    expect(Number(appliedInStore)).toBe(committedAfterDrain);
    // Kafka's committed offsets follow Postgres and never pass it: the transport commits to Kafka only what Postgres
    // reported committed, and nothing during the drain (the member has left the group by then).
    const stored = new Map<number, number>(
      (await drainDb.query(`SELECT partition, next_offset FROM consumer_offsets`)).map((r: { partition: number; next_offset: string }) => [r.partition, Number(r.next_offset)]),
    );
    const [kafka] = await stack.admin.fetchOffsets({ groupId: `drain-${stack.id}`, topics: [stack.topic('feedback')] });
    for (const p of kafka!.partitions) expect(Number(p.offset)).toBeLessThanOrEqual(stored.get(p.partition) ?? 0);

    await producing;
    // Restarted with the default commit cadence, so the tail of the stream is committed once caught up.
    drained = new LearnerProcess(serviceEnv(stack, drainUrl, { LEARNER_GROUP_ID: `drain-${stack.id}` }));
    await drained.start();
    await pollUntil(() => learnerCommitted(drainDb), (n) => n === TOTAL, { what: 'the restarted learner to commit every offset', timeoutMs: 90_000, intervalMs: 250 });
    await pollUntil(() => learnerCommitted(refDb), (n) => n === TOTAL, { what: 'the reference learner to commit every offset', timeoutMs: 90_000, intervalMs: 250 });
    // Nothing the drain committed came back: the restart resumed at the committed offsets.
    expect(counterValue(await drained.metrics(), 'learner_events_total', { outcome: 'redelivered' })).toBe(0);

    const [afterDrain, uninterrupted] = await Promise.all([learnerModelState(drainDb), learnerModelState(refDb)]);
    expect(uninterrupted.counters).toEqual([{ name: 'applied', value: String(TOTAL) }]);
    expect(afterDrain).toEqual(uninterrupted);
    expect(reference.fatal).toEqual([]);
  });
});
