import type { RerankJobV1 } from '@chorus/contracts';
import type { RerankQueue } from '@chorus/platform';
import type { RewardModelsRepository } from '@chorus/scoring';

/** The use case's ports (RewardModelsRepository and RerankQueue in production). */
export type UserModelCounts = Pick<RewardModelsRepository, 'aggregateEventsSeen' | 'userEventsSeen' | 'usersPage'>;
export type UserJobQueue = Pick<RerankQueue, 'enqueueBatches'>;

/** About this many users are read and enqueued per round of a fan-out (keyset paging keeps memory flat at any size). */
const PAGE = 1000;

/**
 * Expand a segment, a population or a multi-user job into `rerank-batch` jobs of up to `batchSize` users
 * (RERANK_BATCH_SIZE), each user at the model version read here: a batch stores each user's list under the user's own
 * deterministic job id (`rerankJobId`), and a batch's id follows from those. Running the fan-out again — a retry, or
 * a fan-out killed half-way — adds no duplicate batch while the models are unchanged, and a user whose list is stored
 * is not reranked twice.
 */
export class FanOutRerankUseCase {
  /** Users per page: whole batches, so that only a fan-out's last batch can be short. */
  private readonly page: number;

  constructor(
    private readonly models: UserModelCounts,
    private readonly queue: UserJobQueue,
    private readonly batchSize: number,
  ) {
    this.page = batchSize * Math.max(1, Math.round(PAGE / batchSize));
  }

  async execute(job: RerankJobV1): Promise<{ scope: RerankJobV1['scope']; domain: string; users: number; batches: number }> {
    // One aggregate version for the whole fan-out: the batches it creates are one consistent generation.
    const aggregateEventsSeen = await this.models.aggregateEventsSeen(job.domain);
    let users = 0;
    let batches = 0;
    const enqueue = async (page: readonly { userId: string; eventsSeen: number }[]) => {
      batches += (await this.queue.enqueueBatches(job, page, aggregateEventsSeen, this.batchSize)).length;
      users += page.length;
    };
    if (job.userIds !== undefined) {
      const userIds = [...new Set(job.userIds)];
      for (let i = 0; i < userIds.length; i += this.page) {
        const page = userIds.slice(i, i + this.page);
        const events = await this.models.userEventsSeen(job.domain, page);
        await enqueue(page.map((userId) => ({ userId, eventsSeen: events.get(userId)! })));
      }
      return { scope: job.scope, domain: job.domain, users, batches };
    }
    let after = '';
    for (;;) {
      const page = await this.models.usersPage(job.domain, after, this.page);
      if (page.length === 0) break;
      await enqueue(page);
      after = page[page.length - 1]!.userId;
    }
    return { scope: job.scope, domain: job.domain, users, batches };
  }
}
