import type { RerankJobV1 } from '@chorus/contracts';
import type { RerankQueue } from '@chorus/platform';
import type { RewardModelsRepository } from '@chorus/scoring';

/** The use case's ports (RewardModelsRepository and RerankQueue in production). */
export type UserModelCounts = Pick<RewardModelsRepository, 'aggregateEventsSeen' | 'userEventsSeen' | 'usersPage'>;
export type UserJobQueue = Pick<RerankQueue, 'enqueueUsers'>;

/** Users read and enqueued per round of a population fan-out (keyset paging keeps memory flat at any size). */
const PAGE = 1000;

/**
 * Expand a segment, a population or a multi-user job into one `rerank-user` job per user, each with the deterministic
 * id of `rerankJobId` (user, domain, model version). Running it again — a retry, or a fan-out killed half-way — adds
 * no duplicate: jobs whose id exists are not added twice.
 */
export class FanOutRerankUseCase {
  constructor(
    private readonly models: UserModelCounts,
    private readonly queue: UserJobQueue,
  ) {}

  async execute(job: RerankJobV1): Promise<{ scope: RerankJobV1['scope']; domain: string; users: number }> {
    // One aggregate version for the whole fan-out: the per-user jobs it creates are one consistent generation.
    const aggregateEventsSeen = await this.models.aggregateEventsSeen(job.domain);
    if (job.userIds !== undefined) {
      const userIds = [...new Set(job.userIds)];
      let users = 0;
      for (let i = 0; i < userIds.length; i += PAGE) {
        const page = userIds.slice(i, i + PAGE);
        const events = await this.models.userEventsSeen(job.domain, page);
        users += (await this.queue.enqueueUsers(job, page.map((userId) => ({ userId, eventsSeen: events.get(userId)! })), aggregateEventsSeen)).length;
      }
      return { scope: job.scope, domain: job.domain, users };
    }
    let users = 0;
    let after = '';
    for (;;) {
      const page = await this.models.usersPage(job.domain, after, PAGE);
      if (page.length === 0) break;
      users += (await this.queue.enqueueUsers(job, page, aggregateEventsSeen)).length;
      after = page[page.length - 1]!.userId;
    }
    return { scope: job.scope, domain: job.domain, users };
  }
}
