import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { driftAlertKey, driftAlertV1, type DriftAlertV1 } from '@chorus/contracts';
import { ApiKeyRepository } from '@chorus/platform';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { Partitioners, type Producer } from 'kafkajs';
import { startService } from '@chorus/platform';
import { createNotifierApp, notifierTransport } from '../../services/notifier/src/notifier.app';
import { loadNotifierConfig } from '../../services/notifier/src/notifier.config';
import { AlertsRepository } from '../../services/notifier/src/persistence/alerts.repository';
import { DeliveriesRepository } from '../../services/notifier/src/persistence/deliveries.repository';
import { SubscriptionsRepository } from '../../services/notifier/src/persistence/subscriptions.repository';
import { WebhookDeliveryQueue } from '../../services/notifier/src/processors/webhook-delivery.queue';
import { AlertFeed } from '../../services/notifier/src/usecases/alert-feed';
import { seededUuid } from './feedback-factory';
import { ServiceProcess } from './service-process';
import type { TestStack } from './test-stack';

/**
 * The notifier in this process, listening on a free port, with its delivery queue and alert feed. Fatal errors are
 * collected (the test fails on them).
 */
export async function startNotifier(env: NodeJS.ProcessEnv): Promise<{ app: NestExpressApplication; url: string; queue: WebhookDeliveryQueue; feed: AlertFeed; fatal: Error[] }> {
  const fatal: Error[] = [];
  const config = loadNotifierConfig(env);
  const app = await createNotifierApp(config, (error) => fatal.push(error));
  await startService(app, notifierTransport(config), { port: 0, host: '127.0.0.1' });
  return { app, url: await app.getUrl(), queue: app.get(WebhookDeliveryQueue), feed: app.get(AlertFeed), fatal };
}

/** The notifier as a real OS process, so a test can see it exit and SIGKILL it. */
export class NotifierProcess extends ServiceProcess {
  constructor(env: NodeJS.ProcessEnv) {
    super('notifier', 'NOTIFIER_HTTP_PORT', env);
  }
}

/**
 * The notifier's store on a new migrated database of the stack, for tests that drive its repositories directly (no
 * Kafka consumer, no HTTP), with the id of a `subscriber` key to own subscriptions.
 */
export async function openNotifierStore(stack: TestStack) {
  await stack.start();
  const { db, url } = await stack.database();
  const owner = (await new ApiKeyRepository(db).create('owner', ['subscriber'])).record.id;
  return { db, url, owner, alerts: new AlertsRepository(db), subscriptions: new SubscriptionsRepository(db), deliveries: new DeliveriesRepository(db) };
}

/** Env for a notifier of this stack: own consumer group and queue prefix, short backoffs, its own encryption key. */
export function notifierEnv(stack: TestStack, base: NodeJS.ProcessEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...base,
    NOTIFIER_GROUP_ID: `notifier-${stack.id}`,
    NOTIFIER_QUEUE_PREFIX: queuePrefix(stack),
    NOTIFIER_SESSION_TIMEOUT_MS: '6000',
    NOTIFIER_WEBHOOK_BACKOFF_MS: '50',
    NOTIFIER_WEBHOOK_BACKOFF_JITTER: '0',
    NOTIFIER_WEBHOOK_MAX_ATTEMPTS: '4',
    NOTIFIER_WEBHOOK_TIMEOUT_MS: '2000',
    NOTIFIER_STREAM_HEARTBEAT_MS: '1000',
    NOTIFIER_STREAM_POLL_MS: '2000',
    NOTIFIER_OUTBOX_SWEEP_MS: '1000',
    NOTIFIER_SECRET_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...extra,
  };
}

export function queuePrefix(stack: TestStack): string {
  return `chorus-${stack.id}`;
}

/** Delete this stack's BullMQ keys from the shared Redis. */
export async function dropQueueKeys(stack: TestStack, url = 'redis://127.0.0.1:6379'): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix(stack)}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** A valid chorus.drift-alerts.v1 alert; `n` makes its id (and, by default, its subject) unique and reproducible. */
export function driftAlert(n: number, fields: Partial<DriftAlertV1> = {}): DriftAlertV1 {
  const raisedAt = new Date(Date.UTC(2026, 0, 1, 12, 0, n)).toISOString();
  return driftAlertV1.parse({
    alertId: seededUuid(`alert:${n}:${JSON.stringify(fields)}`),
    scope: 'user',
    subject: `user-${n}`,
    domain: 'movies',
    metric: 'exposure-entropy',
    detector: 'PageHinkley',
    direction: 'down',
    value: 0.21,
    baseline: 0.74,
    severity: 'warning',
    window: { start: '2026-01-01T00:00:00Z', end: raisedAt, observations: 40 },
    configVersion: 1,
    raisedAt,
    rerankRequested: true,
    ...fields,
  });
}

export class AlertProducer {
  private readonly producer: Producer;

  constructor(private readonly stack: TestStack) {
    this.producer = stack.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Produce alerts keyed as drift-watch keys them (scope key), or raw values. */
  async send(alerts: (DriftAlertV1 | { raw: string | null; key?: string })[]): Promise<void> {
    await this.producer.send({
      topic: this.stack.topic('driftAlerts'),
      messages: alerts.map((a) => ('raw' in a ? { key: a.key ?? 'raw', value: a.raw } : { key: driftAlertKey(a), value: JSON.stringify(a) })),
    });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  status: number;
  at: number;
}

/**
 * A webhook receiver: a real HTTP server on 127.0.0.1. Each path answers with the status its behaviour returns for
 * the n-th request on that path (0-based; a promise holds the request open until it settles); unknown paths answer 404.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly behaviours = new Map<string, (n: number) => number | Promise<number>>();
  private server?: Server;
  url = '';

  on(path: string, behaviour: (n: number) => number | Promise<number>): this {
    this.behaviours.set(path, behaviour);
    return this;
  }

  async start(): Promise<void> {
    this.server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', async () => {
        const path = request.url ?? '/';
        const behaviour = this.behaviours.get(path);
        const n = this.requests.filter((r) => r.path === path).length + this.holding.filter((p) => p === path).length;
        this.holding.push(path);
        const status = behaviour ? await behaviour(n) : 404;
        this.holding.splice(this.holding.indexOf(path), 1);
        this.requests.push({ path, headers: request.headers, rawBody: Buffer.concat(chunks), status, at: Date.now() });
        response.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? `receiver says no (${status}) to request #${n}` : 'ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Paths of requests being held open (their behaviour has not settled yet), one entry per request. */
  readonly holding: string[] = [];

  hits(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * A minimal EventSource over fetch (Node has no EventSource): parses `id`, `event`, `data` fields and records
 * events in order. `close()` aborts the connection like a client going away.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  ended = false;
  private readonly abort = new AbortController();
  private done?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  /** Resolves once the response headers arrived (the stream is open, or refused with `status`). */
  async connect(): Promise<this> {
    const response = await fetch(this.url, { headers: { accept: 'text/event-stream', ...this.headers }, signal: this.abort.signal });
    this.status = response.status;
    if (!response.ok || !response.body) {
      this.ended = true;
      this.comments.push(await response.text());
      return this;
    }
    this.done = this.read(response.body).catch(() => undefined).finally(() => (this.ended = true));
    return this;
  }

  get lastId(): string | undefined {
    return this.events.at(-1)?.id;
  }

  close(): Promise<void> {
    this.abort.abort();
    return this.done ?? Promise.resolve();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
          else if (line.startsWith('id:')) event.id = line.slice(3).trim();
          else if (line.startsWith('event:')) event.event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length > 0) this.events.push({ ...event, data: data.join('\n') });
      }
    }
  }
}
