import { RERANK_JOB, RERANK_QUEUE, RerankQueue } from '@chorus/platform';
import { RewardModelsRepository } from '@chorus/scoring';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from './support/poll';
import { TestStack } from './support/test-stack';

/**
 * Fan-out requests on the real Redis: drift-watch raises a population (or segment) alert per partition shard, so one
 * drift can ask for the same fan-out several times at once; the equal requests join the one still queued.
 */
describe('rerank fan-out coalescing', () => {
  const stack = new TestStack(1);
  const prefix = `coalesce-${stack.id}`;
  const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  let db: DataSource;
  let queue: RerankQueue;
  const alert = (alertId: string) => ({ kind: 'alert' as const, alertId });
  const waitingFanOuts = async () => (await queue.queue.getJobs(['waiting'])).filter((j) => j.name === RERANK_JOB.fanOut).length;

  beforeAll(async () => {
    ({ db } = await stack.database());
    queue = new RerankQueue(connection, prefix, new RewardModelsRepository(db), { attempts: 1, backoffMs: 100, keepCompletedSeconds: 3600, keepFailedSeconds: 3600 });
  });

  afterAll(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.queue.close();
    await connection.quit();
    await stack.stop();
  });

  it('joins equal population and segment requests to the fan-out still waiting, and keeps different ones apart', async () => {
    const [first] = await queue.enqueue({ scope: 'population', domain: 'movies', reason: alert('a1') });
    const [second] = await queue.enqueue({ scope: 'population', domain: 'movies', reason: alert('a2') });
    expect(second!.jobId).toBe(first!.jobId);

    const others = [
      await queue.enqueue({ scope: 'population', domain: 'news', reason: alert('a3') }),
      await queue.enqueue({ scope: 'population', domain: 'movies', lambda: 0.9, reason: alert('a4') }),
      await queue.enqueue({ scope: 'population', domain: 'movies', n: 5, reason: alert('a5') }),
      await queue.enqueue({ scope: 'segment', domain: 'movies', userIds: ['u1', 'u2', 'u3'], segment: 'cohort', reason: alert('a6') }),
    ].map(([job]) => job!.jobId);
    expect(new Set([first!.jobId, ...others]).size).toBe(5);

    // The same members in another order, repeated, under another name: the same cohort. Other members: another.
    const [sameMembers] = await queue.enqueue({ scope: 'segment', domain: 'movies', userIds: ['u3', 'u1', 'u2', 'u1'], segment: 'renamed', reason: alert('a7') });
    const [otherMembers] = await queue.enqueue({ scope: 'segment', domain: 'movies', userIds: ['u1', 'u2'], segment: 'cohort', reason: alert('a8') });
    expect(sameMembers!.jobId).toBe(others[3]);
    expect(otherMembers!.jobId).not.toBe(others[3]);
    expect(await waitingFanOuts()).toBe(6);
  });

  it('queues a new fan-out once the earlier one has run', async () => {
    const [queued] = await queue.enqueue({ scope: 'population', domain: 'movies', reason: alert('b1') });
    const ran: string[] = [];
    const worker = new Worker(RERANK_QUEUE, async (job) => void ran.push(job.id!), { connection: connection.duplicate(), prefix });
    try {
      await pollUntil(async () => ran.length, (n) => n >= 6, { what: 'the six waiting fan-outs to run' });
    } finally {
      await worker.close();
    }
    expect(ran).toContain(queued!.jobId);
    const [next] = await queue.enqueue({ scope: 'population', domain: 'movies', reason: alert('b2') });
    expect(next!.jobId).not.toBe(queued!.jobId);
    expect(await waitingFanOuts()).toBe(1);
  });
});
