import { topicName } from '@chorus/contracts';
import { connectDatabase, DeadLetterOutbox } from '@chorus/platform';
import { ModelPriors } from '@chorus/scoring';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { pollUntil } from '../../../../test/support/poll';
import { loadLearnerConfig, type LearnerConfig } from '../learner.config';
import { CatalogueRepository } from '../persistence/catalogue.repository';
import { LearnerStateRepository } from '../persistence/learner-state.repository';
import { ApplyFeedbackUseCase } from '../usecases/apply-feedback.usecase';
import { ItemCatalogue } from '../usecases/item-catalogue';
import { LearnerState } from '../usecases/learner-state';
import { WeighByReliability } from '../usecases/weigh-by-reliability';
import { ApplyLoop } from './apply-loop';
import { packBatch, type FromWorker } from './apply-worker.protocol';

/**
 * The learner's apply loop (what its worker thread runs) in-process, over the real repositories on a migrated
 * PostgreSQL: no Kafka, no worker thread. The loop is driven through its one entry point, `receive`, with the messages
 * the Kafka thread sends, and judged by what it answers and by what is committed (offsets, counters, dead letters).
 */

const pg = useMigratedDatabase('apply_loop');

/** The user ids Postgres refuses to store (check_violation, SQLSTATE 23514): a value only the database rejects. */
const REFUSED_USER = 'u-refused';
/** The consumer group whose offset commits fail twice on infrastructure (SQLSTATE P0001) before they succeed. */
const FLAKY_GROUP = 'apply-loop-flaky';

beforeAll(async () => {
  await pg.db.query(`INSERT INTO items (item_id, domain, categories) VALUES ('m-1', 'movies', '{"drama": 1}'), ('m-2', 'movies', '{"comedy": 1}')`);
  // On every table that stores a user id, whatever the learner's state layout: the refused user's row cannot be written.
  await pg.db.query(`
    CREATE FUNCTION refuse_test_user() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.user_id = '${REFUSED_USER}' THEN RAISE EXCEPTION 'test constraint: user % is refused', NEW.user_id USING ERRCODE = 'check_violation'; END IF;
      RETURN NEW;
    END $$;
    DO $$
    DECLARE t text;
    BEGIN
      FOR t IN SELECT DISTINCT c.table_name FROM information_schema.columns c JOIN information_schema.tables s USING (table_schema, table_name)
               WHERE c.table_schema = 'public' AND c.column_name = 'user_id' AND s.table_type = 'BASE TABLE' LOOP
        EXECUTE format('CREATE TRIGGER refuse_test_user BEFORE INSERT OR UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION refuse_test_user()', t);
      END LOOP;
    END $$;`);
  // A sequence, not a row: its value survives the rollback of the failing transaction.
  await pg.db.query(`
    CREATE SEQUENCE flaky_commits;
    CREATE FUNCTION flaky_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.group_id = '${FLAKY_GROUP}' AND NEW.next_offset > OLD.next_offset AND nextval('flaky_commits') <= 2 THEN
        RAISE EXCEPTION 'test outage: commit refused' USING ERRCODE = 'P0001';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER flaky_commit BEFORE UPDATE ON consumer_offsets FOR EACH ROW EXECUTE FUNCTION flaky_commit();`);
});

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** A click with an event id never used before (user models, and their dedupe windows, are shared by every group). */
let events = 0;
const click = (userId = 'u-1', itemId = 'm-1') => ({ eventId: ID(++events), userId, occurredAt: '2026-12-01T10:00:00Z', domain: 'movies', type: 'click', itemId });
type Message = [offset: number, value: object | string];

/** The loop over its own pool (a `stop` closes it) and the parts the worker thread would give it. */
class LoopUnderTest {
  readonly sent: FromWorker[] = [];
  readonly loop: ApplyLoop;
  readonly repository: LearnerStateRepository;
  private seq = 0;

  private constructor(
    readonly db: DataSource,
    readonly config: LearnerConfig,
  ) {
    const topic = topicName('feedback', config.KAFKA_TOPIC_PREFIX);
    const state = new LearnerState(new ModelPriors(config), config.LEARNER_MAX_RESIDENT_USERS, config.LEARNER_INTERACTION_ROWS_PER_USER);
    this.repository = new LearnerStateRepository(db, config.LEARNER_GROUP_ID, topic);
    const catalogue = new ItemCatalogue(new CatalogueRepository(db));
    const usecase = new ApplyFeedbackUseCase(
      state,
      catalogue,
      this.repository,
      { topic, consumer: config.LEARNER_GROUP_ID, dedupeWindow: config.LEARNER_DEDUPE_WINDOW, logPredictions: config.LEARNER_PREQUENTIAL_LOG },
      new WeighByReliability(config),
    );
    this.loop = new ApplyLoop({ db, state, repository: this.repository, catalogue, usecase }, config, (message) => this.sent.push(message));
  }

  /** Commits by count (`flushEvents`) and at rebalance only, unless `idleMs` asks for group commit. */
  static async open(group: string, settings: { flushEvents?: number; idleMs?: number } = {}): Promise<LoopUnderTest> {
    const config = loadLearnerConfig({
      DATABASE_URL: pg.url,
      KAFKA_BROKERS: '127.0.0.1:9092',
      LEARNER_GROUP_ID: group,
      LEARNER_FLUSH_EVENTS: String(settings.flushEvents ?? 1_000_000),
      LEARNER_FLUSH_INTERVAL_MS: '600000',
      LEARNER_FLUSH_IDLE_MS: String(settings.idleMs ?? 600_000),
    });
    return new LoopUnderTest(await connectDatabase(pg.url, { poolSize: 2, applicationName: 'chorus-pg-apply-loop' }), config);
  }

  /** Posts a batch of `partition`, as the Kafka thread packs it, and waits for its answer. */
  async batch(partition: number, messages: Message[]): Promise<Extract<FromWorker, { type: 'applied' }>> {
    const seq = ++this.seq;
    const records = messages.map(([offset, value]) => ({
      offset: String(offset),
      key: Buffer.from('key'),
      value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    }));
    this.loop.receive({ type: 'batch', seq, ...packBatch(partition, records) });
    return this.answer('applied', seq);
  }

  /** A rebalance, a reload after a fence, or the stop: waits for the loop's `done`. */
  async request(type: 'reassign' | 'reload' | 'stop'): Promise<void> {
    const seq = ++this.seq;
    this.loop.receive({ type, seq });
    await this.answer('done', seq);
  }

  of<T extends FromWorker['type']>(type: T): Extract<FromWorker, { type: T }>[] {
    return this.sent.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);
  }

  /** Waits until the loop has sent `count` messages of `type`. */
  async until<T extends FromWorker['type']>(type: T, count = 1): Promise<Extract<FromWorker, { type: T }>[]> {
    return pollUntil(async () => this.of(type), (found) => found.length >= count, { timeoutMs: 20_000, intervalMs: 10, what: `${count} "${type}" message(s); sent: ${JSON.stringify(this.sent)}` });
  }

  private async answer<T extends 'applied' | 'done'>(type: T, seq: number): Promise<Extract<FromWorker, { type: T }>> {
    const [found] = await pollUntil(
      async () => this.of(type).filter((m) => (m as { seq: number }).seq === seq),
      (found) => found.length > 0,
      { timeoutMs: 20_000, intervalMs: 10, what: `the "${type}" answer to message ${seq}; sent: ${JSON.stringify(this.sent.map((m) => m.type))}` },
    );
    return found!;
  }
}

const storedOffset = async (group: string, partition: number) =>
  ((await pg.db.query(`SELECT next_offset FROM consumer_offsets WHERE group_id = $1 AND partition = $2`, [group, partition])) as { next_offset: string }[]).map((r) => Number(r.next_offset));
const letters = async (group: string) => (await new DeadLetterOutbox(pg.db, group).pending()).map(({ letter }) => [letter.source.partition, letter.source.offset, letter.code]);

describe('ApplyLoop on real Postgres', () => {
  const open: LoopUnderTest[] = [];
  const start = async (group: string, settings?: { flushEvents?: number; idleMs?: number }) => {
    const loop = await LoopUnderTest.open(group, settings);
    open.push(loop);
    return loop;
  };
  afterAll(async () => {
    // A loop a failed test left running still holds its timer and its pool.
    for (const { db } of open) if (db.isInitialized) await db.destroy();
  });

  it('applies a batch, dead-letters the invalid message, commits at a rebalance, skips the redelivered batch, and closes its pool at stop', async () => {
    const group = 'apply-loop-basic';
    const learner = await start(group);
    const batch: Message[] = [[0, click()], [1, click('u-2', 'm-2')], [2, 'not json'], [3, click()]];

    expect(await learner.batch(0, batch)).toEqual({ type: 'applied', seq: 1, partition: 0, nextOffset: 4, applied: 3, duplicates: 0, redelivered: 0, deadLettered: 1 });
    // Nothing is committed before a flush is due.
    expect(await storedOffset(group, 0)).toEqual([0]);
    expect(learner.of('flushed')).toEqual([]);

    await learner.request('reassign');
    expect(learner.of('flushed').map((f) => [f.offsets, f.outboxIds.length])).toEqual([[[{ partition: 0, from: 0, to: 4 }], 1]]);
    expect(await storedOffset(group, 0)).toEqual([4]);
    expect(await letters(group)).toEqual([[0, '2', 'FEEDBACK.INVALID']]);
    expect(await learner.repository.counters()).toEqual({ applied: 3, dead_lettered: 1 });

    // The rebalance forgot the partition: the same batch delivered again is recognised from the stored offset.
    expect(await learner.batch(0, batch)).toEqual({ type: 'applied', seq: 3, partition: 0, nextOffset: 4, applied: 0, duplicates: 0, redelivered: 4, deadLettered: 0 });
    await learner.request('stop');
    expect(learner.db.isInitialized).toBe(false);
    expect(await storedOffset(group, 0)).toEqual([4]);
    expect(await learner.repository.counters().catch(() => 'closed')).toBe('closed');
    expect(await new LearnerStateRepository(pg.db, group, 'chorus.feedback.v1').counters()).toEqual({ applied: 3, dead_lettered: 1 });
    expect(learner.of('fatal')).toEqual([]);
  });

  it('commits once LEARNER_FLUSH_EVENTS events are pending, and by group commit once idle, without a rebalance', async () => {
    const byCount = await start('apply-loop-count', { flushEvents: 2 });
    await byCount.batch(0, [[0, click()]]);
    expect(byCount.of('flushed')).toEqual([]);
    await byCount.batch(0, [[1, click()]]);
    const [flushed] = await byCount.until('flushed');
    expect(flushed!.offsets).toEqual([{ partition: 0, from: 0, to: 2 }]);
    expect(await storedOffset('apply-loop-count', 0)).toEqual([2]);

    const idle = await start('apply-loop-idle', { idleMs: 20 });
    await idle.batch(3, [[0, click()], [1, click()], [2, click()]]);
    const [grouped] = await idle.until('flushed');
    expect(grouped!.offsets).toEqual([{ partition: 3, from: 0, to: 3 }]);
    expect(await storedOffset('apply-loop-idle', 3)).toEqual([3]);
    await byCount.request('stop');
    await idle.request('stop');
  });

  it('isolates the one message Postgres refuses at commit: only it is dead-lettered, every other message is applied once', async () => {
    const group = 'apply-loop-poison';
    const learner = await start(group);
    const batch: Message[] = [[0, click()], [1, click('u-2')], [2, click(REFUSED_USER)], [3, click('u-3')], [4, click()]];
    expect(await learner.batch(0, batch)).toMatchObject({ applied: 5, deadLettered: 0, nextOffset: 5 });

    await learner.request('reassign');
    expect(await storedOffset(group, 0)).toEqual([5]);
    const pending = await new DeadLetterOutbox(pg.db, group).pending();
    expect(pending.map(({ letter }) => [letter.source.offset, letter.code])).toEqual([['2', 'FEEDBACK.UNSTORABLE']]);
    expect(pending[0]!.letter.reason).toMatch(/^Postgres refused a value of this event \(SQLSTATE 23514: test constraint: user u-refused is refused\); correct the event and send it again$/);
    expect(await learner.repository.counters()).toEqual({ applied: 4, dead_lettered: 1 });
    const logs = learner.of('log').map((l) => [l.level, l.message, l.fields]);
    expect(logs).toEqual([
      ['warn', 'applying or committing feedback failed; applying the uncommitted batches again from Postgres', { error: expect.stringMatching(/^SQLSTATE 23514: /), batches: 1 }],
      ['warn', 'isolated a message that cannot be applied; dead-lettered it', { code: 'FEEDBACK.UNSTORABLE', partition: 0, offset: 2 }],
    ]);
    // Every commit of the recovery is reported (the Kafka thread relays their dead letters): they cover offsets 0..5 once.
    const covered = learner.of('flushed').flatMap((f) => f.offsets.map((o) => [o.from, o.to]));
    expect(covered[0]![0]).toBe(0);
    expect(covered.at(-1)![1]).toBe(5);
    for (let i = 1; i < covered.length; i++) expect(covered[i]![0]).toBe(covered[i - 1]![1]);
    expect(learner.of('flushed').flatMap((f) => f.outboxIds)).toEqual([pending[0]!.id]);
    await learner.request('stop');
  });

  it('retries a commit that fails on infrastructure with backoff, and applies the batch once', async () => {
    const learner = await start(FLAKY_GROUP);
    await learner.batch(1, [[0, click()], [1, click('u-2')]]);
    await learner.request('reassign');
    expect(await storedOffset(FLAKY_GROUP, 1)).toEqual([2]);
    expect(await learner.repository.counters()).toEqual({ applied: 2 });
    expect(await letters(FLAKY_GROUP)).toEqual([]);
    expect(learner.of('log').map((l) => [l.message, l.fields])).toEqual([
      ['applying or committing feedback failed; applying the uncommitted batches again from Postgres', { error: 'SQLSTATE P0001: test outage: commit refused', batches: 1 }],
      ['applying feedback failed on infrastructure; retrying', { attempt: 1, delayMs: 200, error: 'SQLSTATE P0001: test outage: commit refused' }],
    ]);
    await learner.request('stop');
  });

  it('after a fence holds still: reports it once, drops batches until reloaded, then applies from the new owner\'s offset', async () => {
    const group = 'apply-loop-fence';
    const zombie = await start(group, { flushEvents: 3 });
    const owner = await start(group);
    const stream = [click('u-fence'), click('u-fence'), click('u-fence'), click('u-fence')];
    expect(await zombie.batch(0, [[0, stream[0]!], [1, stream[1]!]])).toMatchObject({ applied: 2, nextOffset: 2 });
    // Another learner took the partition over and committed it past where the zombie loaded it.
    expect(await owner.batch(0, [[0, stream[0]!], [1, stream[1]!], [2, stream[2]!]])).toMatchObject({ applied: 3, nextOffset: 3 });
    await owner.request('reassign');
    expect(await storedOffset(group, 0)).toEqual([3]);

    // The zombie's third event makes a commit due; the commit is fenced.
    await zombie.batch(0, [[2, stream[2]!]]);
    const [fence] = await zombie.until('fenced');
    expect(fence).toEqual({ type: 'fenced', code: 'LEARNER.PARTITION_FENCED', owner: 'learner', partitions: [0] });
    // Dropped unapplied until the reload (which refetches it from the stored offsets); the fence is not reported again.
    expect(await zombie.batch(0, [[3, stream[3]!]])).toEqual({ type: 'applied', seq: 3, partition: 0, nextOffset: 3, applied: 0, duplicates: 0, redelivered: 0, deadLettered: 0 });
    expect(zombie.of('fenced')).toHaveLength(1);
    expect(zombie.of('flushed')).toEqual([]);

    await zombie.request('reload');
    expect(await zombie.batch(0, [[3, stream[3]!]])).toEqual({ type: 'applied', seq: 5, partition: 0, nextOffset: 4, applied: 1, duplicates: 0, redelivered: 0, deadLettered: 0 });
    await zombie.request('reassign');
    expect(zombie.of('flushed').map((f) => f.offsets)).toEqual([[{ partition: 0, from: 3, to: 4 }]]);
    expect(await storedOffset(group, 0)).toEqual([4]);
    expect(await zombie.repository.counters()).toEqual({ applied: 4 });
    expect(zombie.of('fatal')).toEqual([]);
    await zombie.request('stop');
    await owner.request('stop');
  });

  it('keeps a catalogue item cached until told to evict it, between batches', async () => {
    const group = 'apply-loop-evict';
    await pg.db.query(`INSERT INTO items (item_id, domain, categories) VALUES ('m-moved', 'movies', '{"drama": 1}')`);
    const learner = await start(group);
    expect(await learner.batch(0, [[0, click('u-1', 'm-moved')]])).toMatchObject({ applied: 1, deadLettered: 0 });
    await pg.db.query(`UPDATE items SET domain = 'books' WHERE item_id = 'm-moved'`);
    // Cached: the change is not seen yet.
    expect(await learner.batch(0, [[1, click('u-1', 'm-moved')]])).toMatchObject({ applied: 1, deadLettered: 0 });
    learner.loop.receive({ type: 'evict', itemIds: ['m-moved'] });
    expect(await learner.batch(0, [[2, click('u-1', 'm-moved')]])).toMatchObject({ applied: 0, deadLettered: 1 });
    await learner.request('reassign');
    expect(await letters(group)).toEqual([[0, '2', 'FEEDBACK.DOMAIN_MISMATCH']]);
    await learner.request('stop');
  });
});
