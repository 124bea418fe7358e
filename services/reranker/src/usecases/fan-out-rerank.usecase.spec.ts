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
  readonly calls: { users: { userId: string; eventsSeen: number }[]; aggregate: number }[] = [];
  async enqueueUsers(_template: RerankJobV1, users: readonly { userId: string; eventsSeen: number }[], aggregateEventsSeen: number): Promise<EnqueuedRerankJob[]> {
    this.calls.push({ users: [...users], aggregate: aggregateEventsSeen });
    return users.map((u) => ({ jobId: `user.${u.userId}`, name: 'rerank-user', userId: u.userId }));
  }
}

describe('FanOutRerankUseCase', () => {
  it('expands the named users once each, with their events seen and one aggregate version for all', async () => {
    const models = new InMemoryModels(new Map([['ann', 3], ['bob', 5]]));
    const queue = new InMemoryQueue();
    const result = await new FanOutRerankUseCase(models, queue).execute({ scope: 'segment', domain: 'movies', userIds: ['bob', 'ann', 'bob', 'new'], segment: 'cohort', reason: { kind: 'manual' } });
    expect(result).toEqual({ scope: 'segment', domain: 'movies', users: 3 });
    expect(queue.calls).toEqual([{ users: [{ userId: 'bob', eventsSeen: 5 }, { userId: 'ann', eventsSeen: 3 }, { userId: 'new', eventsSeen: 0 }], aggregate: 77 }]);
  });

  it('pages through a population by user id, a thousand at a time, until a page comes back empty', async () => {
    const users = new Map(Array.from({ length: 1001 }, (_, k) => [`u-${String(k).padStart(4, '0')}`, k] as [string, number]));
    const models = new InMemoryModels(users);
    const queue = new InMemoryQueue();
    const result = await new FanOutRerankUseCase(models, queue).execute({ scope: 'population', domain: 'movies', reason: { kind: 'schedule' } });
    expect(result).toEqual({ scope: 'population', domain: 'movies', users: 1001 });
    expect(queue.calls.map((c) => c.users.length)).toEqual([1000, 1]);
    expect(models.pagesAsked).toEqual(['', 'u-0999', 'u-1000']);
  });
});
