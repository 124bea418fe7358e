import { Controller, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import {
  createKafka,
  DeadLetterOutbox,
  JsonLogger,
  MissingHandlerError,
  OffsetsOfRecordTransport,
  startHybridService,
  UnprocessableMessageError,
  type OffsetsOfRecord,
} from '@chorus/platform';
import { Partitioners } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { catalogue } from './support/feedback-factory';
import { learnerCommitted, produceFeedback, validFeedback } from './support/learner-store';
import { pollUntil } from './support/poll';
import { startLearner } from './support/services';
import { BROKERS, serviceEnv, TestStack } from './support/test-stack';

/** A service's offsets of record kept in memory: these tests are about what the transport does before and around them. */
class OffsetsInMemory implements OffsetsOfRecord {
  async storedNextOffset(): Promise<number> {
    return 0;
  }
  async release(): Promise<void> {}
  async reload(): Promise<void> {}
  async drain(): Promise<void> {}
  attach(): void {}
}

@Controller()
class FeedbackOnlyController {
  @EventPattern('feedback')
  apply(): void {}
}

@Controller()
class RefusingController {
  @EventPattern('exposures')
  apply(): void {
    throw new UnprocessableMessageError('TEST.REFUSED', 'this handler refuses every batch');
  }
}

/**
 * The offsets-of-record transport inside Nest (libs/platform/src/transport), on the real broker and Postgres: what it
 * refuses at boot, what it does with a handler's failure, and that a fenced commit reaches neither Postgres nor Kafka.
 */
describe('offsets-of-record transport', () => {
  const stack = new TestStack(3);
  let db: DataSource;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    await stack.start();
    db = (await stack.database()).db;
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await stack.stop();
  });

  /** A Nest app with `controller`, on a transport subscribed to `topics` in its own group. */
  const appWith = async (controller: new () => unknown, topics: Record<string, string>, groupId: string, onFatal: (error: Error) => void) => {
    const logger = new JsonLogger('transport-test', 'warn');
    @Module({
      controllers: [controller],
      providers: [
        {
          provide: OffsetsOfRecordTransport,
          useFactory: () =>
            new OffsetsOfRecordTransport({
              name: 'test',
              kafka: createKafka(`test-${groupId}`, BROKERS),
              groupId,
              topics,
              sessionTimeoutMs: 6000,
              offsetsOfRecord: new OffsetsInMemory(),
              deadLetters: { outbox: new DeadLetterOutbox(db, groupId), topic: stack.topic('feedbackDlq') },
              log: logger.child('transport'),
              onFatal,
            }),
        },
      ],
    })
    class TestModule {}
    const app = await NestFactory.create(TestModule, { logger });
    apps.push(app);
    return app;
  };
  const kafkaOffsets = async (groupId: string, topic: string) =>
    (await stack.admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => ({ partition: p.partition, offset: Number(p.offset) })).sort((a, b) => a.partition - b.partition);

  it('refuses to start when a subscribed topic has no handler, naming the topic, and consumes nothing', async () => {
    const groupId = `no-handler-${stack.id}`;
    const app = await appWith(FeedbackOnlyController, { feedback: stack.topic('feedback'), exposures: stack.topic('exposures') }, groupId, () => undefined);
    const started = startHybridService(app, OffsetsOfRecordTransport, { port: 0, host: '127.0.0.1' });
    await expect(started).rejects.toThrow(MissingHandlerError);
    await expect(started).rejects.toThrow(`subscribes to ${stack.topic('exposures')} (pattern "exposures") but no handler is declared`);
    // Never joined: the group has no member and no committed offset.
    const group = (await stack.admin.describeGroups([groupId])).groups[0]!;
    expect(group.members).toEqual([]);
    expect((await kafkaOffsets(groupId, stack.topic('exposures'))).every((p) => p.offset === -1)).toBe(true);
  });

  it('stops on a message failure that escapes a handler, reported as it was thrown, and commits nothing', async () => {
    const groupId = `refusing-${stack.id}`;
    const fatal: Error[] = [];
    // On exposures: the feedback topic is left to the learner below.
    const app = await appWith(RefusingController, { exposures: stack.topic('exposures') }, groupId, (error) => fatal.push(error));
    await startHybridService(app, OffsetsOfRecordTransport, { port: 0, host: '127.0.0.1' });
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: stack.topic('exposures'), messages: [{ key: 'u', value: '{}' }] });
    await producer.disconnect();
    // Nest's default RPC filter would turn the error into { status: 'error' }, classified as infrastructure and retried.
    await pollUntil(async () => fatal.length, (n) => n > 0, { what: 'the transport to report the escaped failure as fatal' });
    expect(fatal.map((e) => e.message)).toEqual([expect.stringContaining("the exposures handler let a message's failure escape (this handler refuses every batch)")]);
    expect((fatal[0]!.cause as Error).constructor).toBe(UnprocessableMessageError);
    expect((await kafkaOffsets(groupId, stack.topic('exposures'))).every((p) => p.offset === -1)).toBe(true);
  });

  it('reloads after a first fence and refuses the second in one generation: another owner moved a partition twice, so neither Postgres nor Kafka takes the commit', async () => {
    const { url, db: learnerDb } = await stack.database('fenced');
    await new ItemsRepository(learnerDb).upsert(catalogue(40));
    const groupId = `fenced-${stack.id}`;
    const learner = await startLearner(serviceEnv(stack, url, { LEARNER_GROUP_ID: groupId, LEARNER_FLUSH_INTERVAL_MS: '100' }));
    apps.push(learner.app);
    const topic = stack.topic('feedback');
    await produceFeedback(stack.kafka, topic, validFeedback(300, { users: 30, items: 40, seed: 41 }));
    const storedOffsets = async (): Promise<{ partition: number; offset: number }[]> =>
      (await learnerDb.query(`SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $1 ORDER BY partition`, [groupId])).map(
        (r: { partition: number; next_offset: string }) => ({ partition: r.partition, offset: Number(r.next_offset) }),
      );
    await pollUntil(() => learnerCommitted(learnerDb), (n) => n === 300, { what: 'the learner to commit the first events', timeoutMs: 60_000 });
    const committedBefore = await storedOffsets();
    // Kafka follows Postgres once a commit is reported.
    await pollUntil(() => kafkaOffsets(groupId, topic), (k) => JSON.stringify(k) === JSON.stringify(committedBefore), { what: "Kafka's offsets to follow Postgres" });

    // Another member commits partition 0 behind this learner's back (a previous owner's late commit, once): the
    // learner's next commit is fenced, and the transport has it reload from Postgres and go on.
    await learnerDb.query(`UPDATE consumer_offsets SET next_offset = next_offset + 1 WHERE group_id = $1 AND partition = 0`, [groupId]);
    // Events for every partition, so the learner's next commit covers partition 0.
    await produceFeedback(stack.kafka, topic, validFeedback(300, { users: 30, items: 40, seed: 42 }));
    await pollUntil(() => storedOffsets(), (s) => s.reduce((sum, p) => sum + p.offset, 0) === 600, { what: "the learner to reload and commit the rest (the skipped offset counts: it is stored, never applied)", timeoutMs: 60_000 });
    expect(learner.fatal).toEqual([]);
    const [{ value: appliedOnce }] = await learnerDb.query(`SELECT value FROM learner_counters WHERE group_id = $1 AND name = 'applied'`, [groupId]);
    expect(Number(appliedOnce)).toBe(599);
    const committedAfterReload = await storedOffsets();

    // Partition 0 moved again in the same generation, after the learner reloaded and committed it: no previous owner's
    // stale commit can land then (it is conditional on its own last one), so it is another owner. Fatal.
    await learnerDb.query(`UPDATE consumer_offsets SET next_offset = next_offset + 1 WHERE group_id = $1 AND partition = 0`, [groupId]);
    await produceFeedback(stack.kafka, topic, validFeedback(300, { users: 30, items: 40, seed: 43 }));

    await pollUntil(async () => learner.fatal.length, (n) => n > 0, { what: 'the learner to be fenced', timeoutMs: 60_000 });
    expect(learner.fatal.map((e) => e.message)).toEqual([expect.stringMatching(/^partitions [\d, ]*\b0\b[\d, ]* were committed by another learner since this one loaded them/)]);
    // The refused commit left nothing in Postgres (state and offsets are one transaction): partition 0 stays where the
    // other owner put it, and the stored state covers exactly the offsets stored (other partitions may have committed
    // before the fence), the other owner's two offsets aside.
    const stored = await storedOffsets();
    expect(stored.find((p) => p.partition === 0)).toEqual({ partition: 0, offset: committedAfterReload.find((p) => p.partition === 0)!.offset + 1 });
    const [{ value: applied }] = await learnerDb.query(`SELECT value FROM learner_counters WHERE group_id = $1 AND name = 'applied'`, [groupId]);
    expect(Number(applied)).toBe(stored.reduce((sum, p) => sum + p.offset, 0) - 2);
    // Kafka did not follow it, and is nowhere ahead of Postgres.
    const kafka = await kafkaOffsets(groupId, topic);
    expect(kafka.find((p) => p.partition === 0)).toEqual(committedAfterReload.find((p) => p.partition === 0));
    for (const p of kafka) expect(p.offset).toBeLessThanOrEqual(stored.find((s) => s.partition === p.partition)!.offset);
  });
});
