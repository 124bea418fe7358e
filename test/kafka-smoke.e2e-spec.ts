// Smoke test of kafkajs 2.2.4 against the project's real Kafka 4.x broker (infra/kafka, started by global-setup):
// kafkajs is not tested upstream against Kafka 4, which removed old protocol versions, so the features Chorus relies
// on are checked here end to end: explicit topic creation, keyed produce, group consume with eachBatch and manual
// commits, and transactions (idempotent producer, sendOffsets, commit, abort, read_committed isolation).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type ConsumerConfig, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER_MAX_WAIT_MS } from '@chorus/platform';

const BROKER = `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`;
const RUN = `chorus-smoke-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
const DEADLINE_MS = 30_000;

const kafka = new Kafka({ clientId: 'chorus-kafka-smoke', brokers: [BROKER], logLevel: logLevel.WARN });
const createdTopics: string[] = [];
const createdGroups: string[] = [];
const consumers: Consumer[] = [];
const producers: Producer[] = [];
const crashes: Error[] = [];
let admin: Admin;

/**
 * Polls `probe` until it returns true; fails with `what` (and `detail()`, the state last seen) at the deadline, or
 * at once when a consumer crashed.
 */
async function eventually(
  what: string,
  probe: () => boolean | Promise<boolean>,
  detail: () => string = () => '',
  timeoutMs = DEADLINE_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (crashes.length > 0) throw new Error(`${what}: a consumer crashed: ${crashes.map((e) => e.message).join('; ')}`);
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs / 1000}s ${detail()}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function createTopic(suffix: string, numPartitions: number): Promise<string> {
  const topic = `${RUN}.${suffix}`;
  const created = await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  expect(created).toBe(true);
  createdTopics.push(topic);
  return topic;
}

function producer(config: Parameters<Kafka['producer']>[0] = {}): Producer {
  const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, ...config });
  producers.push(p);
  return p;
}

function consumer(name: string, config: Partial<ConsumerConfig> = {}): Consumer {
  const groupId = `${RUN}.${name}`;
  const c = kafka.consumer({
    groupId,
    sessionTimeout: 10_000, // the broker rejects anything below group.min.session.timeout.ms (6000)
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
    ...config,
  });
  c.on(c.events.CRASH, ({ payload }) => crashes.push(payload.error));
  consumers.push(c);
  createdGroups.push(groupId);
  return c;
}

/** Committed offsets of a group on a topic, by partition (-1 = nothing committed). */
async function committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map(result.partitions.map(({ partition, offset }) => [partition, offset]));
}

/** Log-end offsets (high watermarks) of a topic, by partition. */
async function endOffsets(topic: string): Promise<Map<number, string>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, high]));
}

const next = (offset: string): string => (BigInt(offset) + 1n).toString();

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  // Consumers leave their groups first, so the groups are empty and can be deleted.
  await Promise.allSettled(consumers.map((c) => c.disconnect()));
  await Promise.allSettled(producers.map((p) => p.disconnect()));
  if (admin) {
    try {
      const existing = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
      const groups = createdGroups.filter((g) => existing.has(g));
      if (groups.length > 0) await admin.deleteGroups(groups);
      if (createdTopics.length > 0) await admin.deleteTopics({ topics: createdTopics, timeout: 10_000 });
    } finally {
      await admin.disconnect();
    }
  }
});

describe('kafkajs against the local Kafka broker', () => {
  it('answers metadata requests and refuses to auto-create topics', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toEqual([expect.objectContaining({ nodeId: 1, host: '127.0.0.1' })]);
    expect(cluster.controller).toBe(1);

    // auto.create.topics.enable=false: producing to an unknown topic must not create it. (A client of its own that
    // logs nothing: kafkajs logs each UNKNOWN_TOPIC_OR_PARTITION answer as an error.)
    const missing = `${RUN}.never-created`;
    const quiet = new Kafka({ clientId: 'chorus-kafka-smoke-quiet', brokers: [BROKER], logLevel: logLevel.NOTHING });
    const p = quiet.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 1, initialRetryTime: 100 } });
    producers.push(p);
    await p.connect();
    await expect(p.send({ topic: missing, messages: [{ value: 'x' }] })).rejects.toThrow();
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it('produces keyed messages, consumes them in a group with eachBatch and commits the offsets', async () => {
    const topic = await createTopic('keyed', 3);
    const keys = Array.from({ length: 6 }, (_, i) => `user-${i}`);
    const rounds = 5;
    const p = producer();
    await p.connect();
    for (let seq = 0; seq < rounds; seq++) {
      await p.send({ topic, messages: keys.map((key) => ({ key, value: JSON.stringify({ key, seq }) })) });
    }

    const received: Array<{ key: string; seq: number; partition: number; messageKey?: string }> = [];
    const group = consumer('keyed-group');
    await group.connect();
    await group.subscribe({ topics: [topic], fromBeginning: true });
    await group.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        let last: string | undefined;
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          // No assertions in here: a throwing handler is retried forever, the checks below report better.
          const { key, seq } = JSON.parse(message.value!.toString()) as { key: string; seq: number };
          received.push({ key, seq, partition: batch.partition, messageKey: message.key?.toString() });
          resolveOffset(message.offset);
          last = message.offset;
        }
        if (last !== undefined) {
          await group.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next(last) }]);
        }
        await heartbeat();
      },
    });

    await eventually(
      `consume ${keys.length * rounds} messages`,
      () => received.length >= keys.length * rounds,
      () => `(received ${received.length})`,
    );
    expect(received).toHaveLength(keys.length * rounds);
    expect(received.filter((m) => m.messageKey !== m.key)).toEqual([]);
    for (const key of keys) {
      const ofKey = received.filter((m) => m.key === key);
      expect(new Set(ofKey.map((m) => m.partition)).size, `${key} lives in one partition`).toBe(1);
      expect(ofKey.map((m) => m.seq), `${key} keeps its order`).toEqual([0, 1, 2, 3, 4]);
    }

    // Committed offsets (read back through the admin API) reach the end of every partition; a partition that no key
    // hashed to has nothing committed (-1).
    const ends = await endOffsets(topic);
    expect([...ends.values()].reduce((sum, high) => sum + Number(high), 0)).toBe(keys.length * rounds);
    const wanted = new Map([...ends].map(([partition, high]) => [partition, high === '0' ? '-1' : high]));
    let committed = new Map<number, string>();
    await eventually(
      'committed offsets reach the log end',
      async () => {
        committed = await committedOffsets(`${RUN}.keyed-group`, topic);
        return [...wanted].every(([partition, offset]) => committed.get(partition) === offset);
      },
      () => `(committed ${JSON.stringify([...committed])}, wanted ${JSON.stringify([...wanted])})`,
    );
  });

  it('an idle fetch with the services\' CONSUMER_MAX_WAIT_MS returns within it, so a stop does not wait seconds', async () => {
    const topic = await createTopic('idle', 1);
    const idle = consumer('idle', { maxWaitTimeInMs: CONSUMER_MAX_WAIT_MS });
    const durations: number[] = [];
    idle.on(idle.events.FETCH, ({ payload }) => void durations.push(payload.duration));
    await idle.connect();
    await idle.subscribe({ topic, fromBeginning: true });
    await idle.run({ eachBatch: async () => undefined });
    await eventually('three idle fetches', () => durations.length >= 3, () => `durations ${JSON.stringify(durations)}`);
    // The broker holds an empty fetch for the wait (kafkajs' default would be 5 s), not longer.
    for (const duration of durations.slice(1)) expect(duration).toBeLessThan(CONSUMER_MAX_WAIT_MS + 1000);
    const stopping = Date.now();
    await idle.disconnect();
    expect(Date.now() - stopping).toBeLessThan(CONSUMER_MAX_WAIT_MS + 1500);
  });

  it('transactions: consume-transform-produce with sendOffsets; read_committed skips aborted messages', async () => {
    const input = await createTopic('tx-in', 1);
    const output = await createTopic('tx-out', 1);
    const plain = producer();
    await plain.connect();
    await plain.send({ topic: input, messages: [1, 2, 3, 4, 5].map((n) => ({ key: `k${n}`, value: `in-${n}` })) });

    const tx = producer({ idempotent: true, transactionalId: `${RUN}.tx`, maxInFlightRequests: 1 });
    await tx.connect();

    // 1. An aborted transaction: its records are written to the log, then marked aborted.
    const aborted = await tx.transaction();
    await aborted.send({ topic: output, messages: [1, 2, 3].map((n) => ({ key: `a${n}`, value: `aborted-${n}` })) });
    await aborted.abort();

    // 2. Consume-transform-produce: output records and the input offsets commit atomically in one transaction.
    const transformGroup = `${RUN}.tx-transform`;
    const transform = consumer('tx-transform');
    await transform.connect();
    await transform.subscribe({ topics: [input], fromBeginning: true });
    await transform.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        const transaction = await tx.transaction();
        try {
          await transaction.send({
            topic: output,
            messages: batch.messages.map((m) => ({ key: m.key, value: `out-${m.value!.toString()}` })),
          });
          await transaction.sendOffsets({
            consumerGroupId: transformGroup,
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next(batch.lastOffset()) }] }],
          });
          await transaction.commit();
        } catch (error) {
          await transaction.abort();
          throw error;
        }
      },
    });

    let transformCommitted: string | undefined;
    await eventually(
      'the transform commits its input offsets through the transaction',
      async () => (transformCommitted = (await committedOffsets(transformGroup, input)).get(0)) === '5',
      () => `(committed offset ${transformCommitted})`,
    );

    // 3. Readers: read_committed sees exactly the committed records; read_uncommitted also sees the aborted ones.
    const read = async (name: string, readUncommitted: boolean, expected: number): Promise<string[]> => {
      const values: string[] = [];
      const reader = consumer(name, { readUncommitted });
      await reader.connect();
      await reader.subscribe({ topics: [output], fromBeginning: true });
      await reader.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
      await eventually(`${name} reads ${expected} records`, () => values.length >= expected, () => JSON.stringify(values));
      return values;
    };
    const [committedView, uncommittedView] = await Promise.all([
      read('tx-read-committed', false, 5),
      read('tx-read-uncommitted', true, 8),
    ]);
    const expected = [1, 2, 3, 4, 5].map((n) => `out-in-${n}`);
    // The committed records come after the aborted ones in the log, so having read them the read_committed
    // consumer has passed (and skipped) the aborted ones.
    expect(committedView).toEqual(expected);
    expect(uncommittedView).toEqual([...[1, 2, 3].map((n) => `aborted-${n}`), ...expected]);
  });
});
