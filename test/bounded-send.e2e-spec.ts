// sendBounded (libs/platform) against the real broker: a produce request whose record batch for one partition is
// larger than the topic's max.message.bytes is refused whole, on every retry; split into bounded requests, the same
// messages all arrive, in order.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBounded } from '@chorus/platform';

const BROKER = `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`;
const topic = `chorus-bounded-send-${randomUUID().slice(0, 8)}`;
// The broker's own answer to the oversized request is logged by kafkajs as an error; the test expects it.
const kafka = new Kafka({ clientId: 'chorus-bounded-send-test', brokers: [BROKER], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, retry: { retries: 1, initialRetryTime: 100 } });
const groupId = `${topic}.reader`;
const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });

/** 100 messages of 2,000 bytes, one key: 200 kB for one partition, on a topic that takes 64 KiB per batch. */
const messages = Array.from({ length: 100 }, (_, i) => ({ key: 'one-user', value: `${String(i).padStart(4, '0')}${'x'.repeat(1996)}` }));

beforeAll(async () => {
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: String(64 * 1024) }] }],
    waitForLeaders: true,
  });
  await producer.connect();
});

afterAll(async () => {
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
  await admin.disconnect();
});

describe('sendBounded on the real broker', () => {
  it('delivers in bounded requests, in order, what one request cannot carry', async () => {
    await expect(producer.send({ topic, messages })).rejects.toThrow(/larger than the max message size/);
    expect((await admin.fetchTopicOffsets(topic))[0]!.high).toBe('0');

    await sendBounded(producer, topic, messages, 32 * 1024);

    const received: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value!.toString()) });
    const deadline = Date.now() + 30_000;
    while (received.length < messages.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual(messages.map((m) => m.value));
  });

});
