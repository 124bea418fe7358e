import { feedbackEventV1, type FeedbackEventInputV1 } from '@chorus/contracts';
import { Partitioners, type Kafka } from 'kafkajs';

/** A side's throughput (wall clock from its first batch) and this process's CPU time per event over the same span. */
export interface Measured {
  rate: number;
  cpuMicros: number;
}

/** This process's CPU time (all threads) since `since`, per event. */
export function cpuMicrosPerEvent(since: NodeJS.CpuUsage, events: number): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / events;
}

/**
 * The baseline every ingest figure is a ratio to: a raw kafkajs `eachBatch` consumer that does nothing, in a fresh
 * group from the beginning of `topic`, timed from its first batch (start-up and group join excluded) until `events`
 * messages have been handed over.
 */
export async function rawConsume(kafka: Kafka, topic: string, groupId: string, events: number): Promise<Measured> {
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started = 0n;
  let cpu = process.cpuUsage();
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (seen === 0) {
          started = process.hrtime.bigint();
          cpu = process.cpuUsage();
        }
        seen += batch.messages.length;
        if (seen >= events) resolve();
      },
    });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuPerEvent = cpuMicrosPerEvent(cpu, events);
  await consumer.disconnect();
  return { rate: events / seconds, cpuMicros: cpuPerEvent };
}

/** Produces feedback events (validated against the contract, keyed by user) in chunks; `onSent` after each chunk. */
export async function produceFeedback(kafka: Kafka, topic: string, events: Iterable<FeedbackEventInputV1>, onSent: (sent: number) => void = () => undefined): Promise<number> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let chunk: { key: string; value: string }[] = [];
  let sent = 0;
  const flush = async () => {
    await producer.send({ topic, messages: chunk });
    sent += chunk.length;
    chunk = [];
    onSent(sent);
  };
  try {
    for (const event of events) {
      const parsed = feedbackEventV1.parse(event);
      chunk.push({ key: parsed.userId, value: JSON.stringify(parsed) });
      if (chunk.length === 5000) await flush();
    }
    if (chunk.length > 0) await flush();
  } finally {
    await producer.disconnect();
  }
  return sent;
}
