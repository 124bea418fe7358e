import { DEFAULT_BORROWING_GUARD, DEFAULT_DONOR_POOL, type BorrowingGuardOptions, type DonorPoolOptions } from '@chorus/reward';
import { DEFAULT_GRID_PRIOR, DEFAULT_POOLING_GRID, DiagonalGaussianLogistic, ITEM_FEATURE_PREFIX, PersonaMixture, type DiagonalGaussianLogisticOptions } from '@chorus/reward';
import type { PersonaMixtureJSON, PersonaOptions } from '@chorus/reward';
import { combineShardPosteriors, PoolingStrengthGrid, rebaseItemIntercepts, rebasePosterior, type DiagonalGaussianLogisticJSON, type PoolingStrengthGridJSON } from '@chorus/reward';
import { z } from 'zod';
import { env } from '@chorus/platform';

/**
 * The largest prior variance (and τ²) accepted. With features bounded at |x| ≤ 1e6 the score variance Σ x²v stays
 * finite; a value like 1e308 overflows it on the first event, and every event would be dead-lettered. 1e6 is far past
 * "near-pure personal" (the simulator's 100).
 */
export const MAX_PRIOR_VARIANCE = 1e6;

/** A variance that is fixed when set (a number in [min, MAX_PRIOR_VARIANCE]) and learned from the data when unset. */
function fixedOrLearned(min: number, what: string) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value) || value < min || value > MAX_PRIOR_VARIANCE) {
        ctx.addIssue({ code: 'custom', message: `expected a number in [${min}, ${MAX_PRIOR_VARIANCE}], or unset to learn ${what} from the data` });
        return z.NEVER;
      }
      return value;
    });
}

/** The reward-model priors. Learner (training) and gateway (serving) must read the same values. */
export const rewardPriorConfigShape = {
  /**
   * τ²: prior variance of a user's deviation from the aggregate (pooling strength; 0 = pure aggregate), fixed for every
   * domain not in LEARNER_TAU2_BY_DOMAIN. Unset (the default): τ² is learned per domain (LEARNER_TAU2_GRID).
   */
  LEARNER_TAU2: fixedOrLearned(0, 'τ²'),
  /** Per-domain fixed τ², e.g. "news=0.5,code=4"; domains not named use LEARNER_TAU2 (or learn it when that is unset). */
  LEARNER_TAU2_BY_DOMAIN: env.numberMap('', { min: 0, max: MAX_PRIOR_VARIANCE }),
  /**
   * Candidate τ² of the learned pooling strength, ascending (its ends bound the estimate); the prior on them is
   * log-normal with mode 1 (DEFAULT_GRID_PRIOR). Default: factor √2 apart from 1/16 to 64.
   */
  LEARNER_TAU2_GRID: z
    .string()
    .default(DEFAULT_POOLING_GRID.join(','))
    .transform((text, ctx) => {
      const values = text.split(',').map((item) => (item.trim() === '' ? NaN : Number(item)));
      if (values.some((value, k) => !(value > 0) || !(value <= MAX_PRIOR_VARIANCE) || (k > 0 && !(value > values[k - 1]!)))) {
        ctx.addIssue({ code: 'custom', message: `expected ascending comma-separated τ² values in (0, ${MAX_PRIOR_VARIANCE}], e.g. "0.25,0.5,1,2,4,8"` });
        return z.NEVER;
      }
      return values;
    }),
  /** Prior variance of the aggregate's feature weights. */
  LEARNER_PRIOR_VARIANCE: env.number(1, { min: 1e-9, max: MAX_PRIOR_VARIANCE }),
  /**
   * Prior variance σ²_c of the aggregate's per-item intercepts, fixed. Unset (the default): learned per domain from
   * the events as τ² is (on DEFAULT_POOLING_GRID, prior mode 1: the value it used to be fixed at).
   */
  LEARNER_ITEM_PRIOR_VARIANCE: fixedOrLearned(1e-9, 'it'),
  /** Variance added to each touched aggregate weight per update so the population can drift (0 = none). */
  LEARNER_FORGETTING: env.number(0, { min: 0, max: MAX_PRIOR_VARIANCE }),
  /** K: personas per user at most (issue #16; 1 = one deviation per user, exactly as before personas). */
  LEARNER_MAX_PERSONAS: env.int(3, { min: 1, max: 16 }),
  /**
   * Cold-start borrowing (issue #16), off by default: a user with fewer than LEARNER_BORROWING_COLD_EVENTS events may
   * be served a similar user's deviation, only once their own events show it beats the aggregate beyond its
   * uncertainty (BorrowingEvidence). The learner keeps the evidence, the gateway serves by it: set it on both.
   */
  LEARNER_BORROWING: env.bool(false),
  /**
   * Users below this many events are cold (they may borrow); users at or above it may be donors. At least
   * 6: the guard needs 5 of the user's own scored events before it can say yes (the first event has no donor yet).
   */
  LEARNER_BORROWING_COLD_EVENTS: env.int(DEFAULT_DONOR_POOL.minEvents, { min: DEFAULT_BORROWING_GUARD.minEvents + 1, max: 100_000 }),
  /** Donors kept per partition (the similarity search scans them all once per cold user's event). */
  LEARNER_BORROWING_DONORS: env.int(DEFAULT_DONOR_POOL.capacity, { min: 1, max: 1024 }),
};

/** Where learned pooling starts before any evidence: the grid prior's mode (the hand-set default it replaced). */
export const LEARNED_TAU2_START = DEFAULT_GRID_PRIOR.mode;
/** Likewise for σ²_c, the item-intercept prior variance: 1, what it was fixed at before it was learned. */
export const LEARNED_ITEM_VARIANCE_START = DEFAULT_GRID_PRIOR.mode;

/** A domain's item-intercept prior variance σ²_c and where it comes from (as {@link PoolingStrength} for τ²). */
export type ItemPriorVariance =
  | { source: 'fixed'; variance: number }
  | { source: 'learned'; variance: number; shards: number; grid: readonly number[]; logEvidence: number[]; prior: { mode: number; logSd: number } };

/** A domain's pooling strength and where it comes from. */
export type PoolingStrength =
  | { source: 'fixed'; tau2: number }
  | {
      source: 'learned';
      tau2: number;
      /** Shards (partitions) whose evidence it sums. */
      shards: number;
      grid: readonly number[];
      /** Per grid member, the prequential log-likelihood of the events seen (minus the cumulative log-loss). */
      logEvidence: number[];
      prior: { mode: number; logSd: number };
    };

const schema = z.object(rewardPriorConfigShape);
export type RewardPriorConfig = z.output<typeof schema>;
/** What ModelPriors needs: the parsed configuration, τ² and its grid optional (unset: learned, on the default grid). */
type Optional = 'LEARNER_TAU2' | 'LEARNER_TAU2_GRID' | 'LEARNER_ITEM_PRIOR_VARIANCE' | 'LEARNER_BORROWING' | 'LEARNER_BORROWING_COLD_EVENTS' | 'LEARNER_BORROWING_DONORS';
export type ModelPriorsConfig = Omit<RewardPriorConfig, Optional> & Partial<Pick<RewardPriorConfig, Optional>>;

export class ModelPriors {
  /** The aggregate's options under the fixed σ²_c, or where σ²_c is learned under its starting value. */
  readonly aggregate: DiagonalGaussianLogisticOptions;

  constructor(private readonly config: ModelPriorsConfig) {
    this.aggregate = this.aggregateUnder(config.LEARNER_ITEM_PRIOR_VARIANCE ?? LEARNED_ITEM_VARIANCE_START);
  }

  /** The aggregate's options with item intercepts under σ²_c = `itemVariance`. */
  aggregateUnder(itemVariance: number): DiagonalGaussianLogisticOptions {
    const weights = this.config.LEARNER_PRIOR_VARIANCE;
    return { priorVariance: (feature: string) => (feature.startsWith(ITEM_FEATURE_PREFIX) ? itemVariance : weights), forgetting: this.config.LEARNER_FORGETTING };
  }

  /** The configured σ²_c (LEARNER_ITEM_PRIOR_VARIANCE), or undefined: learned from the data. */
  get fixedItemVariance(): number | undefined {
    return this.config.LEARNER_ITEM_PRIOR_VARIANCE;
  }

  /**
   * The item-intercept prior variance of a domain as its shards' evidence gives it: fixed, or the MAP σ²_c of the
   * evidence summed over the shards, as {@link pooling} does for τ².
   */
  itemPriorVariance(shards: readonly (PoolingStrengthGridJSON | null | undefined)[]): ItemPriorVariance {
    const fixed = this.fixedItemVariance;
    if (fixed !== undefined) return { source: 'fixed', variance: fixed };
    const { leader, shards: count, evidence } = summedEvidence(DEFAULT_POOLING_GRID, shards);
    return { source: 'learned', variance: leader, shards: count, grid: evidence.grid, logEvidence: evidence.cumulativeLosses().map((loss) => -loss), prior: DEFAULT_GRID_PRIOR };
  }

  /**
   * Cold-start borrowing as configured: the guard (off unless LEARNER_BORROWING) and the donor pool (donors and cold
   * users are split at LEARNER_BORROWING_COLD_EVENTS). Undefined fields of an older configuration take the defaults.
   */
  get borrowing(): { guard: BorrowingGuardOptions; donors: DonorPoolOptions } {
    return {
      guard: { ...DEFAULT_BORROWING_GUARD, enabled: this.config.LEARNER_BORROWING ?? false },
      donors: {
        ...DEFAULT_DONOR_POOL,
        capacity: this.config.LEARNER_BORROWING_DONORS ?? DEFAULT_DONOR_POOL.capacity,
        minEvents: this.config.LEARNER_BORROWING_COLD_EVENTS ?? DEFAULT_DONOR_POOL.minEvents,
      },
    };
  }

  /** The τ² configured for a domain (LEARNER_TAU2_BY_DOMAIN, then LEARNER_TAU2), or undefined: learned from the data. */
  fixedTau2(domain: string): number | undefined {
    // Own entries only: domains are client-chosen names, and "constructor" must not find Object.prototype's.
    const byDomain = this.config.LEARNER_TAU2_BY_DOMAIN;
    return Object.prototype.hasOwnProperty.call(byDomain, domain) ? byDomain[domain]! : this.config.LEARNER_TAU2;
  }

  /** Candidate τ² of the learned pooling strength (LEARNER_TAU2_GRID). */
  get tau2Grid(): readonly number[] {
    return this.config.LEARNER_TAU2_GRID ?? DEFAULT_POOLING_GRID;
  }

  /**
   * The τ² a domain's new users start from: the fixed one, else the learned pooling prior's mode (what the estimate
   * is before any evidence). Readers that need the τ² a stored deviation was learned under have it on the row.
   */
  tau2(domain: string): number {
    return this.fixedTau2(domain) ?? LEARNED_TAU2_START;
  }

  user(domain: string, tau2 = this.tau2(domain)): DiagonalGaussianLogisticOptions {
    return { priorVariance: tau2 };
  }

  /**
   * A user's stored deviation under the domain's fixed τ² or, where τ² is learned, under the τ² it was learned under
   * (`learnedUnder`, stored with it; rows from before learned pooling were learned under the fixed default, 1).
   * A posterior learned under another τ² than the fixed one is rebased to it when its τ² is known (rebasePosterior);
   * otherwise variances above the new prior are capped at it (the operator asked for less personalization, so the
   * user's uncertainty may not exceed it) instead of failing every read and every replay. At τ² = 0 the deviation is
   * gone: the user is the aggregate.
   */
  restoreUser(domain: string, weights: DiagonalGaussianLogisticJSON, learnedUnder?: number): DiagonalGaussianLogistic {
    const fixed = this.fixedTau2(domain);
    const tau2 = fixed ?? learnedUnder ?? LEARNED_TAU2_START;
    if (tau2 === 0) return new DiagonalGaussianLogistic(this.user(domain, 0));
    if (learnedUnder !== undefined && learnedUnder > 0 && learnedUnder !== tau2) {
      return DiagonalGaussianLogistic.fromJSON(rebasePosterior(weights, learnedUnder, tau2), this.user(domain, tau2));
    }
    let capped: Record<string, readonly [number, number]> | undefined;
    for (const [feature, [mean, variance]] of Object.entries(weights)) {
      if (variance > tau2) (capped ??= { ...weights })[feature] = [mean, tau2];
    }
    return DiagonalGaussianLogistic.fromJSON(capped ?? weights, this.user(domain, tau2));
  }

  /** The persona options of a domain's users under τ²: K personas with the user prior (one when τ² = 0: nothing to share). */
  personas(domain: string, tau2 = this.tau2(domain)): PersonaOptions {
    const deviation = this.user(domain, tau2);
    return { maxPersonas: tau2 === 0 ? 1 : this.config.LEARNER_MAX_PERSONAS, deviation };
  }

  /**
   * A user's stored personas under the τ² {@link restoreUser} gives the row and the current K, each posterior (the
   * shadow's too) restored as restoreUser restores one deviation: rebased when learned under another known τ², else
   * capped. A row without personas (written with K = 1, or before personas) is one persona with its deviation. A row
   * with more personas than K allows (K lowered) keeps its first persona: the shadow and the others are dropped, as a
   * user whose personas were never opened.
   */
  restoreUserPersonas(
    domain: string,
    stored: { weights: DiagonalGaussianLogisticJSON; personas?: PersonaMixtureJSON; eventsSeen: number },
    learnedUnder?: number,
  ): PersonaMixture {
    const tau2 = this.fixedTau2(domain) ?? learnedUnder ?? LEARNED_TAU2_START;
    const options = this.personas(domain, tau2);
    if (tau2 === 0) return new PersonaMixture(options);
    // A posterior that needs neither rebasing nor capping is the stored one, and PersonaMixture.fromJSON checks it under
    // the same prior: building it into a model and back (restoreUser) would only do that work twice per read.
    const asStored = (weights: DiagonalGaussianLogisticJSON) =>
      !(learnedUnder !== undefined && learnedUnder > 0 && learnedUnder !== tau2) && Object.values(weights).every(([, variance]) => !(variance > tau2));
    const restore = (weights: DiagonalGaussianLogisticJSON) => (asStored(weights) ? weights : this.restoreUser(domain, weights, learnedUnder).toJSON());
    const json = stored.personas;
    if (!json || json.personas.length > options.maxPersonas) return PersonaMixture.fromSingleDeviation(restore(stored.weights), stored.eventsSeen, options);
    const restoreAll = (personas: PersonaMixtureJSON['personas']) => personas.map((persona) => ({ ...persona, weights: restore(persona.weights) }));
    return PersonaMixture.fromJSON({ ...json, personas: restoreAll(json.personas), ...(json.shadow ? { shadow: restoreAll(json.shadow) } : {}) }, options);
  }

  /**
   * The pooling strength of a domain as the shards' evidence gives it: fixed, or learned — the MAP τ² of the evidence
   * summed over the shards (prequential log-likelihoods of disjoint users add). Evidence over another grid than the
   * configured one (written before a configuration change) is left out.
   */
  pooling(domain: string, shards: readonly (PoolingStrengthGridJSON | null | undefined)[]): PoolingStrength {
    const fixed = this.fixedTau2(domain);
    if (fixed !== undefined) return { source: 'fixed', tau2: fixed };
    const { leader, shards: shardsWithEvidence, evidence } = summedEvidence(this.tau2Grid, shards);
    return {
      source: 'learned',
      tau2: leader,
      shards: shardsWithEvidence,
      grid: evidence.grid,
      logEvidence: evidence.cumulativeLosses().map((loss) => -loss),
      prior: DEFAULT_GRID_PRIOR,
    };
  }

  /**
   * The domain's aggregate: the Gaussian product of its per-partition shard posteriors, under σ²_c = `itemVariance`
   * (default: the fixed one, or the learned one's start). Where σ²_c is learned each shard's intercepts are under its
   * own partition's value (`shard.itemVariance`, default the same): they are rebased to `itemVariance` first, since
   * the product divides out one prior common to all shards.
   */
  combineAggregate(shards: { state: DiagonalGaussianLogisticJSON; itemVariance?: number }[], itemVariance = this.fixedItemVariance ?? LEARNED_ITEM_VARIANCE_START): DiagonalGaussianLogistic {
    const options = this.aggregateUnder(itemVariance);
    const states = shards.map((shard) =>
      shard.itemVariance === undefined || shard.itemVariance === itemVariance ? shard.state : rebaseItemIntercepts(shard.state, shard.itemVariance, itemVariance),
    );
    return DiagonalGaussianLogistic.fromJSON(combineShardPosteriors(states, options.priorVariance), options);
  }
}

/** Evidence over a grid summed over shards (evidence over another grid left out), its leader and shards with any. */
function summedEvidence(grid: readonly number[], shards: readonly (PoolingStrengthGridJSON | null | undefined)[]) {
  const evidence = new PoolingStrengthGrid(grid, DEFAULT_GRID_PRIOR);
  let count = 0;
  for (const shard of shards) {
    if (!shard) continue;
    const continued = PoolingStrengthGrid.fromJSON(shard, grid, DEFAULT_GRID_PRIOR);
    if (continued.cumulativeLosses().some((loss) => loss > 0)) count++;
    evidence.add(continued.toJSON());
  }
  return { leader: evidence.leader(), shards: count, evidence };
}
