import { randomUUID } from 'node:crypto';
import { createKafka } from '@chorus/platform';
import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { catalogue } from './support/feedback-factory';
import { learnerCommitted, learnerModelState, validFeedback } from './support/learner-store';
import { pollUntil } from './support/poll';
import { PrivateBroker } from './support/private-broker';
import { startGateway, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

const BATCH = 20;
const TOTAL = 2_000;

interface Outcome {
  status: number;
  ms: number;
}

/**
 * The broker is SIGKILLed while clients post feedback through the gateway, and restarted. A 202 means the events
 * are in Kafka (acks=all): every one is applied exactly once after the broker is back. A request during the outage
 * is answered 503 (not 500, and not after a hang), and a client that resends the same eventIds loses nothing and
 * doubles nothing. The learner ends in the state a learner reading the same log uninterrupted reaches.
 */
describe('gateway and learner through a broker SIGKILL and restart', () => {
  const stack = new TestStack(3);
  const broker = new PrivateBroker();
  const apps: { app: INestApplication; fatal?: Error[] }[] = [];
  let db: DataSource;
  let refDb: DataSource;
  let gatewayUrl: string;
  let key: string;
  let env: (url: string, group: string) => NodeJS.ProcessEnv;

  beforeAll(async () => {
    await broker.start();
    const main = await stack.database('main');
    const ref = await stack.database('ref');
    db = main.db;
    refDb = ref.db;
    for (const store of [db, refDb]) await new ItemsRepository(store).upsert(catalogue(200));
    env = (url, group) => serviceEnv(stack, url, { KAFKA_BROKERS: broker.brokers.join(','), LEARNER_GROUP_ID: `${group}-${stack.id}` });
    const gateway = await startGateway(env(main.url, 'gateway'));
    apps.push(gateway);
    gatewayUrl = gateway.url;
    key = await stack.apiKey(db, ['ingest']);
    apps.push(await startLearner(env(main.url, 'learner')));
  }, 120_000);

  afterAll(async () => {
    for (const { app } of apps.reverse()) await app.close().catch(() => undefined);
    await broker.destroy();
    await stack.stop();
  });

  it('holds every 202 through the outage and answers 503 meanwhile', async () => {
    const events = validFeedback(TOTAL, { users: 200, items: 200, seed: 55 });
    const outcomes: Outcome[] = [];
    const post = async (body: unknown): Promise<Outcome> => {
      const started = Date.now();
      const response = await fetch(`${gatewayUrl}/v1/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
      await response.arrayBuffer();
      const outcome = { status: response.status, ms: Date.now() - started };
      outcomes.push(outcome);
      return outcome;
    };
    // A client that resends a batch answered 503 with the same eventIds until it is accepted (bounded).
    const posting = (async () => {
      for (let i = 0; i < TOTAL; i += BATCH) {
        const batch = { events: events.slice(i, i + BATCH) };
        for (let attempt = 1; (await post(batch)).status !== 202; attempt++) {
          if (attempt >= 200) throw new Error(`batch at ${i} not accepted after ${attempt} attempts: ${JSON.stringify(outcomes.slice(-3))}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    })();

    await pollUntil(async () => outcomes.filter((o) => o.status === 202).length, (n) => n >= 20, { what: 'accepted requests before the kill' });
    await broker.kill();
    await pollUntil(async () => outcomes.at(-1)?.status, (status) => status !== 202, { what: 'a request during the outage to be answered', timeoutMs: 60_000 });
    await broker.start();
    await posting;

    const statuses = new Set(outcomes.map((o) => o.status));
    const refused = outcomes.filter((o) => o.status !== 202);
    expect([...statuses].sort()).toEqual([202, 503]);
    // Answered promptly during the outage (GATEWAY_PRODUCE_TIMEOUT_MS, 5 s), not after kafkajs gives up (~12 s).
    expect(Math.max(...refused.map((o) => o.ms))).toBeLessThan(8_000);

    // Every accepted event is in the log (the broker's acks=all before the 202) ...
    const logged = await readEventIds(broker.brokers, stack.topic('feedback'), TOTAL);
    expect(new Set(logged).size).toBe(TOTAL);
    expect(events.every((e) => logged.includes(e.eventId))).toBe(true);
    // ... and applied exactly once, as by a learner that read the same log uninterrupted.
    await pollUntil(() => learnerCommitted(db), (n) => n === logged.length, { what: 'the learner to commit the whole log', timeoutMs: 90_000, intervalMs: 250 });
    const reference = await startLearner(env(stack.databases[1]!, 'reference'));
    apps.push(reference);
    await pollUntil(() => learnerCommitted(refDb), (n) => n === logged.length, { what: 'the reference learner to commit the whole log', timeoutMs: 90_000, intervalMs: 250 });
    const [faulted, uninterrupted] = await Promise.all([learnerModelState(db), learnerModelState(refDb)]);
    expect(faulted.counters.find((c: { name: string }) => c.name === 'applied')).toEqual({ name: 'applied', value: String(TOTAL) });
    expect(faulted).toEqual(uninterrupted);
    for (const { fatal } of apps) expect(fatal ?? []).toEqual([]);
    // A broker restart takes ~10 s on an idle machine and much longer on a busy one.
  }, 300_000);
});

/** Every eventId in the topic, in no particular order (duplicates kept), read by a throwaway consumer. */
async function readEventIds(brokers: string[], topic: string, atLeast: number): Promise<string[]> {
  const consumer = createKafka(`read-${randomUUID().slice(0, 8)}`, brokers).consumer({ groupId: `read-${randomUUID()}`, maxWaitTimeInMs: 250 });
  const ids: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void ids.push(JSON.parse(message.value!.toString()).eventId) });
    await pollUntil(async () => ids.length, (n) => n >= atLeast, { what: `${atLeast} records in ${topic}`, timeoutMs: 30_000 });
    // A few fetches more, so duplicates beyond `atLeast` are read too.
    const seen = ids.length;
    await pollUntil(async () => ids.length, (n) => n >= seen, { what: 'the rest of the log', timeoutMs: 2_000, intervalMs: 1_000 }).catch(() => undefined);
    return ids;
  } finally {
    await consumer.disconnect();
  }
}
