import { randomUUID } from 'node:crypto';
import { aggregateModelV1, aggregateQueryV1, externalId, exposureV1, modelVersion, recommendationsQueryV1, userModelQueryV1, type ExposureV1 } from '@chorus/contracts';
import { personaMassShares, type PersonalizedScorer } from '@chorus/scoring';
import { emitEvent } from '@chorus/platform';
import { deviationNorm, ITEM_FEATURE_PREFIX, personaLabel, type DiagonalGaussianLogistic } from '@chorus/reward';
import type { StoredCalibratedList } from '../persistence/calibrated-lists.repository';
import { parseRequest } from './parse-request';
import type { CalibratedListsPort, EventProducer } from './ports';
import type { ReadReliabilityUseCase } from './read-reliability.usecase';

/** Which list `GET /v1/users/:id/recommendations` serves (SERVING_POLICY). */
export interface ServingPolicy {
  /** `calibrated`: the latest calibrated list while fresh, else the accuracy list. `accuracy`: always the latter. */
  policy: 'calibrated' | 'accuracy';
  /** A calibrated list is fresh while younger than this, or while the user's model version is the one it was made from. */
  maxAgeMs: number;
}

/**
 * The read side: the aggregate (shards combined), a user's personalized model, and recommendations served from them
 * (the scoring itself is the shared `PersonalizedScorer`, the same the reranker uses). Every served list is logged to
 * chorus.exposures.v1 under the policy that produced it: `calibrated`, `accuracy`, or `aggregate` (a user without
 * events).
 */
export class ReadModelsUseCase {
  constructor(
    private readonly scorer: PersonalizedScorer,
    private readonly calibratedLists: CalibratedListsPort,
    private readonly producer: EventProducer,
    private readonly serving: ServingPolicy,
    private readonly reliability: Pick<ReadReliabilityUseCase, 'effectiveWeight'>,
  ) {}

  invalidateCatalogue(domains: Set<string>): void {
    this.scorer.invalidateCatalogue(domains);
  }

  async aggregate(rawQuery: unknown) {
    const { domain, includeItems } = parseRequest(aggregateQueryV1, rawQuery, 'the query');
    const { model, eventsSeen, shards, pooling, itemPriorVariance } = await this.scorer.aggregate(domain);
    // Checked against the contract on the way out: a shard's evidence is the learner's JSON, read back from Postgres.
    return aggregateModelV1.parse({ domain, eventsSeen, shards, pooling, itemPriorVariance, weights: describe(model, (f) => includeItems || !f.startsWith(ITEM_FEATURE_PREFIX)) });
  }

  async userModel(rawUserId: string, rawQuery: unknown) {
    const userId = parseRequest(externalId, rawUserId, 'the user id in the path', 'id');
    const { domain } = parseRequest(userModelQueryV1, rawQuery, 'the query');
    const [aggregate, stored, effectiveWeight] = await Promise.all([
      this.scorer.aggregate(domain),
      this.scorer.models.user(userId, domain),
      this.reliability.effectiveWeight(userId, domain),
    ]);
    // The τ² this user's deviation is expressed under: the fixed one, or the learned one it was last updated under.
    const tau2 = this.scorer.priors.fixedTau2(domain) ?? stored?.tau2 ?? this.scorer.priors.tau2(domain);
    const deviation = this.scorer.deviation(stored, domain);
    const aggregateFeatures = Object.keys(describe(aggregate.model, (f) => !f.startsWith(ITEM_FEATURE_PREFIX)));
    // Aggregate mean plus the deviation's, over the aggregate's features and the deviation's own.
    const personalize = (model: DiagonalGaussianLogistic | undefined, ownFeatures: Iterable<string>): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const feature of new Set([...aggregateFeatures, ...ownFeatures])) out[feature] = aggregate.model.mean(feature) + (model?.mean(feature) ?? 0);
      return out;
    };
    // The first persona is `deviation` (the row's weights); a row without personas is that one persona.
    const mixture = this.scorer.personas(stored, domain);
    const shares = mixture && personaMassShares(mixture);
    const personas = (mixture?.personas ?? []).map((persona, _k, all) => ({
      id: persona.id,
      label: personaLabel(persona.model),
      mass: persona.mass,
      share: shares?.[String(persona.id)] ?? 1 / all.length, // no mass yet (τ² = 0, or nothing learned): equal shares
      deviation: describe(persona.model, () => true),
      personalized: personalize(persona.model, Object.keys(persona.model.toJSON())),
    }));
    return {
      userId,
      domain,
      eventsSeen: stored?.eventsSeen ?? 0,
      updatedAt: stored?.updatedAt ?? null,
      tau2,
      // A user without events is served the aggregate exactly: zero deviation, aggregate uncertainty.
      deviation: deviation ? describe(deviation, () => true) : {},
      personalized: personalize(deviation, Object.keys(stored?.weights ?? {})),
      divergence: { deviationNormInPriorSd: deviationNorm(stored?.weights, tau2) },
      personas,
      personaDecisions: [...(mixture?.decisions ?? [])],
      effectiveWeight,
    };
  }

  async recommend(rawUserId: string, rawQuery: unknown) {
    const userId = parseRequest(externalId, rawUserId, 'the user id in the path', 'id');
    const { domain, n, framingId } = parseRequest(recommendationsQueryV1, rawQuery, 'the query');
    // A calibrated list is reranked from the condition-free scores: a request stating a framing is ranked under it here.
    if (this.serving.policy === 'calibrated' && framingId === undefined) {
      const calibrated = await this.freshCalibratedList(userId, domain, n);
      if (calibrated) {
        const exposure = await this.expose(userId, domain, 'calibrated', calibrated.items);
        const list = calibrated.list;
        return {
          ...exposure,
          candidates: list.candidates,
          calibration: {
            listId: list.listId,
            jobId: list.jobId,
            createdAt: list.createdAt.toISOString(),
            modelVersion: list.modelVersion,
            lambda: list.lambda,
            klBefore: list.klBefore,
            klAfter: list.klAfter,
            relevanceRetained: list.relevanceRetained,
          },
        };
      }
    }
    const scores = await this.scorer.scoreUnseen(userId, domain, n, framingId);
    const top = scores.ranked.slice(0, n).map((entry) => ({ itemId: entry.item.itemId, score: entry.logit, ...(entry.persona ? { persona: entry.persona } : {}) }));
    const policy = scores.borrowed ? 'borrowed' : scores.stored ? 'accuracy' : 'aggregate';
    // Borrowed: that a similar user's deviation ranked the list and the evidence it was allowed on — not whose it was.
    const borrowed = scores.borrowed ? { borrowed: { from: 'similar-user' as const, ...scores.borrowed } } : {};
    if (top.length === 0) {
      // Nothing left to recommend (empty catalogue, or the user has seen it all): nothing is served, nothing is logged.
      return { listId: null, userId, domain, policy, servedAt: new Date().toISOString(), items: [], candidates: 0, ...borrowed };
    }
    return { ...(await this.expose(userId, domain, policy, top)), candidates: scores.unseen, ...borrowed };
  }

  /**
   * The newest calibrated list of the user, without items consumed since it was made, if it is fresh and still holds
   * n items. Fresh: younger than the configured age, or made from the user's current model version (nothing was
   * learned since, so a rerank now would score the same candidates the same way; rerank jobs are deduplicated per
   * model version, so such a user is not reranked again until the model moves).
   */
  private async freshCalibratedList(userId: string, domain: string, n: number): Promise<{ list: StoredCalibratedList; items: { itemId: string; score: number }[] } | undefined> {
    const list = await this.calibratedLists.latest(userId, domain);
    if (!list || list.items.length < n) return undefined;
    if (Date.now() - list.createdAt.getTime() > this.serving.maxAgeMs) {
      const [stored, aggregate] = await Promise.all([this.scorer.models.user(userId, domain), this.scorer.aggregate(domain)]);
      if (modelVersion(stored?.eventsSeen ?? 0, aggregate.eventsSeen) !== list.modelVersion) return undefined;
    }
    const seen = await this.scorer.models.interactedItems(userId, domain);
    const items = list.items.filter((item) => !seen.has(item.itemId)).slice(0, n);
    return items.length === n ? { list, items } : undefined;
  }

  private async expose(userId: string, domain: string, policy: string, items: { itemId: string; score: number; persona?: { id: number; label: string } }[]): Promise<ExposureV1> {
    const exposure: ExposureV1 = exposureV1.parse({
      listId: randomUUID(),
      userId,
      domain,
      policy,
      servedAt: new Date().toISOString(),
      items: items.map((entry, rank) => ({ itemId: entry.itemId, rank, score: entry.score, ...(entry.persona ? { persona: entry.persona } : {}) })),
    });
    await emitEvent(this.producer, 'exposures', [{ key: userId, value: JSON.stringify(exposure) }]);
    return exposure;
  }
}

function describe(model: DiagonalGaussianLogistic, keep: (feature: string) => boolean): Record<string, { mean: number; sd: number }> {
  const out: Record<string, { mean: number; sd: number }> = {};
  for (const [feature, [mean, variance]] of Object.entries(model.toJSON())) {
    if (keep(feature)) out[feature] = { mean, sd: Math.sqrt(variance) };
  }
  return out;
}
