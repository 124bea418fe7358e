import type { RerankJobV1 } from '@chorus/contracts';
import type { EnqueuedRerankJob } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { FanOutRerankUseCase, type UserJobQueue, type UserModelCounts } from './fan-out-rerank.usecase';

class InMemoryModels implements UserModelCounts {
  readonly pagesAsked: string[] = [];
  constructor(private readonly users: Map<string, number>) {}
  async aggregateEventsSeen(): Promise<number> {
    return 77;
  }
  /** As the repository answers: 0 for a user without a model. */
  async userEventsSeen(_domain: string, userIds: readonly string[]): Promise<Map<string, number>> {
    return new Map(userIds.map((id) => [id, this.users.get(id) ?? 0]));
  }
  async usersPage(_domain: string, afterUserId: string, limit: number): Promise<{ userId: string; eventsSeen: number }[]> {
    this.pagesAsked.push(afterUserId);
    return [...this.users.keys()].sort().filter((id) => id > afterUserId).slice(0, limit).map((userId) => ({ userId, eventsSeen: this.users.get(userId)! }));
  }
}

class InMemoryQueue implements UserJobQueue {
  readonly calls: { users: { userId: string; eventsSeen: number }[]; aggregate: number; batchSize: number }[] = [];
  async enqueueBatches(
    _template: RerankJobV1,
    users: readonly { userId: string; eventsSeen: number }[],
    aggregateEventsSeen: number,
    batchSize: number,
  ): Promise<EnqueuedRerankJob[]> {
    this.calls.push({ users: [...users], aggregate: aggregateEventsSeen, batchSize });
    return Array.from({ length: Math.ceil(users.length / batchSize) }, (_, k) => ({ jobId: `batch.${this.calls.length}.${k}`, name: 'rerank-batch' }));
  }
}

describe('FanOutRerankUseCase', () => {
  it('expands the named users once each, with their events seen and one aggregate version for all', async () => {
    const models = new InMemoryModels(new Map([['ann', 3], ['bob', 5]]));
    const queue = new InMemoryQueue();
    const result = await new FanOutRerankUseCase(models, queue, 2).execute({ scope: 'segment', domain: 'movies', userIds: ['bob', 'ann', 'bob', 'new'], segment: 'cohort', reason: { kind: 'manual' } });
    expect(result).toEqual({ scope: 'segment', domain: 'movies', users: 3, batches: 2 });
    expect(queue.calls).toEqual([{ users: [{ userId: 'bob', eventsSeen: 5 }, { userId: 'ann', eventsSeen: 3 }, { userId: 'new', eventsSeen: 0 }], aggregate: 77, batchSize: 2 }]);
  });

  it('pages through a population by user id, about a thousand at a time in whole batches, until a page comes back empty', async () => {
    const users = new Map(Array.from({ length: 1001 }, (_, k) => [`u-${String(k).padStart(4, '0')}`, k] as [string, number]));
    const models = new InMemoryModels(users);
    const queue = new InMemoryQueue();
    const result = await new FanOutRerankUseCase(models, queue, 300).execute({ scope: 'population', domain: 'movies', reason: { kind: 'schedule' } });
    // Pages of 900 users (three batches of 300): only the fan-out's last batch is short.
    expect(result).toEqual({ scope: 'population', domain: 'movies', users: 1001, batches: 4 });
    expect(queue.calls.map((c) => c.users.length)).toEqual([900, 101]);
    expect(models.pagesAsked).toEqual(['', 'u-0899', 'u-1000']);
  });
});
