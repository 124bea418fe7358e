import { RERANK_JOB, RerankQueue } from '@chorus/platform';
import { decodeUserModelState, encodeUserModelState, RewardModelsRepository } from '@chorus/scoring';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from './support/poll';
import { learnRerankHistories } from './support/rerank-histories';
import { counterValue, RerankerProcess, startReranker } from './support/reranker';
import { serviceEnv, TestStack } from './support/test-stack';

const USERS = Array.from({ length: 300 }, (_, k) => `fan-${String(k).padStart(3, '0')}`);
const BATCH = 50;

/**
 * Batched fan-out on the real Kafka, Postgres and Redis: a segment of 300 users (models learned by the real learner)
 * becomes `rerank-batch` jobs of RERANK_BATCH_SIZE users, each storing one list per user in one statement and
 * completing once; a user whose stored model is corrupt is reported and the rest of the batch is stored; a worker
 * SIGKILLed in the middle of a batch, restarted, stores every user's list exactly once.
 */
describe('batched rerank fan-out', () => {
  const stack = new TestStack(3);
  const prefixes: string[] = [];
  const queues: RerankQueue[] = [];
  let db: DataSource;
  let url: string;
  let worker: RerankerProcess | undefined;

  const queueWith = (prefix: string) => {
    prefixes.push(prefix);
    const queue = RerankQueue.fromConfig(
      { REDIS_URL: 'redis://127.0.0.1:6379', RERANK_QUEUE_PREFIX: prefix, RERANK_JOB_ATTEMPTS: 3, RERANK_BACKOFF_MS: 200, RERANK_KEEP_COMPLETED_SECONDS: 3600, RERANK_KEEP_FAILED_SECONDS: 3600 },
      new RewardModelsRepository(db),
    );
    queues.push(queue);
    return queue;
  };
  const batchJobs = async (queue: RerankQueue) => (await queue.queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'])).filter((job) => job.name === RERANK_JOB.batch);
  /** Lists stored for `users` at λ = `lambda`, and how many distinct users they cover. */
  const listsAt = async (lambda: number, users: readonly string[]) =>
    (await db.query(`SELECT count(*)::int AS lists, count(DISTINCT user_id)::int AS users FROM calibrated_lists WHERE lambda = $1 AND user_id = ANY($2)`, [lambda, users]))[0] as {
      lists: number;
      users: number;
    };

  beforeAll(async () => {
    await stack.start();
    ({ db, url } = await stack.database());
    await learnRerankHistories(stack, url, db, USERS);
  }, 180_000);

  afterAll(async () => {
    await worker?.kill();
    await Promise.allSettled(queues.map((queue) => queue.close()));
    const redis = new Redis('redis://127.0.0.1:6379');
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
    await stack.stop();
  });

  it('a fan-out of 300 users in batches of 50 stores one list per user and completes each batch once; a corrupt user is reported, the rest stored', async () => {
    const queue = queueWith(`t${stack.id}-a`);
    // One user's stored model is one the reward library refuses: scoring that user throws, for that user alone.
    const poisoned = USERS[77]!;
    const [row]: { state: Buffer }[] = await db.query(`SELECT state FROM user_models WHERE user_id = $1`, [poisoned]);
    // A row the codec reads but the reward library refuses (a mean that is not a finite number).
    const corrupt = encodeUserModelState({ ...decodeUserModelState(row!.state), weights: { bias: [Number.NaN, 1] } });
    await db.query(`UPDATE user_models SET state = $2 WHERE user_id = $1`, [poisoned, corrupt]);
    const completionsBefore = await stack.records('rerankCompleted');
    const reranker = await startReranker(serviceEnv(stack, url, { RERANK_QUEUE_PREFIX: `t${stack.id}-a`, RERANK_BATCH_SIZE: String(BATCH) }));
    try {
      const [fanOut] = await queue.enqueue({ scope: 'segment', domain: 'movies', userIds: USERS, segment: 'everyone', reason: { kind: 'manual' }, lambda: 0.6 });
      const done = await pollUntil(() => queue.status(fanOut!.jobId), (s) => s?.state === 'completed' || s?.state === 'failed', { what: 'the fan-out', timeoutMs: 30_000 });
      expect(done!.result).toEqual({ scope: 'segment', domain: 'movies', users: 300, batches: 6 });
      const batches = await pollUntil(() => batchJobs(queue), (jobs) => jobs.length === 6 && jobs.every((job) => job.finishedOn !== undefined), {
        what: 'six finished batches',
        timeoutMs: 120_000,
      });
      // Each batch completed once, with its own 50 users, and only the corrupt user failed.
      expect(batches.map((job) => job.attemptsMade)).toEqual([1, 1, 1, 1, 1, 1]);
      expect(batches.map((job) => job.returnvalue.users)).toEqual([50, 50, 50, 50, 50, 50]);
      expect(batches.flatMap((job) => job.returnvalue.failed)).toEqual([{ userId: poisoned, error: expect.stringContaining('"bias"') }]);
      expect(batches.reduce((sum, job) => sum + job.returnvalue.stored, 0)).toBe(299);
      expect(await listsAt(0.6, USERS)).toEqual({ lists: 299, users: 299 });
      expect(await listsAt(0.6, [poisoned])).toEqual({ lists: 0, users: 0 });
      // One completion event per stored list, published (and marked published) by the batches' sends.
      expect((await stack.records('rerankCompleted')) - completionsBefore).toBe(299);
      expect((await db.query(`SELECT count(*)::int AS n FROM calibrated_lists WHERE lambda = 0.6 AND published_at IS NULL`))[0].n).toBe(0);
    } finally {
      await reranker.app.close();
      await db.query(`UPDATE user_models SET state = $2 WHERE user_id = $1`, [poisoned, encodeUserModelState({ ...decodeUserModelState(corrupt), weights: {} })]);
    }
  }, 240_000);

  it('SIGKILLed in the middle of a batch and restarted, stores every user of the fan-out exactly once', async () => {
    const prefix = `t${stack.id}-b`;
    const queue = queueWith(prefix);
    const users = USERS.slice(0, 100);
    const env = serviceEnv(stack, url, { RERANK_QUEUE_PREFIX: prefix, RERANK_BATCH_SIZE: String(BATCH), RERANK_LOCK_DURATION_MS: '2000', RERANK_STALLED_INTERVAL_MS: '1000', RERANK_CONCURRENCY: '1' });
    const completionsBefore = await stack.records('rerankCompleted');
    // The first worker pauses 60 s between computing a batch's lists and storing them: the kill lands inside.
    worker = new RerankerProcess(env);
    await worker.start({ RERANK_JOB_DELAY_MS: '60000' });
    await queue.enqueue({ scope: 'segment', domain: 'movies', userIds: users, reason: { kind: 'manual' }, lambda: 0.3 });
    const midway = await pollUntil(() => batchJobs(queue), (jobs) => jobs.some((job) => (job.progress as { stage?: string })?.stage === 'computed'), {
      what: 'a batch computed and not yet stored',
      timeoutMs: 60_000,
    });
    await worker.kill('SIGKILL');
    expect(midway.filter((job) => (job.progress as { stage?: string })?.stage === 'computed')).toHaveLength(1);
    expect(await listsAt(0.3, users)).toEqual({ lists: 0, users: 0 });

    worker = new RerankerProcess(env);
    await worker.start();
    const batches = await pollUntil(() => batchJobs(queue), (jobs) => jobs.length === 2 && jobs.every((job) => job.finishedOn !== undefined), {
      what: 'both batches finished after the restart',
      timeoutMs: 90_000,
    });
    expect(batches.map((job) => job.failedReason ?? null)).toEqual([null, null]);
    // The killed batch ran again (reclaimed from the dead worker); every user has exactly one list, and one event.
    expect(batches.map((job) => job.stalledCounter).sort()).toEqual([0, 1]);
    expect(await listsAt(0.3, users)).toEqual({ lists: 100, users: 100 });
    expect((await stack.records('rerankCompleted')) - completionsBefore).toBe(100);
  }, 240_000);

  it('two reranker processes on one queue share a fan-out: both take batches, every user is stored and announced once', async () => {
    // How a fan-out uses more than one core (a process computes on one thread): more reranker processes on the queue.
    const prefix = `t${stack.id}-c`;
    const queue = queueWith(prefix);
    const env = serviceEnv(stack, url, { RERANK_QUEUE_PREFIX: prefix, RERANK_BATCH_SIZE: '20', RERANK_CONCURRENCY: '1' });
    const completionsBefore = await stack.records('rerankCompleted');
    const processes = [new RerankerProcess(env), new RerankerProcess(env)];
    try {
      // One after the other: two Nest services booting at once on a loaded 2-core machine can outlast the health wait.
      for (const process of processes) await process.start();
      const [fanOut] = await queue.enqueue({ scope: 'segment', domain: 'movies', userIds: USERS, reason: { kind: 'manual' }, lambda: 0.45 });
      await pollUntil(() => queue.status(fanOut!.jobId), (s) => s?.state === 'completed', { what: 'the fan-out', timeoutMs: 30_000 });
      const batches = await pollUntil(() => batchJobs(queue), (jobs) => jobs.length === 15 && jobs.every((job) => job.finishedOn !== undefined), {
        what: 'fifteen finished batches',
        timeoutMs: 120_000,
      });
      expect(batches.map((job) => job.failedReason ?? null)).toEqual(Array(15).fill(null));
      expect(batches.reduce((sum, job) => sum + job.returnvalue.stored, 0)).toBe(300);
      expect(await listsAt(0.45, USERS)).toEqual({ lists: 300, users: 300 });
      expect((await stack.records('rerankCompleted')) - completionsBefore).toBe(300);
      // Each process completed some of the batches (a batch takes long enough that an idle worker picks up the next).
      const perProcess = await Promise.all(processes.map(async (process) => counterValue(await process.metrics(), 'reranker_jobs_total', { name: RERANK_JOB.batch })));
      expect(perProcess.every((count) => count > 0), `batches per process: ${perProcess.join(', ')}`).toBe(true);
      expect(perProcess.reduce((sum, count) => sum + count, 0)).toBe(15);
    } finally {
      await Promise.all(processes.map((process) => process.kill()));
    }
  }, 240_000);
});
