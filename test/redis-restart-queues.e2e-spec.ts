import { randomBytes } from 'node:crypto';
import { RERANK_QUEUE } from '@chorus/platform';
import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_TEST_ENV, startDriftWatch } from './support/drift-watch';
import { AlertProducer, driftAlert, notifierEnv, startNotifier, WebhookReceiver } from './support/notifier';
import { pollUntil } from './support/poll';
import { PrivateRedis } from './support/private-redis';
import { learnRerankHistories } from './support/rerank-histories';
import { startReranker } from './support/reranker';
import { startGateway } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Redis runs without persistence (`--save "" --appendonly no`), so a restart loses every job. Postgres knows what was
 * asked for: drift alerts whose rerank was enqueued, the operator's rerank requests, webhook deliveries still pending
 * or retrying. After a SIGKILL and
 * restart of a private Redis, what Redis lost is found again from Postgres and enqueued again: no requested rerank and
 * no delivery is lost for good.
 */
describe('queues through a Redis SIGKILL and restart', () => {
  const stack = new TestStack(3);
  const redis = new PrivateRedis();
  let db: DataSource;
  let url: string;

  beforeAll(async () => {
    await Promise.all([stack.start(), redis.start()]);
    ({ db, url } = await stack.database());
  });

  afterAll(async () => {
    await redis.destroy();
    await stack.stop();
  });

  it('rerank jobs drift-watch enqueued for alerts are enqueued again', async () => {
    const prefix = `chorus-${stack.id}-rerank`;
    const driftWatch = await startDriftWatch(
      serviceEnv(stack, url, { ...DRIFT_TEST_ENV, REDIS_URL: redis.url, RERANK_QUEUE_PREFIX: prefix, DRIFT_RERANK_RECONCILE_MS: '300', DRIFT_GROUP_ID: `drift-${stack.id}` }),
    );
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null }).on('error', () => undefined); // reconnects after the kill
    const queue = new Queue(RERANK_QUEUE, { connection, prefix });
    try {
      // Harmful alerts drift-watch committed with a rerank requested (no reranker runs: their jobs wait).
      const alerts = [1, 2, 3].map((n) => driftAlert(n, { subject: `user-${n}`, metric: 'miscalibration', direction: 'up' }));
      for (const a of alerts) {
        await db.query(
          `INSERT INTO drift_alerts (alert_id, scope, subject, domain, metric, detector, direction, value, baseline, severity, window_start, window_end,
                                     config_version, payload, raised_at, last_seen_at, last_event_at, last_value, rerank_requested, source)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $12, $8, true, 'test')`,
          [a.alertId, a.scope, a.subject, a.domain, a.metric, a.detector, a.direction, a.value, a.baseline, a.severity, a.window.start, a.window.end, a.configVersion, JSON.stringify(a), a.raisedAt],
        );
      }
      const jobIdsOf = async () => (await db.query(`SELECT rerank_job_ids FROM drift_alerts WHERE rerank_enqueued_at IS NOT NULL ORDER BY subject`)).map((r: { rerank_job_ids: string[] }) => r.rerank_job_ids);
      const states = async () => Promise.all((await jobIdsOf()).flat().map((id: string) => queue.getJobState(id)));
      const enqueued = await pollUntil(jobIdsOf, (ids) => ids.length === 3, { what: 'the three reranks to be enqueued' });
      expect(await states()).toEqual(['waiting', 'waiting', 'waiting']);

      const killedAt = Date.now();
      await redis.kill();
      await redis.start();

      // Found again from Postgres: the same jobs (same deterministic ids), waiting again, added after the restart.
      await pollUntil(states, (s) => s.length === 3 && s.every((state) => state === 'waiting'), { what: 'the lost rerank jobs to be enqueued again', timeoutMs: 20_000 });
      expect(await jobIdsOf()).toEqual(enqueued);
      const jobs = await queue.getJobs(['waiting']);
      expect(jobs.map((j) => j.data.userIds[0]).sort()).toEqual(['user-1', 'user-2', 'user-3']);
      expect(jobs.every((j) => j.timestamp >= killedAt)).toBe(true);
      expect(driftWatch.fatal).toEqual([]);
    } finally {
      await queue.close();
      connection.disconnect();
      await driftWatch.app.close();
    }
  });

  describe('reranks requested by the operator (POST /v1/admin/rerank)', () => {
    const prefix = `chorus-${stack.id}-operator`;
    const users = ['ann', 'bob', 'cid', 'dee'];
    let gateway: { app: INestApplication; url: string };
    let reranker: Awaited<ReturnType<typeof startReranker>> | undefined;
    let admin: string;
    let env: NodeJS.ProcessEnv;

    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    };
    const jobState = async (jobId: string) => (await call('GET', `/v1/admin/rerank/jobs/${jobId}`)).body?.state as string | undefined;
    const listsOf = async (jobIds: string[]) =>
      (await db.query(`SELECT job_id, count(*)::int AS n FROM calibrated_lists WHERE job_id = ANY($1) GROUP BY job_id ORDER BY job_id`, [jobIds])).map(
        (r: { job_id: string; n: number }) => [r.job_id, r.n],
      );

    beforeAll(async () => {
      // Users with a history, so every job computes and stores a list (a user without one is skipped at once).
      await learnRerankHistories(stack, url, db, users);
      env = serviceEnv(stack, url, {
        REDIS_URL: redis.url,
        RERANK_QUEUE_PREFIX: prefix,
        RERANK_BACKOFF_MS: '200',
        GATEWAY_RERANK_RECONCILE_MS: '300',
        GATEWAY_MODEL_CACHE_SECONDS: '0',
        RERANK_MODEL_CACHE_SECONDS: '0',
      });
      gateway = await startGateway(env);
      admin = await stack.apiKey(db, ['admin'], 'operator');
    });

    afterAll(async () => {
      await reranker?.app.close();
      await gateway?.app.close();
    });

    it('waiting and active at the kill, they are enqueued again from Postgres and complete', async () => {
      // One job at a time, each held 2 s between computing its list and storing it: at the kill one job is active
      // (computed, not stored) and the others wait behind it.
      reranker = await startReranker({ ...env, RERANK_CONCURRENCY: '1', RERANK_JOB_DELAY_MS: '2000' });
      const perUser = await call('POST', '/v1/admin/rerank', { domain: 'movies', userIds: ['ann', 'bob'] });
      expect(perUser.status).toBe(202);
      const segment = await call('POST', '/v1/admin/rerank', { domain: 'movies', segment: { name: 'cohort', userIds: ['cid', 'dee'] } });
      expect(segment.status).toBe(202);
      const jobIds: string[] = [...perUser.body.jobIds, ...segment.body.jobIds];
      expect(jobIds).toHaveLength(3);
      await pollUntil(() => Promise.all(jobIds.map(jobState)), (s) => s.includes('active') && s.filter((x) => x === 'waiting').length === 2, {
        what: 'one operator job active and two waiting',
        timeoutMs: 20_000,
      });

      await redis.kill();
      await redis.start();

      // Every job the operator was answered with completes, found again from Postgres (same ids), after the restart.
      const states = await pollUntil(() => Promise.all(jobIds.map(jobState)), (s) => s.every((state) => state === 'completed'), {
        what: 'every operator rerank job to complete after the Redis restart',
        timeoutMs: 60_000,
        intervalMs: 300,
      });
      expect(states).toEqual(['completed', 'completed', 'completed']);
      // One list per per-user job (the active job's list, stored by the run Redis forgot, is found, not made again) ...
      expect(await listsOf(perUser.body.jobIds)).toEqual(perUser.body.jobIds.map((id: string) => [id, 1]).sort());
      // ... and the segment's fan-out expanded again into lists for its members.
      const members = await pollUntil(
        () => db.query(`SELECT DISTINCT user_id FROM calibrated_lists WHERE user_id = ANY($1) ORDER BY user_id`, [['cid', 'dee']]),
        (rows: { user_id: string }[]) => rows.length === 2,
        { what: "the segment's members to get their lists", timeoutMs: 30_000 },
      );
      expect(members.map((r: { user_id: string }) => r.user_id)).toEqual(['cid', 'dee']);
    });

    it('requested while Redis is down, it is recorded and answered 202 pending, then enqueued once Redis is back', async () => {
      await redis.kill();
      let requested;
      try {
        requested = await call('POST', '/v1/admin/rerank', { domain: 'movies', userIds: ['dee'], lambda: 0.8 });
      } finally {
        await redis.start();
      }
      expect(requested.status).toBe(202);
      expect(requested.body).toMatchObject({ state: 'pending', jobIds: [expect.stringMatching(/^user\.movies\.dee\.v.*\.l0\.8$/)] });
      expect(requested.body.requestId).toEqual(expect.any(String));
      const [jobId] = requested.body.jobIds as string[];
      await pollUntil(() => jobState(jobId!), (state) => state === 'completed', { what: 'the pending request to be enqueued and completed', timeoutMs: 60_000, intervalMs: 300 });
      expect(await listsOf([jobId!])).toEqual([[jobId, 1]]);
      const [row] = await db.query(`SELECT state, ARRAY(SELECT j->>'jobId' FROM jsonb_array_elements(jobs) j) AS job_ids FROM rerank_requests WHERE request_id = $1`, [requested.body.requestId]);
      expect(row).toEqual({ state: 'enqueued', job_ids: [jobId] });
    });
  });

  it('the periodic population rerank is scheduled again', async () => {
    const prefix = `chorus-${stack.id}-schedule`;
    const reranker = await startReranker(
      serviceEnv(stack, url, { REDIS_URL: redis.url, RERANK_QUEUE_PREFIX: prefix, RERANK_SCHEDULE_EVERY_SECONDS: '3600', RERANK_SCHEDULE_DOMAINS: 'movies' }),
    );
    try {
      const schedulers = async () => (await reranker.queue.queue.getJobSchedulers()).map((s) => s.key);
      expect(await schedulers()).toEqual(['schedule.movies']);
      await redis.kill();
      await redis.start();
      await pollUntil(schedulers, (keys) => keys.length === 1 && keys[0] === 'schedule.movies', { what: 'the schedule to be in Redis again', timeoutMs: 20_000 });
    } finally {
      await reranker.app.close();
    }
  });

  it('webhook deliveries waiting, delayed for a retry and in flight are delivered after the restart', async () => {
    const release: (() => void)[] = [];
    const held = new Promise<void>((resolve) => release.push(resolve));
    const receiver = new WebhookReceiver()
      // Answered 503 once, then retried after 20 s of backoff: its job is delayed in Redis at the kill.
      .on('/retrying', (n) => (n === 0 ? 503 : 200))
      // Held open across the kill (the jobs are active), then refused: the retry must come from the reconciler.
      .on('/active-1', async (n) => (n === 0 ? (await held, 503) : 200))
      .on('/active-2', async (n) => (n === 0 ? (await held, 503) : 200))
      // Both worker slots are busy with the held requests: this one's job waits.
      .on('/waiting', () => 200);
    await receiver.start();
    const alerts = new AlertProducer(stack);
    await alerts.connect();
    const notifier = await startNotifier(
      notifierEnv(stack, serviceEnv(stack, url, { REDIS_URL: redis.url }), {
        NOTIFIER_QUEUE_PREFIX: `chorus-${stack.id}-webhooks`,
        NOTIFIER_WEBHOOK_CONCURRENCY: '2',
        NOTIFIER_WEBHOOK_BACKOFF_MS: '20000',
        NOTIFIER_WEBHOOK_TIMEOUT_MS: '30000',
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        NOTIFIER_SECRET_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      }),
    );
    try {
      const key = await stack.apiKey(db, ['subscriber'], 'team-redis');
      const paths = ['/retrying', '/active-1', '/active-2', '/waiting'];
      for (const path of paths) {
        const created = await fetch(`${notifier.url}/v1/subscriptions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ url: `${receiver.url}${path}`, filters: { subjects: [`user${path.replace('/', '-')}`] } }),
        });
        expect(created.status).toBe(201);
      }
      const status = async (subject: string) =>
        (await db.query(`SELECT d.status, d.enqueued_at IS NOT NULL AS enqueued FROM alert_deliveries d JOIN notifier_alerts a USING (alert_id) WHERE a.subject = $1`, [subject]))[0];
      const send = (n: number, path: string) => alerts.send([driftAlert(100 + n, { subject: `user${path.replace('/', '-')}` })]);

      await send(0, '/retrying');
      await pollUntil(() => status('user-retrying'), (s) => s?.status === 'retrying', { what: 'the first delivery to wait for its retry' });
      await send(1, '/active-1');
      await send(2, '/active-2');
      await pollUntil(async () => receiver.holding.length, (n) => n === 2, { what: 'both worker slots to hold a request' });
      await send(3, '/waiting');
      await pollUntil(() => status('user-waiting'), (s) => s?.enqueued === true, { what: 'the third delivery to be enqueued behind them' });

      await redis.kill();
      await redis.start();
      release[0]!();

      for (const path of paths) {
        await pollUntil(() => status(`user${path.replace('/', '-')}`), (s) => s?.status === 'succeeded', { what: `the delivery to ${path} to succeed`, timeoutMs: 20_000 });
        expect(receiver.hits(path).filter((h) => h.status === 200)).toHaveLength(1);
      }
      // The attempt count lives in Postgres, not only in the job Redis lost: the retry after the restart is attempt 2.
      expect(receiver.hits('/retrying').map((h) => [h.headers['chorus-attempt'], h.status])).toEqual([['1', 503], ['2', 200]]);
      expect((await db.query(`SELECT d.attempts FROM alert_deliveries d JOIN notifier_alerts a USING (alert_id) WHERE a.subject = 'user-retrying'`))[0]).toEqual({ attempts: 2 });
      expect(notifier.fatal).toEqual([]);
    } finally {
      release[0]!();
      await notifier.app.close();
      await alerts.disconnect();
      await receiver.stop();
    }
  });
});
