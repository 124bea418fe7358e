import type { DataSource, QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { catalogue } from './support/feedback-factory';
import { learnerCommitted, learnerModelState, produceFeedback, validFeedback } from './support/learner-store';
import { pollUntil } from './support/poll';
import { counterValue } from './support/reranker';
import { LearnerProcess, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

const TOTAL = 12_000;
/** Produced during the second test, while its first member is stalled. */
const LATE = 3_000;
type InProcessLearner = Awaited<ReturnType<typeof startLearner>>;

/**
 * Group membership faults, each against a reference learner that consumed the same topic uninterrupted: a member that
 * joins and is SIGKILLed mid-stream, and a member stalled longer than the session timeout by a real cause (a table
 * lock held by the test). Either way every event is applied exactly once and the state equals the reference's.
 */
describe('learner group membership faults', () => {
  const stack = new TestStack(3);
  const events = validFeedback(TOTAL, { users: 240, items: 150, seed: 33 });
  const inProcess: InProcessLearner[] = [];
  const processes: LearnerProcess[] = [];
  let refDb: DataSource;

  const database = async (label: string) => {
    const created = await stack.database(label);
    await new ItemsRepository(created.db).upsert(catalogue(150));
    return created;
  };
  const learnerIn = async (url: string, group: string, extra: Record<string, string> = {}) => {
    const learner = await startLearner(serviceEnv(stack, url, { LEARNER_GROUP_ID: `${group}-${stack.id}`, ...extra }));
    inProcess.push(learner);
    return learner;
  };
  const members = async (group: string) => (await stack.admin.describeGroups([`${group}-${stack.id}`])).groups[0]!;
  const expectReferenceState = async (db: DataSource, what: string, total = TOTAL) => {
    await pollUntil(() => learnerCommitted(db), (n) => n === total, { what: `${what} to commit every offset`, timeoutMs: 90_000, intervalMs: 250 });
    await pollUntil(() => learnerCommitted(refDb), (n) => n === total, { what: 'the reference to commit every offset', timeoutMs: 90_000, intervalMs: 250 });
    const [faulted, reference] = await Promise.all([learnerModelState(db), learnerModelState(refDb)]);
    expect(reference.counters).toEqual([{ name: 'applied', value: String(total) }]);
    expect(faulted).toEqual(reference);
  };

  beforeAll(async () => {
    await stack.start();
    const ref = await database('ref');
    refDb = ref.db;
    await learnerIn(ref.url, 'ref');
  });

  afterAll(async () => {
    for (const p of processes) await p.kill();
    for (const learner of inProcess) await learner.app.close().catch(() => undefined);
    await stack.stop();
  });

  it('a second member joins mid-stream and is SIGKILLed: the survivor takes its partitions over, exactly once', async () => {
    const { db, url } = await database('leave');
    const survivor = await learnerIn(url, 'leave');
    await produceFeedback(stack.kafka, stack.topic('feedback'), events.slice(0, TOTAL / 2), { pauseMs: 0 });
    await pollUntil(() => learnerCommitted(db), (n) => n > 0, { what: 'the first member to commit' });

    // The joiner commits by count only, so when it is killed it holds applied events that no commit has made durable.
    const joiner = new LearnerProcess(serviceEnv(stack, url, { LEARNER_GROUP_ID: `leave-${stack.id}`, LEARNER_FLUSH_EVENTS: '2000', LEARNER_FLUSH_INTERVAL_MS: '600000', LEARNER_FLUSH_IDLE_MS: '600000' }));
    processes.push(joiner);
    await joiner.start();
    const producing = produceFeedback(stack.kafka, stack.topic('feedback'), events.slice(TOTAL / 2), { chunk: 200, pauseMs: 100 });
    await pollUntil(async () => counterValue(await joiner.metrics(), 'learner_events_total', { outcome: 'applied' }), (n) => n >= 500, {
      what: 'the joiner to apply events of its own',
      timeoutMs: 60_000,
    });
    await joiner.kill('SIGKILL');
    await producing;

    await expectReferenceState(db, 'the survivor');
    expect((await members('leave')).members).toHaveLength(1);
    expect(survivor.fatal).toEqual([]);
  });

  it('a member stalled past the session timeout by a table lock is evicted; the fence keeps the effect exactly once', async () => {
    const { db, url } = await database('slow');
    // The test's own connection holds an ACCESS EXCLUSIVE lock on user_models: the first member's apply thread blocks
    // loading its first users. Events keep arriving, so batches queue up to the hand-off limit, then the batch handler
    // stops returning, and with it the heartbeats (kafkajs heartbeats between batches only).
    const lock: QueryRunner = db.createQueryRunner();
    await lock.connect();
    await lock.startTransaction();
    await lock.query(`LOCK TABLE user_models IN ACCESS EXCLUSIVE MODE`);
    try {
      const stalled = await learnerIn(url, 'slow');
      await pollUntil(() => members('slow'), (g) => g.state === 'Stable' && g.members.length === 1, { what: 'the stalled member to join', timeoutMs: 30_000 });
      await produceFeedback(stack.kafka, stack.topic('feedback'), validFeedback(LATE, { users: 240, items: 150, seed: 34 }), { chunk: 300, pauseMs: 300 });
      // Session timeout 6 s: the coordinator evicts it and the group is left empty.
      await pollUntil(() => members('slow'), (g) => g.members.length === 0, { what: 'the stalled member to be evicted', timeoutMs: 30_000, intervalMs: 250 });
      expect(await learnerCommitted(db)).toBe(0);

      const successor = await learnerIn(url, 'slow');
      await pollUntil(() => members('slow'), (g) => g.state === 'Stable' && g.members.length === 1, { what: 'the successor to own every partition', timeoutMs: 30_000 });
      await lock.rollbackTransaction();

      // Both applied the same events from the same stored offsets; whichever commits second is refused by the fence
      // (the conditional offset update) and stops rather than write state a second time. A supervisor restarts it,
      // and it resumes from the offsets of record.
      const settled = await pollUntil(
        async () => ({ fenced: [stalled, successor].filter((l) => l.fatal.length > 0), committed: await learnerCommitted(db) }),
        (s) => s.fenced.length > 0 || s.committed === TOTAL + LATE,
        { what: 'a member to be fenced or the group to commit everything', timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(settled.fenced.length).toBeLessThanOrEqual(1);
      for (const fenced of settled.fenced) {
        // (The PartitionFencedError crosses from the apply thread as its message.)
        expect(fenced.fatal.map((e) => e.message)).toEqual([expect.stringMatching(/^partitions [\d, ]+ were committed by another learner since this one loaded them/)]);
        await fenced.app.close();
        inProcess.splice(inProcess.indexOf(fenced), 1);
        await learnerIn(url, 'slow');
      }
    } finally {
      if (lock.isTransactionActive) await lock.rollbackTransaction();
      await lock.release();
    }
    await expectReferenceState(db, 'the group after the eviction', TOTAL + LATE);
  }, 240_000);
});
