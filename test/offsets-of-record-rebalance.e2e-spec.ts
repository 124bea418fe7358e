import { Controller, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import {
  createKafka,
  DeadLetterOutbox,
  JsonLogger,
  OffsetsOfRecordTransport,
  PartitionFencedError,
  STALE_FENCES_PER_PARTITION,
  returnedRows,
  startHybridService,
  type OffsetsOfRecord,
  type OffsetsOfRecordListener,
  type TopicBatch,
} from '@chorus/platform';
import { Partitioners } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from './support/poll';
import { BROKERS, TestStack } from './support/test-stack';

/**
 * A service on the transport whose offsets of record are rows of `consumer_offsets`, committed (with a row per applied
 * message in `rebalance_applied`) in one transaction fenced on the offset it loaded, like the learner's and
 * drift-watch's. Commits happen when the test says so, and its release at a group join can be held: the test drives
 * the interleaving instead of hoping load produces it.
 */
class SteppedService implements OffsetsOfRecord {
  private listener?: OffsetsOfRecordListener;
  /** Per partition: the offset loaded (the fence), the next offset to apply, the offsets applied since the load. */
  private readonly held = new Map<number, { from: number; next: number; applied: number[] }>();
  private fenced = false;
  /** Set by the test: the release at the next group join waits for it. */
  releaseGate?: Promise<void>;
  released = 0;
  reloads = 0;

  constructor(
    private readonly db: DataSource,
    private readonly groupId: string,
    private readonly topic: string,
    private readonly member: string,
  ) {}

  attach(listener: OffsetsOfRecordListener): void {
    this.listener = listener;
  }

  async storedNextOffset(topic: string, partition: number): Promise<number> {
    await this.db.query(`INSERT INTO consumer_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING`, [this.groupId, topic, partition]);
    const [row]: { next_offset: string }[] = await this.db.query(`SELECT next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2 AND partition = $3`, [this.groupId, topic, partition]);
    const next = Number(row!.next_offset);
    this.held.set(partition, { from: next, next, applied: [] });
    return next;
  }

  apply(batch: TopicBatch): void {
    const held = this.held.get(batch.partition);
    if (this.fenced || !held) return;
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (offset < held.next) continue;
      held.applied.push(offset);
      held.next = offset + 1;
    }
  }

  /** Partitions held and the offsets applied since their load. */
  holding(): Record<number, number> {
    return Object.fromEntries([...this.held].map(([p, h]) => [p, h.applied.length]));
  }

  /**
   * One fenced transaction: the applied rows and the offsets. A fence is reported once and the service holds still.
   * `below` commits a snapshot taken earlier (what was applied below that offset), as a write in flight while
   * consumption went on does.
   */
  async commit(below = Number.MAX_SAFE_INTEGER): Promise<void> {
    if (this.fenced) return;
    const upTo = (h: { next: number }) => Math.min(h.next, below);
    const moved = [...this.held].filter(([, h]) => upTo(h) > h.from);
    if (moved.length === 0) return;
    try {
      await this.db.transaction(async (tx) => {
        const advanced = returnedRows<{ partition: number }>(
          await tx.query(
            `UPDATE consumer_offsets c SET next_offset = t.next FROM unnest($3::int[], $4::bigint[], $5::bigint[]) AS t(p, expected, next)
              WHERE c.group_id = $1 AND c.topic = $2 AND c.partition = t.p AND c.next_offset = t.expected RETURNING c.partition`,
            [this.groupId, this.topic, moved.map(([p]) => p), moved.map(([, h]) => h.from), moved.map(([, h]) => upTo(h))],
          ),
        );
        if (advanced.length < moved.length) {
          const ok = new Set(advanced.map((a) => a.partition));
          throw new PartitionFencedError('TEST.PARTITION_FENCED', 'member', moved.map(([p]) => p).filter((p) => !ok.has(p)));
        }
        for (const [p, h] of moved) {
          const rows = h.applied.filter((o) => o < upTo(h));
          await tx.query(`INSERT INTO rebalance_applied (topic, member, partition, "offset") SELECT $1, $2, $3, unnest($4::bigint[])`, [this.topic, this.member, p, rows]);
        }
      });
    } catch (error) {
      if (!(error instanceof PartitionFencedError)) throw error;
      this.fenced = true;
      this.listener!.fatal(error);
      return;
    }
    const committed = moved.map(([partition, h]) => ({ topic: this.topic, partition, nextOffset: upTo(h) }));
    for (const [, h] of moved) Object.assign(h, { from: upTo(h), applied: h.applied.filter((o) => o >= upTo(h)) });
    this.listener!.committed(committed, false);
  }

  async release(): Promise<void> {
    await this.releaseGate;
    // A fence here is this member letting go of a partition another member committed already: forgotten, not reported.
    await this.commit().catch(() => undefined);
    this.forget();
    this.released++;
  }

  async reload(): Promise<void> {
    this.reloads++;
    this.forget();
  }

  async drain(): Promise<void> {
    await this.commit();
  }

  private forget(): void {
    this.held.clear();
    this.fenced = false;
  }
}

/**
 * The rebalance race the transport recovers from, driven step by step on the real broker and Postgres: a previous
 * owner commits a revoked partition when it reaches its own group join (kafkajs gives no earlier hook), after the new
 * owner has loaded that partition's offsets; the new owner's next commit is fenced. Postgres is right, so the new owner
 * reloads and goes on, and every message is applied exactly once, also when the previous owner's write in flight and
 * then its release fence it twice in one generation; a fence after the new owner committed the partition in the same
 * generation means another owner, and stops it.
 */
describe('offsets-of-record transport across a rebalance', () => {
  const stack = new TestStack(2);
  let db: DataSource;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    await stack.start();
    db = (await stack.database()).db;
    await db.query(`CREATE TABLE rebalance_applied (topic text NOT NULL, member text NOT NULL, partition int NOT NULL, "offset" bigint NOT NULL)`);
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await stack.stop();
  });

  /** Each test has a topic and a group of its own (the stack's topics all have two partitions). */
  let round: 'exposures' | 'feedback' | 'rerankCompleted' = 'exposures';
  const topic = () => stack.topic(round);
  const groupId = () => `rebalance-${round}-${stack.id}`;

  const member = async (name: string) => {
    const service = new SteppedService(db, groupId(), topic(), name);
    const fatal: Error[] = [];
    const logger = new JsonLogger(`rebalance-${name}`, 'warn');
    @Controller()
    class ExposuresController {
      @EventPattern('exposures')
      apply(batch: TopicBatch): void {
        service.apply(batch);
      }
    }
    @Module({
      controllers: [ExposuresController],
      providers: [
        {
          provide: OffsetsOfRecordTransport,
          useFactory: () =>
            new OffsetsOfRecordTransport({
              name: `rebalance ${name}`,
              kafka: createKafka(`test-${name}-${stack.id}`, BROKERS),
              groupId: groupId(),
              topics: { exposures: topic() },
              sessionTimeoutMs: 30_000,
              offsetsOfRecord: service,
              deadLetters: { outbox: new DeadLetterOutbox(db, groupId()), topic: stack.topic('driftWatchDlq') },
              log: logger.child('transport'),
              onFatal: (error) => fatal.push(error),
            }),
        },
      ],
    })
    class MemberModule {}
    const app = await NestFactory.create(MemberModule, { logger });
    apps.push(app);
    await startHybridService(app, OffsetsOfRecordTransport, { port: 0, host: '127.0.0.1' });
    return { service, fatal, app };
  };

  const produce = async (perPartition: number) => {
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    for (const partition of [0, 1]) {
      await producer.send({ topic: topic(), messages: Array.from({ length: perPartition }, (_, i) => ({ partition, key: `u${i}`, value: '{}' })) });
    }
    await producer.disconnect();
  };
  const stored = async () =>
    Object.fromEntries(
      (await db.query(`SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $1 ORDER BY partition`, [groupId()])).map((r: { partition: number; next_offset: string }) => [
        r.partition,
        Number(r.next_offset),
      ]),
    );

  /** Every offset below `end` of both partitions was applied once, by whichever member committed it. */
  const expectAppliedOnce = async (end: number) => {
    const applied: { partition: number; offset: string; times: number }[] = await db.query(
      `SELECT partition, "offset", count(*)::int AS times FROM rebalance_applied WHERE topic = $1 GROUP BY partition, "offset" ORDER BY partition, "offset"::bigint`,
      [topic()],
    );
    expect(applied.filter((r) => r.times !== 1)).toEqual([]);
    expect(applied.map((r) => `${r.partition}:${r.offset}`)).toEqual([0, 1].flatMap((p) => Array.from({ length: end }, (_, o) => `${p}:${o}`)));
  };

  type Member = Awaited<ReturnType<typeof member>>;

  /**
   * The old member alone applies 10 messages per partition and commits them, then 10 more it keeps; the new member
   * joins while the old one's release at the rebalance is held, loads its partition at 10 and applies 10 more.
   */
  const rebalanceWithHeldRelease = async (oldName: string, newName: string) => {
    const a = await member(oldName);
    await produce(10);
    await pollUntil(async () => a.service.holding(), (h) => h[0] === 10 && h[1] === 10, { what: `member ${oldName} to apply the first messages` });
    await a.service.commit();
    await produce(10);
    await pollUntil(async () => a.service.holding(), (h) => h[0] === 10 && h[1] === 10, { what: `member ${oldName} to apply ten more per partition, uncommitted` });
    let openGate!: () => void;
    a.service.releaseGate = new Promise<void>((resolve) => (openGate = resolve));
    const b = await member(newName);
    const taken = await pollUntil(async () => b.service.holding(), (h) => Object.values(h).some((n) => n === 10), { what: `member ${newName} to apply its partition from the stored offset`, timeoutMs: 60_000 });
    const moved = Number(Object.keys(taken).find((p) => taken[Number(p)] === 10));
    expect(await stored()).toEqual({ 0: 10, 1: 10 });
    return { a, b, moved, openGate };
  };

  /** Lets the old member's held release at the rebalance run, and waits for it. */
  const release = async (old: Member, openGate: () => void) => {
    const releasedBefore = old.service.released;
    openGate();
    await pollUntil(async () => old.service.released, (n) => n === releasedBefore + 1, { what: 'the old member\'s release at the rebalance' });
  };

  /** Ten more messages per partition, applied by their owners and committed: 30 per partition, each applied once. */
  const finishExactlyOnce = async (a: Member, b: Member, moved: number) => {
    await produce(10);
    await pollUntil(async () => [a.service.holding(), b.service.holding()], ([ha, hb]) => ha[1 - moved] === 10 && hb[moved] === 10, { what: 'both members to apply the last messages' });
    await a.service.commit();
    await b.service.commit();
    expect(a.fatal).toEqual([]);
    expect(b.fatal).toEqual([]);
    expect(await stored()).toEqual({ 0: 30, 1: 30 });
    await expectAppliedOnce(30);
  };

  /** `m` commits, is fenced, and the transport reloads it (its `reloads`-th time) instead of stopping it. */
  const commitFencedAndReloaded = async (m: Member, reloads: number) => {
    await m.service.commit();
    await pollUntil(async () => m.service.reloads + m.fatal.length, (n) => n >= reloads, { what: `the member to be reloaded (or stopped) after fence ${reloads}` });
    expect(m.fatal).toEqual([]);
    expect(m.service.reloads).toBe(reloads);
  };

  it("recovers the new owner's fence when the previous owner's release lands after its load, and applies every message once", async () => {
    // b joins; a's release at the rebalance is held until b has loaded its partition and applied from the stored offset.
    const { a, b, moved, openGate } = await rebalanceWithHeldRelease('a', 'b');

    // The previous owner's late commit: it still holds what it applied of the moved partition, and Postgres takes it.
    await release(a, openGate);
    expect((await stored())[moved]).toBe(20);

    // b's commit is fenced (it loaded 10): the transport has it forget and seek to 20 again, instead of stopping.
    await commitFencedAndReloaded(b, 1);
    await finishExactlyOnce(a, b, moved);

    // b has committed the partition since its reload, so no previous owner can move it (its commit is conditional on
    // its own last one): another owner moving it again in this generation is not the race, and the fence is fatal.
    await produce(5);
    await pollUntil(async () => b.service.holding(), (h) => h[moved] === 5, { what: 'member b to apply more' });
    await db.query(`UPDATE consumer_offsets SET next_offset = next_offset + 1 WHERE group_id = $1 AND partition = $2`, [groupId(), moved]);
    await b.service.commit();
    await pollUntil(async () => b.fatal.length, (n) => n > 0, { what: 'member b to stop on the second fence' });
    expect(b.fatal.map((e) => e.constructor)).toEqual([PartitionFencedError]);
    expect(b.service.reloads).toBe(1);
    expect(a.fatal).toEqual([]);
  });

  it("recovers when the previous owner's write in flight and then its release both land after the new owner's load (two fences in one generation)", async () => {
    round = 'feedback';
    const { a, b, moved, openGate } = await rebalanceWithHeldRelease('c', 'd');

    // c's write in flight at the rebalance (a snapshot of what it had applied below offset 15) lands after d's load.
    await a.service.commit(15);
    expect(await stored()).toEqual({ 0: 15, 1: 15 });
    await commitFencedAndReloaded(b, 1);
    await pollUntil(async () => b.service.holding(), (h) => h[moved] === 5, { what: 'member d to apply 15..19 again from the stored offset' });

    // c's release at its group join commits the rest it applied (15..19) from the same stale view: d is fenced again.
    await release(a, openGate);
    expect((await stored())[moved]).toBe(20);
    await commitFencedAndReloaded(b, 2);

    await finishExactlyOnce(a, b, moved);
  });

  it('stops when a partition keeps being fenced with no commit of its own in between (another member keeps committing it)', async () => {
    round = 'rerankCompleted';
    const e = await member('e');
    await produce(5);
    await pollUntil(async () => e.service.holding(), (h) => h[0] === 5 && h[1] === 5, { what: 'member e to apply the first messages' });
    // A second live owner of partition 0 applies and commits one message at a time, each time before e commits.
    const otherOwnerCommits = () =>
      db.transaction(async (tx) => {
        const [row]: { next_offset: string }[] = await tx.query(`SELECT next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2 AND partition = 0 FOR UPDATE`, [groupId(), topic()]);
        await tx.query(`INSERT INTO rebalance_applied (topic, member, partition, "offset") VALUES ($1, 'other', 0, $2)`, [topic(), row!.next_offset]);
        await tx.query(`UPDATE consumer_offsets SET next_offset = next_offset + 1 WHERE group_id = $1 AND topic = $2 AND partition = 0`, [groupId(), topic()]);
      });
    for (let fence = 1; fence <= STALE_FENCES_PER_PARTITION; fence++) {
      await otherOwnerCommits();
      await commitFencedAndReloaded(e, fence);
      await pollUntil(async () => e.service.holding(), (h) => h[0] === 5 - fence && h[1] === 5, { what: `member e to apply again from the stored offsets after fence ${fence}` });
    }
    await otherOwnerCommits();
    await e.service.commit();
    await pollUntil(async () => e.fatal.length, (n) => n > 0, { what: 'member e to stop on a fence that no previous owner explains' });
    expect(e.fatal.map((error) => error.constructor)).toEqual([PartitionFencedError]);
    expect(e.service.reloads).toBe(STALE_FENCES_PER_PARTITION);
    expect(await stored()).toEqual({ 0: STALE_FENCES_PER_PARTITION + 1, 1: 0 });
  });
});
