import { externalId, userListsQueryV1 } from '@chorus/contracts';
import type { PersonalizedScorer } from '@chorus/scoring';
import type { CalibratedListsPort } from './ports';
import { parseRequest } from './parse-request';

const DEFAULT_LENGTH = 10;

/**
 * A user's two lists side by side for the console (issue #17): the accuracy list as it would be served now, and the
 * newest calibrated list the reranker stored, with its C_KL before and after and the minority-interest share. An
 * operator's look, not a serving: nothing is logged to chorus.exposures.v1 (GET /v1/users/:id/recommendations serves).
 */
export class UserListsUseCase {
  constructor(
    private readonly scorer: Pick<PersonalizedScorer, 'scoreUnseen'>,
    private readonly calibratedLists: CalibratedListsPort,
  ) {}

  async lists(rawUserId: string, rawQuery: unknown) {
    const userId = parseRequest(externalId, rawUserId, 'the user id in the path', 'id');
    const { domain, n: requested } = parseRequest(userListsQueryV1, rawQuery, 'the query');
    const list = await this.calibratedLists.latest(userId, domain);
    // As long as the calibrated list unless asked otherwise, so the two compare item for item.
    const n = requested ?? list?.n ?? DEFAULT_LENGTH;
    const scores = await this.scorer.scoreUnseen(userId, domain, n);
    return {
      userId,
      domain,
      accuracy: { items: scores.ranked.slice(0, n).map((entry) => ({ itemId: entry.item.itemId, score: entry.logit })), candidates: scores.unseen },
      calibrated: list
        ? {
            listId: list.listId,
            jobId: list.jobId,
            createdAt: list.createdAt.toISOString(),
            modelVersion: list.modelVersion,
            lambda: list.lambda,
            n: list.n,
            candidates: list.candidates,
            listSource: list.listSource,
            klBefore: list.klBefore,
            klAfter: list.klAfter,
            relevanceRetained: list.relevanceRetained,
            minorityShare: list.minorityShare,
            items: list.items.map((item) => ({ itemId: item.itemId, score: item.score })),
          }
        : null,
    };
  }
}
