import { randomBytes } from 'node:crypto';
import { RERANK_JOB, RERANK_QUEUE } from '@chorus/platform';
import { rerankJobV1, WEBHOOK_DELIVERY_JOB, WEBHOOK_DELIVERY_QUEUE, webhookDeliveryJobV1 } from '@chorus/contracts';
import { Queue, type Job } from 'bullmq';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seedCatalogue } from './support/drift-watch';
import { catalogue } from './support/feedback-factory';
import { failureOf, fuzzParameters, fuzzRuns, report, tally, type SurfaceTally } from './support/fuzz-run';
import { brokenJsonText, hostileBytes, hostileJson, hostileString, jsonText, nearValid } from './support/hostile-arbitraries';
import { schemaArbitrary, type JsonSchema } from './support/json-schema-arbitrary';
import { dropQueueKeys, NotifierProcess, notifierEnv, queuePrefix, WebhookReceiver } from './support/notifier';
import { pollUntil } from './support/poll';
import { RerankerProcess } from './support/reranker';
import type { ServiceProcess } from './support/service-process';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Issue #10 item 7, queues: hostile job payloads and names added with the BullMQ Queue API to every queue a worker
 * consumes — `rerank` (reranker) and `webhook-deliveries` (notifier) — bypassing the code that normally enqueues.
 * Payloads are near-valid (from the job schemas), hostile JSON of any shape, broken JSON text and bytes (as strings).
 *
 * After each batch a valid canary job follows, and the property is: the worker process is alive, the canary completes
 * (a calibrated-rerank attempt; a signed ping that reaches the test's receiver), and every fuzz job ended (completed or
 * failed), none left waiting or active. FUZZ_RUNS jobs per queue (CI default below), seeded by FUZZ_SEED.
 */
const CI_JOBS_PER_QUEUE = 100;
const BATCH = 25;
const SETTLE_MS = 30_000;

const jsonSchemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

/** A job's data: a near-valid payload (most), hostile JSON, or text that is not JSON at all (BullMQ stores a string). */
function payload(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: nearValid(valid).map((doc) => parseOrText(jsonText(doc))) },
    { weight: 2, arbitrary: hostileJson.map((doc) => parseOrText(jsonText(doc))) },
    { weight: 1, arbitrary: brokenJsonText(valid) },
    { weight: 1, arbitrary: hostileBytes(valid).map((bytes) => bytes.toString('latin1')) },
  );
}

/** The document as a client's JSON.parse reads it (repeated keys collapse, `__proto__` stays an own key), or the text. */
function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const jobName = (names: string[]) => fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: hostileString.filter((s) => s.length > 0 && s.length < 500) });

describe('fuzz: every queue a worker consumes', () => {
  const stack = new TestStack(1);
  const receiver = new WebhookReceiver().on('/hook', () => 200);
  let db: DataSource;
  let redis: Redis;
  let rerank: Queue;
  let deliveries: Queue;
  let reranker: RerankerProcess;
  let notifier: NotifierProcess;
  let key: string;
  let subscriptionId: string;
  let canaries = 0;
  let dirty = false;

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await receiver.start();
    await seedCatalogue(db, catalogue(20));
    const env = notifierEnv(
      stack,
      serviceEnv(stack, database.url, { RERANK_QUEUE_PREFIX: queuePrefix(stack), RERANK_JOB_ATTEMPTS: '2', RERANK_BACKOFF_MS: '50', RERANK_LOCK_DURATION_MS: '5000', RERANK_STALLED_INTERVAL_MS: '1000' }),
      // One ping per batch as the canary: more than the default ping quota allows in a window.
      { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', NOTIFIER_SECRET_ENCRYPTION_KEY: randomBytes(32).toString('base64'), NOTIFIER_QUOTA_PING: '1000000' },
    );
    reranker = new RerankerProcess(env);
    notifier = new NotifierProcess(env);
    await Promise.all([reranker.start(), notifier.start()]);
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    rerank = new Queue(RERANK_QUEUE, { connection: redis, prefix: queuePrefix(stack) });
    deliveries = new Queue(WEBHOOK_DELIVERY_QUEUE, { connection: redis, prefix: queuePrefix(stack) });
    key = await stack.apiKey(db, ['subscriber'], 'fuzz-queues');
    const created = await notifierCall('POST', '/v1/subscriptions', { url: `${receiver.url}/hook`, description: 'canary' });
    expect(created.status).toBe(201);
    subscriptionId = created.body.id;
  });

  afterAll(async () => {
    await Promise.all([reranker?.kill('SIGTERM'), notifier?.kill('SIGTERM')]);
    await rerank?.close();
    await deliveries?.close();
    await redis?.quit();
    await receiver.stop();
    await dropQueueKeys(stack);
    await stack.stop();
  });

  async function notifierCall(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`http://127.0.0.1:${notifier.port}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  /** After a failed batch: stop the workers, drop every job of the queues, start the workers again. */
  async function reset(): Promise<void> {
    await Promise.all([reranker.kill(), notifier.kill()]);
    await rerank.obliterate({ force: true });
    await deliveries.obliterate({ force: true });
    await Promise.all([reranker.start(), notifier.start()]);
  }

  interface QueueSurface {
    name: string;
    queue: () => Queue;
    worker: () => ServiceProcess;
    jobNames: string[];
    valid: fc.Arbitrary<unknown>;
    /** Add a valid job and answer how to see it processed. */
    canary: () => Promise<() => Promise<boolean>>;
  }

  async function fuzzQueue(surface: QueueSurface): Promise<SurfaceTally> {
    const t = tally(`queue ${surface.name}`);
    const runs = fuzzRuns(CI_JOBS_PER_QUEUE);
    const jobs = fc.array(fc.record({ name: jobName(surface.jobNames), data: payload(surface.valid) }), { minLength: 1, maxLength: Math.min(BATCH, runs), size: 'max' });
    const property = fc.asyncProperty(fc.limitShrink(jobs, 20), async (batch) => {
      if (dirty) {
        await reset();
        dirty = false;
      }
      t.cases += batch.length;
      const added: Job[] = await surface.queue().addBulk(batch.map(({ name, data }) => ({ name, data })));
      const processed = await surface.canary();
      let last: string[] = [];
      const problems = async () => {
        const found: string[] = [];
        if (!surface.worker().running) found.push(`the ${surface.name} worker exited: ${surface.worker().lastErrors()}`);
        if (!(await processed())) found.push('the valid canary job was not processed');
        const states = await Promise.all(added.map(async (job) => [job, await surface.queue().getJobState(job.id!)] as const));
        const open = states.filter(([, state]) => state !== 'completed' && state !== 'failed');
        if (open.length > 0) found.push(`${open.length} fuzz jobs did not end: ${open.slice(0, 3).map(([job, state]) => `${job.id} ${state} ${JSON.stringify(job.name)} ${JSON.stringify(job.data).slice(0, 200)}`).join('; ')}`);
        return found;
      };
      try {
        await pollUntil(async () => (last = await problems()), (p) => p.length === 0 || p.some((x) => x.includes(' exited: ')), { what: 'the batch and canary to be processed', timeoutMs: SETTLE_MS, intervalMs: 250 });
      } catch {
        // The deadline passed: `last` says what was still wrong.
      }
      if (last.length > 0) {
        dirty = true;
        t.stoppedConsumers++;
        console.error(`[fuzz] queue ${surface.name}: a batch of ${batch.length} failed: ${last.map((p) => p.slice(0, 600)).join(' | ')}`);
        throw new Error(`after ${batch.length} jobs on ${surface.name}:\n${last.join('\n')}`);
      }
    });
    let round = 0;
    while (t.cases < runs && t.failures.length === 0) {
      const failure = failureOf(await fc.check(property, fuzzParameters(`queue ${surface.name} #${round++}`, Math.max(1, Math.ceil((runs - t.cases) / (BATCH / 2))))));
      if (failure) t.failures.push(`${surface.name}\n${failure}`);
    }
    report(t);
    return t;
  }

  it('rerank: the reranker fails hostile jobs and keeps processing valid ones', { timeout: 1_800_000 }, async () => {
    const t = await fuzzQueue({
      name: RERANK_QUEUE,
      queue: () => rerank,
      worker: () => reranker,
      jobNames: Object.values(RERANK_JOB),
      valid: fc.oneof(
        fc.constantFrom<unknown>(
          { scope: 'user', domain: 'movies', userIds: ['user-1'], reason: { kind: 'manual' } },
          { scope: 'segment', domain: 'movies', userIds: ['user-1', 'user-2'], segment: 'cohort-1', reason: { kind: 'alert', alertId: 'a-1' }, lambda: 0.5, n: 5 },
          { scope: 'population', domain: 'movies', reason: { kind: 'schedule' } },
        ),
        schemaArbitrary(jsonSchemaOf(rerankJobV1)),
      ),
      canary: async () => {
        const n = ++canaries;
        const job = await rerank.add(RERANK_JOB.user, { scope: 'user', domain: 'movies', userIds: [`canary-${n}`], reason: { kind: 'manual' } }, { jobId: `canary-${n}` });
        return async () => (await rerank.getJobState(job.id!)) === 'completed';
      },
    });
    expect(t.failures).toEqual([]);
  });

  it('webhook-deliveries: the notifier fails hostile jobs and keeps delivering', { timeout: 1_800_000 }, async () => {
    const t = await fuzzQueue({
      name: WEBHOOK_DELIVERY_QUEUE,
      queue: () => deliveries,
      worker: () => notifier,
      jobNames: [WEBHOOK_DELIVERY_JOB],
      valid: fc.oneof(fc.uuid().map((deliveryId) => ({ deliveryId })), schemaArbitrary(jsonSchemaOf(webhookDeliveryJobV1))),
      canary: async () => {
        const ping = await notifierCall('POST', `/v1/subscriptions/${subscriptionId}/ping`);
        if (ping.status !== 202) return async () => false;
        const deliveryId: string = ping.body.deliveryId;
        return async () => receiver.hits('/hook').some((r) => r.headers['chorus-delivery-id'] === deliveryId);
      },
    });
    expect(t.failures).toEqual([]);
  });
});
