import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The ids among `jobIds` of which `queue` holds no record in Redis (no job hash: never added, or lost with Redis'
 * data). One pipelined EXISTS per id, in one round trip per 1000 ids.
 *
 * Reconcilers use it: Postgres records which jobs were enqueued; a job Postgres says should still be in the queue
 * (waiting, delayed, active, or kept after it finished) but Redis does not know was lost by Redis, and is enqueued
 * again. Job ids are deterministic and adding an existing one is a no-op, so a race with a worker is harmless.
 */
export async function jobsUnknownToQueue(queue: Queue, jobIds: readonly string[]): Promise<Set<string>> {
  const unknown = new Set<string>();
  // BullMQ types its connection loosely (Redis or Cluster); a Queue built by Chorus always holds an ioredis Redis.
  const client = (await queue.client) as unknown as Redis;
  for (let i = 0; i < jobIds.length; i += 1000) {
    const slice = jobIds.slice(i, i + 1000);
    const pipeline = client.pipeline();
    for (const id of slice) pipeline.exists(queue.toKey(id));
    const answers = (await pipeline.exec()) ?? [];
    answers.forEach(([error, exists], index) => {
      if (error) throw error;
      if (exists === 0) unknown.add(slice[index]!);
    });
  }
  return unknown;
}
