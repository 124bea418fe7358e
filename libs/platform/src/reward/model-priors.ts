import { DiagonalGaussianLogistic, ITEM_FEATURE_PREFIX, PersonaMixture, type DiagonalGaussianLogisticOptions, type PersonaMixtureJSON, type PersonaOptions } from '@chorus/reward';
import { combineShardPosteriors, type DiagonalGaussianLogisticJSON } from '@chorus/reward';
import { z } from 'zod';
import { env } from '../config/load-config';

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
  /** K: personas per user at most (issue #16; 1 = one deviation per user, exactly as before personas). */
  LEARNER_MAX_PERSONAS: env.int(3, { min: 1, max: 16 }),
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

  /** The persona options of a domain's users: K personas with the user prior (one when τ² = 0: nothing to share). */
  personas(domain: string): PersonaOptions {
    const deviation = this.user(domain);
    return { maxPersonas: deviation.priorVariance === 0 ? 1 : this.config.LEARNER_MAX_PERSONAS, deviation };
  }

  /**
   * A user's stored personas under the current τ² and K, each posterior capped as in {@link restoreUser}. A row
   * without personas (written with K = 1, or before personas) is one persona with its deviation. A row with more
   * personas than K allows (K lowered) keeps its first persona: the shadow and the others are dropped, as a user
   * whose personas were never opened.
   */
  restoreUserPersonas(domain: string, stored: { weights: DiagonalGaussianLogisticJSON; personas?: PersonaMixtureJSON; eventsSeen: number }): PersonaMixture {
    const options = this.personas(domain);
    if (options.deviation.priorVariance === 0) return new PersonaMixture(options);
    const cap = (weights: DiagonalGaussianLogisticJSON) => this.restoreUser(domain, weights).toJSON();
    const json = stored.personas;
    if (!json || json.personas.length > options.maxPersonas) return PersonaMixture.fromSingleDeviation(cap(stored.weights), stored.eventsSeen, options);
    const capAll = (personas: PersonaMixtureJSON['personas']) => personas.map((persona) => ({ ...persona, weights: cap(persona.weights) }));
    return PersonaMixture.fromJSON({ ...json, personas: capAll(json.personas), ...(json.shadow ? { shadow: capAll(json.shadow) } : {}) }, options);
  }

  /** The domain's aggregate: the Gaussian product of its per-partition shard posteriors. */
  combineAggregate(shards: DiagonalGaussianLogisticJSON[]): DiagonalGaussianLogistic {
    return DiagonalGaussianLogistic.fromJSON(combineShardPosteriors(shards, this.aggregate.priorVariance), this.aggregate);
  }
}
