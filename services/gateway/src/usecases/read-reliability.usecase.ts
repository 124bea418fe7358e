import { externalId, userModelQueryV1, userReliabilityV1 } from '@chorus/contracts';
import { PAIR_SEPARATOR, PairCounts, pairKey, ReliabilityModel, UserReliabilityState } from '@chorus/reliability';
import { reliabilityWeighting, type ReliabilityWeightConfig } from '@chorus/scoring';
import { parseRequest } from './parse-request';
import type { ReliabilityPort } from './ports';

/**
 * The read side of label reliability (issue #15): `GET /v1/users/:id/reliability` reports the user's state as the
 * learner committed it (libs/reliability's report), and the model read's effective weight. The agreement is with the
 * majority of every other user of the domain (the pairs' counts summed over the partitions); the learner's weights used
 * the other users of the user's own partition as they stood when each judgment arrived (`prequential`).
 */
export class ReadReliabilityUseCase {
  private readonly model = new ReliabilityModel();

  constructor(
    private readonly store: ReliabilityPort,
    private readonly config: ReliabilityWeightConfig,
  ) {}

  async user(rawUserId: string, rawQuery: unknown) {
    const userId = parseRequest(externalId, rawUserId, 'the user id in the path', 'id');
    const { domain } = parseRequest(userModelQueryV1, rawQuery, 'the query');
    const stored = await this.store.userState(userId, domain);
    const state = stored ? UserReliabilityState.fromJSON(stored) : new UserReliabilityState();
    const pairs = [...state.pairKeys()].map((key) => key.split(PAIR_SEPARATOR) as [string, string]);
    const population = new PairCounts();
    for (const { itemA, itemB, n, a } of await this.store.pairTotals(domain, pairs)) population.set(pairKey(itemA, itemB), n, a);
    return userReliabilityV1.parse({ userId, domain, weighting: reliabilityWeighting(this.config, domain), ...this.model.report(state, population) });
  }

  /** What the user's judgments count for in each model (the model read's `effectiveWeight`). */
  async effectiveWeight(userId: string, domain: string) {
    const [stored, split] = await Promise.all([this.store.userState(userId, domain), this.store.conditionSplit(userId, domain)]);
    const [judgments, , , , , weightSum] = stored?.counts ?? [0, 0, 0, 0, 0, 0];
    const meanWeight = judgments === 0 ? 1 : weightSum / judgments;
    const use = reliabilityWeighting(this.config, domain);
    // Where the user's model is not reliability-weighted, a judgment split under a framing (issue #15) kept the share
    // `generalised` of its weight in it and every other judgment all of it; where it is, each its reliability weight.
    const [splitJudgments, generalised] = split ?? [0, 0];
    const personalized = judgments === 0 ? 1 : use.personalized ? meanWeight : (judgments - splitJudgments + generalised) / judgments;
    const [observations, itemWeightSum] = stored?.items?.counts ?? [0, 0];
    return {
      judgments,
      meanWeight,
      aggregate: use.aggregate ? meanWeight : 1,
      personalized,
      items: { observations, meanWeight: observations === 0 ? 1 : itemWeightSum / observations },
    };
  }
}
