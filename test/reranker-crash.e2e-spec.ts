import { RerankQueue } from '@chorus/platform';
import { RewardModelsRepository } from '@chorus/scoring';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from './support/poll';
import { learnRerankHistories } from './support/rerank-histories';
import { RerankerProcess } from './support/reranker';
import { serviceEnv, TestStack } from './support/test-stack';
import { Redis } from 'ioredis';

/**
 * A reranker process SIGKILLed in the middle of a job: the job is picked up again after restart and completes exactly
 * once — one stored list, one completion event.
 */
describe('reranker crash recovery', () => {
  const stack = new TestStack(3);
  const queuePrefix = `t${stack.id}`;
  let db: DataSource;
  let url: string;
  let worker: RerankerProcess | undefined;
  let queue: RerankQueue;

  beforeAll(async () => {
    await stack.start();
    ({ db, url } = await stack.database());
    // The user's model comes from the real learner, which then stops: the crash concerns the reranker only.
    await learnRerankHistories(stack, url, db, ['erin']);
    queue = RerankQueue.fromConfig(
      { REDIS_URL: 'redis://127.0.0.1:6379', RERANK_QUEUE_PREFIX: queuePrefix, RERANK_JOB_ATTEMPTS: 3, RERANK_BACKOFF_MS: 200, RERANK_KEEP_COMPLETED_SECONDS: 3600, RERANK_KEEP_FAILED_SECONDS: 3600 },
      new RewardModelsRepository(db),
    );
  });

  afterAll(async () => {
    await worker?.kill();
    await queue?.close();
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await stack.stop();
  });

  it('SIGKILLed mid-job and restarted, completes the job exactly once', async () => {
    const env = serviceEnv(stack, url, {
      RERANK_QUEUE_PREFIX: queuePrefix,
      // A short lock so the dead worker's job is reclaimed within seconds, not the default 30 s.
      RERANK_LOCK_DURATION_MS: '2000',
      RERANK_STALLED_INTERVAL_MS: '1000',
    });
    // The first worker pauses 60 s between computing the list and storing it: the kill lands inside that window.
    worker = new RerankerProcess(env);
    await worker.start({ RERANK_JOB_DELAY_MS: '60000' });
    const [job] = await queue.enqueue({ scope: 'user', domain: 'movies', userIds: ['erin'], reason: { kind: 'manual' }, lambda: 0.9, n: 10 });
    const jobId = job!.jobId;

    const midway = await pollUntil(() => queue.status(jobId), (s) => s?.state === 'active' && (s.progress as { stage?: string })?.stage === 'computed', {
      what: 'the job to be computed and not yet stored',
      timeoutMs: 20_000,
    });
    const rows = async () => Number((await db.query(`SELECT count(*)::int AS n FROM calibrated_lists WHERE job_id = $1`, [jobId]))[0].n);
    expect(await rows()).toBe(0);
    await worker.kill('SIGKILL');
    // Mid-job, proven: the job was active and computed, nothing was stored or published, and it still is active.
    expect(await rows()).toBe(0);
    expect(await stack.records('rerankCompleted')).toBe(0);
    expect((await queue.status(jobId))!.state).toBe('active');
    expect(midway!.attemptsMade).toBe(0);

    worker = new RerankerProcess(env);
    await worker.start();
    const done = await pollUntil(() => queue.status(jobId), (s) => s?.state === 'completed' || s?.state === 'failed', { what: 'the job to complete after the restart', timeoutMs: 30_000 });
    expect(done).toMatchObject({ state: 'completed', failedReason: null, result: { outcome: 'stored', userId: 'erin' } });
    // Started twice (the killed run and the one that finished), reclaimed once from the dead worker, failed never.
    expect(done!.attemptsStarted).toBe(2);
    expect((await queue.queue.getJob(jobId))!.stalledCounter).toBe(1);
    expect(await rows()).toBe(1);
    expect(await stack.records('rerankCompleted')).toBe(1);
    const [list] = await db.query(`SELECT items, published_at FROM calibrated_lists WHERE job_id = $1`, [jobId]);
    expect(list.published_at).not.toBeNull();
    // 70/30 history, λ = 0.9: the stored list carries documentaries; the accuracy list would have none.
    expect(list.items.filter((i: { itemId: string }) => i.itemId.startsWith('doc-')).length).toBeGreaterThan(0);
  });
});
