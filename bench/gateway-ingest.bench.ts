/**
 * bench:gateway — what the HTTP ingest route costs over writing to Kafka directly (issue #14, part 4).
 *
 * In a stack of its own (topic prefix, database, quota namespace), the gateway as a real OS process (dist/) and, in
 * this process, a raw kafkajs producer: for each batch size, `--clients` concurrent clients send the same prepared
 * batches back to back for `--seconds`,
 *   - raw: `producer.send` of the batch (keyed by user, acks = all: what the gateway's use case sends);
 *   - gateway: `POST /v1/feedback` with `{ events: [...] }` over keep-alive node:http connections (one per client),
 *     counted on its 202 (given only once the broker acknowledged every event with acks = all).
 * Both producers are kafkajs 2.2.4 with the same settings (no compression, not idempotent, default in-flight limit).
 * The sides alternate (raw, gateway, raw, gateway…) so the shared machine's noise hits both. Nothing consumes the
 * topic: the two sides compete for nothing else. A side's rate is the events acknowledged over its window's wall clock
 * (until its last reply); the gateway's CPU per event is its process's utime + stime (/proc) over its window, and each
 * round also prints this process's CPU per event (the raw producer's, or the HTTP clients'). Prints a
 * table (medians over the rounds) and writes gateway-ingest.json under --out. One short untimed window of each side
 * per batch size warms the JIT and the connections first.
 *
 *   npm run bench:gateway -- [--batch-sizes 1,100,1000] [--clients 8] [--seconds 5] [--rounds 3] [--partitions 3]
 */
import 'reflect-metadata';
import { Agent, request } from 'node:http';
import { feedbackEventV1, topicName } from '@chorus/contracts';
import { ApiKeyRepository, createDataSource } from '@chorus/platform';
import { Partitioners } from 'kafkajs';
import { runCommand } from '../scripts/command-line';
import { feedbackEvents } from '../test/support/feedback-factory';
import { GatewayProcess } from '../test/support/services';
import { benchStack } from './bench-stack';
import { GATEWAY_INGEST_USAGE, parseGatewayIngestOptions, type GatewayIngestOptions } from './gateway/gateway-ingest-options';
import { summarise, type BatchSizeSummary, type Window } from './gateway/side-summary';
import { writeBenchResult } from './scale/bench-result';
import { readProcStats } from './scale/proc-stats';
import { serviceEnv } from './scale/service-run';
import { textTable } from './scale/text-table';

const USERS = 20_000;
const WARM_UP_SECONDS = 1;

/** One batch, prepared once for both sides: the raw producer's messages and the gateway's request body. */
interface Batch {
  size: number;
  messages: { key: string; value: string }[];
  body: Buffer;
}

async function main(): Promise<void> {
  const options = parseGatewayIngestOptions();
  const stack = await benchStack('gateway', options.partitions);
  const topic = topicName('feedback', stack.prefix);
  const db = await createDataSource(stack.databaseUrl, { poolSize: 1, applicationName: 'bench-gateway' }).initialize();
  const gateway = new GatewayProcess({ ...serviceEnv(stack, options.partitions), QUOTA_REDIS_PREFIX: `chorus-${stack.id}`, GATEWAY_QUOTA_INGEST: '10000000' });
  const producer = stack.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    const key = (await new ApiKeyRepository(db).create('bench-gateway', ['ingest'])).key;
    await gateway.start();
    await producer.connect();
    const http = httpClients(gateway.url, key, options.clients);
    const sides: Record<'raw' | 'gateway', (batch: Batch) => Promise<void>> = {
      raw: async (batch) => void (await producer.send({ topic, acks: -1, messages: batch.messages })),
      gateway: http.post,
    };
    const results: BatchSizeSummary[] = [];
    for (const size of options.batchSizes) {
      const batches = prepare(size, options.clients);
      process.stdout.write(`\n== batches of ${size}, ${options.clients} clients, ${options.seconds} s windows\n`);
      await run(sides.raw, batches, options.clients, WARM_UP_SECONDS);
      await run(sides.gateway, batches, options.clients, WARM_UP_SECONDS);
      http.closeIdle();
      const raw: Window[] = [];
      const viaGateway: Window[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        const rawWindow = await run(sides.raw, batches, options.clients, options.seconds);
        raw.push({ eventsPerSecond: rawWindow.eventsPerSecond });
        const cpuBefore = readProcStats(gateway.pid!).cpuSeconds;
        const window = await run(sides.gateway, batches, options.clients, options.seconds);
        const cpu = readProcStats(gateway.pid!).cpuSeconds - cpuBefore;
        http.closeIdle();
        viaGateway.push({ eventsPerSecond: window.eventsPerSecond, gatewayCpuMicrosPerEvent: (cpu * 1e6) / window.events });
        // The bench process's CPU per event: the raw side's producer, the gateway side's HTTP clients.
        process.stdout.write(
          `round ${round}: raw ${fmt(rawWindow.eventsPerSecond)} events/s (${rawWindow.benchCpuMicrosPerEvent.toFixed(1)} µs producer CPU/event), ` +
            `gateway ${fmt(window.eventsPerSecond)} events/s (${viaGateway.at(-1)!.gatewayCpuMicrosPerEvent!.toFixed(1)} µs gateway CPU/event, ` +
            `${window.benchCpuMicrosPerEvent.toFixed(1)} µs client CPU/event)\n`,
        );
      }
      results.push(summarise(size, raw, viaGateway));
    }
    printTable(results, options);
    writeBenchResult(options.out, 'gateway-ingest.json', { options, results });
  } finally {
    await producer.disconnect().catch(() => undefined);
    await gateway.kill('SIGTERM');
    await db.destroy();
    await stack.teardown();
  }
}

/**
 * Enough distinct batches that the clients never send the same one at once (four per client), from 20k users so they
 * spread over the partitions as real traffic does.
 */
function prepare(size: number, clients: number): Batch[] {
  const events = feedbackEvents(size * clients * 4, { users: USERS, items: 1000, seed: size });
  const batches: Batch[] = [];
  for (let b = 0; b < clients * 4; b++) {
    const batch = Array.from({ length: size }, () => feedbackEventV1.parse(events.next().value));
    const body = Buffer.from(JSON.stringify({ events: batch }));
    batches.push({ size, messages: batch.map((e) => ({ key: e.userId, value: JSON.stringify(e) })), body });
  }
  return batches;
}

/** `clients` loops sending the batches round-robin until `seconds` have passed; timed until the last reply. */
async function run(send: (batch: Batch) => Promise<void>, batches: Batch[], clients: number, seconds: number): Promise<Window & { events: number; benchCpuMicrosPerEvent: number }> {
  let next = 0;
  let events = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (process.hrtime.bigint() < deadline) {
        const batch = batches[next++ % batches.length]!;
        await send(batch);
        events += batch.size;
      }
    }),
  );
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { events, eventsPerSecond: events / wall, benchCpuMicrosPerEvent: (used.user + used.system) / events };
}

/**
 * The HTTP clients: node:http over a keep-alive agent with one socket per client, so no request waits for a connection
 * or pays for a handshake. Not fetch: its WHATWG streams cost the bench process (which shares the cores with the
 * gateway) a multiple of what node:http does per request, and the raw side pays for no client at all. `closeIdle`
 * ends the sockets after a window: idle through the raw side's window, they would outlive the server's keep-alive
 * timeout (5 s) and the next window's first requests could race its close ("socket hang up").
 */
function httpClients(url: string, key: string, clients: number): { post: (batch: Batch) => Promise<void>; closeIdle: () => void } {
  let agent = new Agent({ keepAlive: true, maxSockets: clients });
  const { hostname, port } = new URL(url);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const post = (batch: Batch) =>
    new Promise<void>((resolve, reject) => {
      const call = request({ agent, hostname, port, path: '/v1/feedback', method: 'POST', headers: { ...headers, 'content-length': batch.body.length } }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', reject);
        answer.on('end', () => {
          if (answer.statusCode === 202) resolve();
          else reject(new Error(`POST /v1/feedback answered ${answer.statusCode}: ${Buffer.concat(chunks).toString()}`));
        });
      });
      call.on('error', reject);
      call.end(batch.body);
    });
  const closeIdle = () => {
    agent.destroy();
    agent = new Agent({ keepAlive: true, maxSockets: clients });
  };
  return { post, closeIdle };
}

function printTable(results: BatchSizeSummary[], options: GatewayIngestOptions): void {
  const header = ['batch', 'raw ev/s', 'gateway ev/s', 'ratio', 'ratio per round', 'gateway µs CPU/ev', 'target ≥ 0.70'];
  const rows = results.map((r) => [
    fmt(r.batchSize),
    fmt(r.rawEventsPerSecond),
    fmt(r.gatewayEventsPerSecond),
    r.ratio.toFixed(2),
    r.ratioPerRound.map((x) => x.toFixed(2)).join(' '),
    r.gatewayCpuMicrosPerEvent.toFixed(1),
    r.batchSize >= 100 ? (r.ratio >= 0.7 ? 'met' : 'NOT met') : '(none at this size)',
  ]);
  process.stdout.write(
    `\nPOST /v1/feedback ÷ raw kafkajs producer (acks = all), ${options.clients} clients, medians of ${options.rounds} alternating ${options.seconds} s windows\n` +
      `${textTable(header, rows)}\n`,
  );
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

runCommand('bench:gateway', GATEWAY_INGEST_USAGE, main);
