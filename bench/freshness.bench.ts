/**
 * bench:freshness — how long after the gateway's 202 a user's model shows the event (issue #13, part 4).
 *
 * In a stack of its own: the learner and the gateway as real OS processes (dist/). First the learner's throughput is
 * measured on --calibration events (80/20 skewed users) produced straight to Kafka. Then, for --seconds, a steady
 * background load at half that rate is produced straight to Kafka (the load is on the learner; the gateway only
 * carries the probes), while two kinds of probe run side by side:
 *   - gateway probes: POST /v1/feedback with one event of a user never seen before; from the 202 to the first
 *     GET /v1/users/:id/model that counts it (polled every 5 ms);
 *   - raw probes: one event produced with kafkajs (acks = all, as the gateway does) to the same topic; from the send's
 *     acknowledgement to a raw kafkajs consumer of the topic receiving it.
 * Prints p50/p99 of both (nearest rank) and the bound: the learner's idle flush interval + 2 × the raw p99.
 *
 *   npm run bench:freshness -- [--users 20000] [--calibration 100000] [--seconds 30] [--probes-per-second 5]
 */
import 'reflect-metadata';
import { feedbackEventV1, topicName } from '@chorus/contracts';
import { ApiKeyRepository, createDataSource } from '@chorus/platform';
import { mulberry32 } from '@chorus/random';
import { Partitioners } from 'kafkajs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { loadLearnerConfig } from '../services/learner/src/learner.config';
import { catalogue, feedbackEvents, seededUuid } from '../test/support/feedback-factory';
import { GatewayProcess, LearnerProcess } from '../test/support/services';
import { benchStack } from './bench-stack';
import { produceFeedback } from './raw-consume';
import { parseFreshnessOptions } from './scale/freshness-options';
import { latencySummary } from './scale/percentile';
import { committed, consume, serviceEnv } from './scale/service-run';
import { orExit } from './scale/scale-options';
import { skewedUserPicker } from './scale/skewed-users';

const ITEMS = 1000;

async function main(): Promise<void> {
  const options = orExit(() => parseFreshnessOptions(process.argv.slice(2)));
  const stack = await benchStack('freshness', options.partitions);
  const topic = topicName('feedback', stack.prefix);
  const db = await createDataSource(stack.databaseUrl, { poolSize: 2, applicationName: 'bench-freshness' }).initialize();
  const env: NodeJS.ProcessEnv = { ...serviceEnv(stack, options.partitions), QUOTA_REDIS_PREFIX: `chorus-${stack.id}`, GATEWAY_QUOTA_INGEST: '10000000', GATEWAY_QUOTA_READ: '10000000' };
  const learner = new LearnerProcess(env);
  const gateway = new GatewayProcess(env);
  const rawConsumer = stack.kafka.consumer({ groupId: `raw-probe-${stack.id}`, maxWaitTimeInMs: 100 });
  try {
    await new ItemsRepository(db).upsert(catalogue(ITEMS));
    const key = (await new ApiKeyRepository(db).create('bench-freshness', ['admin'])).key;
    const pickUser = skewedUserPicker(options.users, mulberry32(2));
    await produceFeedback(stack.kafka, topic, feedbackEvents(options.calibration, { users: options.users, items: ITEMS, seed: 1, pickUser }));
    const measured = await consume('learner (calibration)', learner, options.calibration, () => committed(db, env.LEARNER_GROUP_ID!), () => learner.metricSum('learner_next_offset'));
    const loadRate = measured.eventsPerSecond / 2;
    await gateway.start();

    // The raw side: a consumer of the whole topic that notes when each raw probe arrives.
    const arrived = new Map<string, bigint>();
    await rawConsumer.connect();
    await rawConsumer.subscribe({ topic, fromBeginning: false });
    let assigned = false;
    rawConsumer.on(rawConsumer.events.GROUP_JOIN, () => (assigned = true));
    void rawConsumer.run({
      eachBatch: async ({ batch }) => {
        const now = process.hrtime.bigint();
        for (const message of batch.messages) if (message.key?.toString().startsWith('raw-probe-')) arrived.set(message.key.toString(), now);
      },
    });
    while (!assigned) await sleep(50);

    process.stdout.write(`steady load: ${Math.round(loadRate).toLocaleString('en-US')} events/s for ${options.seconds} s (half the learner's ${Math.round(measured.eventsPerSecond).toLocaleString('en-US')})\n`);
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const endAt = Date.now() + options.seconds * 1000;
    const loadStarted = Date.now();
    let loadSent = 0;
    const load = (async () => {
      const background = feedbackEvents(Number.MAX_SAFE_INTEGER, { users: options.users, items: ITEMS, seed: 2, pickUser });
      const tickMs = 50;
      const perTick = Math.max(1, Math.round((loadRate * tickMs) / 1000));
      let next = Date.now();
      while (Date.now() < endAt) {
        const messages = [];
        for (let i = 0; i < perTick; i++) {
          const event = feedbackEventV1.parse(background.next().value);
          messages.push({ key: event.userId, value: JSON.stringify(event) });
        }
        await producer.send({ topic, messages });
        loadSent += messages.length;
        next += tickMs;
        await sleep(Math.max(0, next - Date.now()));
      }
    })();

    const gatewayLatencies: number[] = [];
    const rawSent = new Map<string, bigint>();
    const probes: Promise<void>[] = [];
    let probe = 0;
    const probeEvent = (userId: string) =>
      feedbackEventV1.parse({ eventId: seededUuid(`freshness:${userId}`), userId, domain: 'movies', occurredAt: new Date().toISOString(), type: 'click', itemId: 'item-1' });
    while (Date.now() < endAt) {
      const n = probe++;
      probes.push(gatewayProbe(gateway.url, key, probeEvent(`gateway-probe-${n}`)).then((ms) => void gatewayLatencies.push(ms)));
      const raw = probeEvent(`raw-probe-${n}`);
      probes.push(
        producer.send({ topic, acks: -1, messages: [{ key: raw.userId, value: JSON.stringify(raw) }] }).then(() => void rawSent.set(raw.userId, process.hrtime.bigint())),
      );
      await sleep(1000 / options['probes-per-second']);
    }
    await load;
    // What was really sent: on a loaded machine this process may not keep the pace it was asked for.
    const achievedRate = loadSent / ((Date.now() - loadStarted) / 1000);
    await Promise.all(probes);
    await sleep(2000); // the last raw probes' arrival
    await producer.disconnect();

    const rawLatencies = [...rawSent].filter(([id]) => arrived.has(id)).map(([id, sent]) => Math.max(0, Number(arrived.get(id)! - sent) / 1e6));
    const missing = rawSent.size - rawLatencies.length;
    if (missing > 0) throw new Error(`${missing} raw probes never reached the raw consumer`);
    const viaGateway = latencySummary(gatewayLatencies);
    const raw = latencySummary(rawLatencies);
    const idleMs = loadLearnerConfig(env).LEARNER_FLUSH_IDLE_MS;
    const bound = idleMs + 2 * raw.p99;
    process.stdout.write(
      [
        '',
        `freshness under ${Math.round(achievedRate).toLocaleString('en-US')} events/s of background load (asked ${Math.round(loadRate).toLocaleString('en-US')}; ${viaGateway.n} gateway probes, ${raw.n} raw probes)`,
        `  gateway 202 → visible in GET /v1/users/:id/model   p50 ${viaGateway.p50.toFixed(1)} ms   p99 ${viaGateway.p99.toFixed(1)} ms`,
        `  raw kafkajs produce (acks=all) → consume         p50 ${raw.p50.toFixed(1)} ms   p99 ${raw.p99.toFixed(1)} ms`,
        `  target p99 ≤ LEARNER_FLUSH_IDLE_MS ${idleMs} + 2 × raw p99 = ${bound.toFixed(1)} ms: ${viaGateway.p99 <= bound ? 'met' : 'NOT met'}`,
        '',
      ].join('\n'),
    );
    mkdirSync('.chorus/bench', { recursive: true });
    writeFileSync(
      join('.chorus/bench', 'freshness.json'),
      `${JSON.stringify({ measuredAt: new Date().toISOString(), options, learnerEventsPerSecond: measured.eventsPerSecond, loadRate, achievedRate, gateway: viaGateway, raw, boundMs: bound }, null, 2)}\n`,
    );
    process.stdout.write('written .chorus/bench/freshness.json\n');
  } finally {
    await rawConsumer.disconnect().catch(() => undefined);
    await gateway.kill('SIGTERM');
    await learner.kill('SIGTERM');
    await db.destroy();
    await stack.teardown();
  }
}

/** POSTs one event; resolves with the ms from the 202 to the first read of the user's model that counts it. */
async function gatewayProbe(url: string, key: string, event: ReturnType<typeof feedbackEventV1.parse>): Promise<number> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const posted = await fetch(`${url}/v1/feedback`, { method: 'POST', headers, body: JSON.stringify({ events: [event] }) });
  if (posted.status !== 202) throw new Error(`POST /v1/feedback answered ${posted.status}: ${await posted.text()}`);
  const accepted = process.hrtime.bigint();
  for (;;) {
    const read = await fetch(`${url}/v1/users/${event.userId}/model?domain=${event.domain}`, { headers });
    const body = (await read.json().catch(() => null)) as { eventsSeen?: number } | null;
    if (read.status === 200 && (body?.eventsSeen ?? 0) >= 1) return Number(process.hrtime.bigint() - accepted) / 1e6;
    if (Number(process.hrtime.bigint() - accepted) > 60e9) throw new Error(`${event.userId}'s event not visible 60 s after the 202`);
    await sleep(5);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

main().catch((error: Error) => {
  process.stderr.write(`benchmark failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
