import { RERANK_JOB, RERANK_QUEUE, rerankBatchJobId, rerankJobId, RerankQueue } from '@chorus/platform';
import { RewardModelsRepository } from '@chorus/scoring';
import { modelVersion } from '@chorus/contracts';
import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@chorus/random';
import { seededUuid } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { counterValue, startReranker } from './support/reranker';
import { startGateway, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

const DOMAIN = 'movies';
/** The calibrated list must hold documentaries within this of the profile's 30% (n = 10: 2, 3 or 4 of 10). */
const SHARE_TOLERANCE = 0.1;
const LAMBDA = 0.9;

/**
 * Calibrated reranking end to end on the real Kafka, Postgres and Redis: feedback → learner → rerank job (BullMQ) →
 * reranker → calibrated_lists → gateway serving, plus the admin API, the dashboard, dedup and unrecoverable payloads.
 */
describe('calibrated reranking through BullMQ', () => {
  const stack = new TestStack(3);
  const queuePrefix = `t${stack.id}`;
  let db: DataSource;
  let gateway: { app: INestApplication; url: string };
  let learner: Awaited<ReturnType<typeof startLearner>>;
  let reranker: Awaited<ReturnType<typeof startReranker>>;
  let admin: string;
  let reader: string;
  let consumer: Consumer;
  const exposures: any[] = [];
  const completions: any[] = [];

  const call = async (method: string, path: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: response.status, body: json, text, headers: response.headers };
  };
  const documentaryShare = (itemIds: string[]) => itemIds.filter((id) => id.startsWith('doc-')).length / itemIds.length;
  const jobDone = (jobId: string) =>
    pollUntil(() => call('GET', `/v1/admin/rerank/jobs/${jobId}`, admin), (r) => ['completed', 'failed'].includes(r.body?.state), { what: `job ${jobId} to finish`, timeoutMs: 30_000 });
  const rowsFor = async (userId: string): Promise<number> => Number((await db.query(`SELECT count(*)::int AS n FROM calibrated_lists WHERE user_id = $1`, [userId]))[0].n);

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    const env = serviceEnv(stack, database.url, {
      LEARNER_FLUSH_INTERVAL_MS: '100',
      GATEWAY_MODEL_CACHE_SECONDS: '0',
      RERANK_MODEL_CACHE_SECONDS: '0',
      RERANK_QUEUE_PREFIX: queuePrefix,
      RERANK_BACKOFF_MS: '200',
    });
    [gateway, learner, reranker] = await Promise.all([startGateway(env), startLearner(env), startReranker(env)]);
    admin = await stack.apiKey(db, ['admin'], 'admin');
    reader = await stack.apiKey(db, ['read'], 'reader');
    consumer = stack.kafka.consumer({ groupId: `rerank-e2e-${stack.id}`, sessionTimeout: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topics: [stack.topic('exposures'), stack.topic('rerankCompleted')], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const value = JSON.parse(message.value!.toString());
        (topic === stack.topic('exposures') ? exposures : completions).push(value);
      },
    });

    // 60 dramas and 40 documentaries. The population loves drama and dislikes documentaries; carol's own history is
    // 14 dramas and 6 documentaries (70/30), all rated 5; dave's is 10 dramas.
    const items = [
      ...Array.from({ length: 60 }, (_, i) => ({ itemId: `drama-${i}`, domain: DOMAIN, categories: { drama: 1 } })),
      ...Array.from({ length: 40 }, (_, i) => ({ itemId: `doc-${i}`, domain: DOMAIN, categories: { documentary: 1 } })),
    ];
    expect((await call('POST', '/v1/items/import', admin, { items })).status).toBe(201);
    const random = mulberry32(4);
    const events: unknown[] = [];
    let n = 0;
    const rate = (userId: string, itemId: string, value: number) =>
      events.push({ eventId: seededUuid(`rerank:${n}`), userId, domain: DOMAIN, occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n++)).toISOString(), type: 'rating', itemId, value });
    for (let u = 0; u < 8; u++) {
      for (let k = 0; k < 10; k++) rate(`pop-${u}`, `drama-${Math.floor(random() * 60)}`, 4 + Math.round(random()));
      for (let k = 0; k < 5; k++) rate(`pop-${u}`, `doc-${Math.floor(random() * 40)}`, 1 + Math.round(random()));
    }
    for (let k = 0; k < 14; k++) rate('carol', `drama-${k}`, 5);
    for (let k = 0; k < 6; k++) rate('carol', `doc-${k}`, 5);
    for (let k = 0; k < 10; k++) rate('dave', `drama-${20 + k}`, 5);
    expect((await call('POST', '/v1/feedback', admin, { events })).status).toBe(202);
    await pollUntil(() => call('GET', `/v1/models/aggregate?domain=${DOMAIN}`, admin), (r) => r.body?.eventsSeen === events.length, { what: 'the learner to apply every event' });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await reranker?.app.close();
    await learner?.app.close();
    await gateway?.app.close();
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await stack.stop();
  });

  it('serves accuracy before any rerank: a 70/30 user gets no documentary at all', async () => {
    const list = await call('GET', `/v1/users/carol/recommendations?domain=${DOMAIN}&n=10`, reader);
    expect(list.status).toBe(200);
    expect(list.body.policy).toBe('accuracy');
    expect(documentaryShare(list.body.items.map((i: { itemId: string }) => i.itemId))).toBe(0);
  });

  it(`reranks a 70/30 user to within ±${SHARE_TOLERANCE} of 30% documentaries (λ = ${LAMBDA}), stores, publishes and serves it`, async () => {
    const posted = await call('POST', '/v1/admin/rerank', admin, { domain: DOMAIN, userIds: ['carol'], lambda: LAMBDA, n: 10 });
    expect(posted.status).toBe(202);
    expect(posted.body.jobIds).toHaveLength(1);
    const jobId = posted.body.jobIds[0];
    expect(jobId).toMatch(/^user\.movies\.carol\.v20\.\d+\.l0\.9\.n10$/);
    const job = await jobDone(jobId);
    expect(job.body).toMatchObject({ state: 'completed', attemptsMade: 1, failedReason: null, result: { outcome: 'stored', userId: 'carol', items: 10 } });
    const { klBefore, klAfter } = job.body.result;
    // Before: 10 dramas against a 70/30 profile, C_KL = 0.7 ln(0.7/0.997) + 0.3 ln(0.3/0.003) ≈ 1.13 nats.
    expect(klBefore).toBeCloseTo(0.7 * Math.log(0.7 / 0.997) + 0.3 * Math.log(0.3 / 0.003), 6);
    expect(klAfter).toBeLessThan(0.05);
    expect(job.body.result.minorityShare).toMatchObject({ categories: [], profileShare: 0 });

    const [row] = await db.query(`SELECT items, model_version, lambda, n, list_source FROM calibrated_lists WHERE job_id = $1`, [jobId]);
    const stored = row.items.map((i: { itemId: string }) => i.itemId);
    expect(Math.abs(documentaryShare(stored) - 0.3)).toBeLessThanOrEqual(SHARE_TOLERANCE);
    expect(row).toMatchObject({ lambda: LAMBDA, n: 10, list_source: 'greedy' });

    const served = await call('GET', `/v1/users/carol/recommendations?domain=${DOMAIN}&n=10`, reader);
    expect(served.body.policy).toBe('calibrated');
    expect(served.body.items.map((i: { itemId: string }) => i.itemId)).toEqual(stored);
    expect(served.body.calibration).toMatchObject({ jobId, lambda: LAMBDA, modelVersion: row.model_version });
    // The prefix of a greedy list is the greedy list of that length: n = 5 serves the first five.
    const shorter = await call('GET', `/v1/users/carol/recommendations?domain=${DOMAIN}&n=5`, reader);
    expect(shorter.body.items.map((i: { itemId: string }) => i.itemId)).toEqual(stored.slice(0, 5));
    // Longer than the stored list: falls back to the accuracy list.
    expect((await call('GET', `/v1/users/carol/recommendations?domain=${DOMAIN}&n=11`, reader)).body.policy).toBe('accuracy');

    await pollUntil(async () => exposures, (e) => e.some((x) => x.listId === served.body.listId), { what: 'the calibrated exposure' });
    expect(exposures.find((x) => x.listId === served.body.listId)).toMatchObject({ userId: 'carol', policy: 'calibrated' });
    await pollUntil(async () => completions.filter((c) => c.jobId === jobId), (c) => c.length === 1, { what: 'the completion event' });
    expect(completions.find((c) => c.jobId === jobId)).toMatchObject({ userId: 'carol', domain: DOMAIN, modelVersion: row.model_version, items: stored, reason: { kind: 'manual' } });
  });

  it('runs the same job once when it is enqueued twice, at once and again after completion', async () => {
    const queue = RerankQueue.fromConfig(
      { REDIS_URL: 'redis://127.0.0.1:6379', RERANK_QUEUE_PREFIX: queuePrefix, RERANK_JOB_ATTEMPTS: 3, RERANK_BACKOFF_MS: 200, RERANK_KEEP_COMPLETED_SECONDS: 3600, RERANK_KEEP_FAILED_SECONDS: 3600 },
      new RewardModelsRepository(db),
    );
    try {
      const payload = { scope: 'user' as const, domain: DOMAIN, userIds: ['dave'], reason: { kind: 'alert' as const, alertId: 'alert-1' } };
      const [first, second] = await Promise.all([queue.enqueue(payload), queue.enqueue({ ...payload, reason: { kind: 'alert', alertId: 'alert-2' } })]);
      expect(second[0]!.jobId).toBe(first[0]!.jobId);
      const jobId = first[0]!.jobId;
      const done = await jobDone(jobId);
      expect(done.body.state).toBe('completed');
      const again = await call('POST', '/v1/admin/rerank', admin, { domain: DOMAIN, userIds: ['dave'] });
      expect(again.body.jobIds).toEqual([jobId]);
      const after = await call('GET', `/v1/admin/rerank/jobs/${jobId}`, admin);
      expect(after.body).toMatchObject({ state: 'completed', attemptsMade: 1, finishedAt: done.body.finishedAt, processedAt: done.body.processedAt });

      const metrics = await reranker.registry.metrics();
      expect(counterValue(metrics, 'reranker_jobs_total', { name: RERANK_JOB.user, outcome: 'already-stored' })).toBe(0);
      expect(await rowsFor('dave')).toBe(1);
      await pollUntil(async () => completions.filter((c) => c.userId === 'dave').length, (count) => count >= 1, { what: "dave's completion event" });
      expect(completions.filter((c) => c.userId === 'dave')).toHaveLength(1);
    } finally {
      await queue.close();
    }
  });

  it('fans a segment and the population out into batch jobs; a user without history is skipped', async () => {
    const segment = await call('POST', '/v1/admin/rerank', admin, { domain: DOMAIN, segment: { name: 'drama-lovers', userIds: ['pop-0', 'pop-1', 'nobody'] } });
    expect(segment.status).toBe(202);
    expect(segment.body.jobs).toEqual([{ jobId: expect.stringMatching(/^fan-out\.segment\./), name: RERANK_JOB.fanOut }]);
    const fanOut = await jobDone(segment.body.jobIds[0]);
    expect(fanOut.body).toMatchObject({ state: 'completed', result: { scope: 'segment', users: 3 } });
    const aggregateEvents = (await call('GET', `/v1/models/aggregate?domain=${DOMAIN}`, admin)).body.eventsSeen;
    // One batch (RERANK_BATCH_SIZE ≥ 3) of the members in request order, each at the version the fan-out read.
    const members = ['pop-0', 'pop-1', 'nobody'];
    const events = await new RewardModelsRepository(db).userEventsSeen(DOMAIN, members);
    const batchJob = rerankBatchJobId({
      domain: DOMAIN,
      users: members.map((userId) => ({ userId, modelVersion: modelVersion(events.get(userId)!, aggregateEvents) })),
      reason: { kind: 'manual' },
    });
    const batch = await pollUntil(async () => (await call('GET', `/v1/admin/rerank/jobs/${batchJob}`, admin)).body, (b) => b?.state === 'completed', { what: 'the segment’s batch job' });
    expect(batch.result).toMatchObject({ outcome: 'batch', users: 3, skipped: [{ userId: 'nobody' }], failed: [] });
    expect(batch.result.stored + batch.result.alreadyStored).toBe(2);
    expect(batch.data).toMatchObject({ segment: 'drama-lovers', reason: { kind: 'manual' } });
    // Each member's list under the member's own per-user job id (what a rerank-user job of that version would use).
    const ownIds = ['pop-0', 'pop-1'].map((userId) => rerankJobId(DOMAIN, userId, modelVersion(events.get(userId)!, aggregateEvents)));
    expect((await db.query(`SELECT count(*)::int AS n FROM calibrated_lists WHERE job_id = ANY($1)`, [ownIds]))[0].n).toBe(2);

    const all = await call('POST', '/v1/admin/rerank', admin, { domain: DOMAIN, all: true });
    const population = await jobDone(all.body.jobIds[0]);
    // Everyone with a model: 8 population users, carol and dave.
    expect(population.body).toMatchObject({ state: 'completed', result: { scope: 'population', users: 10 } });
    await pollUntil(() => db.query(`SELECT count(DISTINCT user_id)::int AS n FROM calibrated_lists`), (rows: any[]) => rows[0].n === 10, { what: 'a list for every user' });
  });

  it('retries a transient fault with backoff and then completes', async () => {
    // A real fault, not a mock: the table the job writes to is away, so the insert fails until it is back.
    await db.query(`ALTER TABLE calibrated_lists RENAME TO calibrated_lists_away`);
    let jobId: string;
    try {
      const posted = await call('POST', '/v1/admin/rerank', admin, { domain: DOMAIN, userIds: ['pop-2'], lambda: 0.42 });
      jobId = posted.body.jobIds[0];
      const retrying = await pollUntil(() => call('GET', `/v1/admin/rerank/jobs/${jobId}`, admin), (r) => r.body?.attemptsMade >= 1, { what: 'a failed first attempt' });
      expect(['delayed', 'waiting', 'active']).toContain(retrying.body.state);
      expect(retrying.body.failedReason).toContain('calibrated_lists');
    } finally {
      await db.query(`ALTER TABLE calibrated_lists_away RENAME TO calibrated_lists`);
    }
    const done = await jobDone(jobId);
    expect(done.body).toMatchObject({ state: 'completed', result: { outcome: 'stored', userId: 'pop-2' } });
    expect(done.body.attemptsStarted).toBeGreaterThanOrEqual(2);
    expect(Number((await db.query(`SELECT count(*)::int AS n FROM calibrated_lists WHERE job_id = $1`, [jobId]))[0].n)).toBe(1);
  });

  it('fails a malformed payload at once as unrecoverable, with the reason', async () => {
    const raw = new Queue(RERANK_QUEUE, { connection: new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 }), prefix: queuePrefix });
    try {
      const job = await raw.add(RERANK_JOB.user, { scope: 'user', domain: 'Movies!', userIds: ['carol'], reason: { kind: 'alert' } }, { attempts: 5, backoff: { type: 'fixed', delay: 100 } });
      const failed = await jobDone(job.id!);
      expect(failed.body).toMatchObject({ state: 'failed', attemptsStarted: 1, attemptsMade: 1, attemptsAllowed: 5 });
      expect(failed.body.failedReason).toContain('RERANK.INVALID_JOB');
      expect(failed.body.failedReason).toContain('domain:');
      expect(failed.body.failedReason).toContain('reason.alertId');
      const unknown = await raw.add('rerank-everything', { scope: 'population', domain: DOMAIN, reason: { kind: 'manual' } }, { attempts: 5 });
      const refused = await jobDone(unknown.id!);
      expect(refused.body).toMatchObject({ state: 'failed', attemptsMade: 1 });
      expect(refused.body.failedReason).toContain('RERANK.UNKNOWN_JOB');
    } finally {
      await raw.close();
      await (await raw.client).quit().catch(() => undefined);
    }
  });

  it('validates admin input with 400 naming the fields, and needs the admin scope', async () => {
    const bad = await call('POST', '/v1/admin/rerank', admin, { domain: 'Movies', userIds: ['ok', ''], lambda: 1.5, n: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('REQUEST.INVALID');
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['domain', 'lambda', 'n', 'userIds[1]']);
    const both = await call('POST', '/v1/admin/rerank', admin, { domain: DOMAIN, userIds: ['a'], all: true });
    expect(both.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['all', 'userIds']);
    const none = await call('POST', '/v1/admin/rerank', admin, { domain: DOMAIN });
    expect(none.status).toBe(400);
    expect(none.body.issues[0].path).toBe('userIds');

    expect((await call('POST', '/v1/admin/rerank', undefined, { domain: DOMAIN, all: true })).status).toBe(401);
    const forbidden = await call('POST', '/v1/admin/rerank', reader, { domain: DOMAIN, all: true });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toContain('"admin"');
    expect((await call('GET', '/v1/admin/rerank/jobs/whatever', reader)).status).toBe(403);
    const missing = await call('GET', '/v1/admin/rerank/jobs/no-such-job', admin);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('RERANK.JOB_NOT_FOUND');
  });

  it('serves the Bull Board dashboard behind the admin scope', async () => {
    const anonymous = await call('GET', '/admin/queues', undefined);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    expect((await call('GET', '/admin/queues', reader)).status).toBe(403);
    const page = await call('GET', '/admin/queues', undefined, undefined, { authorization: `Basic ${Buffer.from(`ops:${admin}`).toString('base64')}` });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html');
    const queues = await call('GET', '/admin/queues/api/queues', admin);
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name)).toContain(RERANK_QUEUE);
  });
});
