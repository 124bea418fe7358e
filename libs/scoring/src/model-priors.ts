import { DiagonalGaussianLogistic, ITEM_FEATURE_PREFIX, type DiagonalGaussianLogisticOptions } from '@chorus/reward';
import { combineShardPosteriors, type DiagonalGaussianLogisticJSON } from '@chorus/reward';
import { z } from 'zod';
import { env } from '@chorus/platform';

/**
 * The largest prior variance (and τ²) accepted. With features bounded at |x| ≤ 1e6 the score variance Σ x²v stays
 * finite; a value like 1e308 overflows it on the first event, and every event would be dead-lettered. 1e6 is far past
 * "near-pure personal" (the simulator's 100).
 */
export const MAX_PRIOR_VARIANCE = 1e6;

/** The reward-model priors. Learner (training) and gateway (serving) must read the same values. */
export const rewardPriorConfigShape = {
  /** τ²: prior variance of a user's deviation from the aggregate (pooling strength; 0 = pure aggregate). */
  LEARNER_TAU2: env.number(1, { min: 0, max: MAX_PRIOR_VARIANCE }),
  /** Per-domain τ², e.g. "news=0.5,code=4"; domains not named use LEARNER_TAU2. */
  LEARNER_TAU2_BY_DOMAIN: env.numberMap('', { min: 0, max: MAX_PRIOR_VARIANCE }),
  /** Prior variance of the aggregate's feature weights. */
  LEARNER_PRIOR_VARIANCE: env.number(1, { min: 1e-9, max: MAX_PRIOR_VARIANCE }),
  /** Prior variance of the aggregate's per-item intercepts. */
  LEARNER_ITEM_PRIOR_VARIANCE: env.number(1, { min: 1e-9, max: MAX_PRIOR_VARIANCE }),
  /** Variance added to each touched aggregate weight per update so the population can drift (0 = none). */
  LEARNER_FORGETTING: env.number(0, { min: 0, max: MAX_PRIOR_VARIANCE }),
};

const schema = z.object(rewardPriorConfigShape);
export type RewardPriorConfig = z.output<typeof schema>;

export class ModelPriors {
  readonly aggregate: DiagonalGaussianLogisticOptions;

  constructor(private readonly config: RewardPriorConfig) {
    const weights = config.LEARNER_PRIOR_VARIANCE;
    const items = config.LEARNER_ITEM_PRIOR_VARIANCE;
    this.aggregate = {
      priorVariance: (feature: string) => (feature.startsWith(ITEM_FEATURE_PREFIX) ? items : weights),
      forgetting: config.LEARNER_FORGETTING,
    };
  }

  tau2(domain: string): number {
    // Own entries only: domains are client-chosen names, and "constructor" must not find Object.prototype's.
    const byDomain = this.config.LEARNER_TAU2_BY_DOMAIN;
    return Object.prototype.hasOwnProperty.call(byDomain, domain) ? byDomain[domain]! : this.config.LEARNER_TAU2;
  }

  user(domain: string): DiagonalGaussianLogisticOptions {
    return { priorVariance: this.tau2(domain) };
  }

  /**
   * A user's stored deviation under the current τ². A posterior learned under a larger τ² can hold variances above
   * the new prior, which the model refuses; those are capped at the new prior (the operator asked for less
   * personalization, so the user's uncertainty may not exceed it) instead of failing every read and every replay.
   * At τ² = 0 the deviation is gone: the user is the aggregate.
   */
  restoreUser(domain: string, weights: DiagonalGaussianLogisticJSON): DiagonalGaussianLogistic {
    const tau2 = this.tau2(domain);
    if (tau2 === 0) return new DiagonalGaussianLogistic(this.user(domain));
    let capped: Record<string, readonly [number, number]> | undefined;
    for (const [feature, [mean, variance]] of Object.entries(weights)) {
      if (variance > tau2) (capped ??= { ...weights })[feature] = [mean, tau2];
    }
    return DiagonalGaussianLogistic.fromJSON(capped ?? weights, this.user(domain));
  }

  /** The domain's aggregate: the Gaussian product of its per-partition shard posteriors. */
  combineAggregate(shards: DiagonalGaussianLogisticJSON[]): DiagonalGaussianLogistic {
    return DiagonalGaussianLogistic.fromJSON(combineShardPosteriors(shards, this.aggregate.priorVariance), this.aggregate);
  }
}
