import { calibratedRerank, categoryDistribution } from '@chorus/calibration';
import type { FeedbackEventV1 } from '@chorus/contracts';
import {
  DiagonalGaussianLogistic,
  ITEM_FEATURE_PREFIX,
  itemFeatures,
  pairwiseObservationOf,
  personalizedLogit,
  ratingLabel,
  updateOnObservation,
  withItemIntercept,
  type FeedbackObservation,
  type ItemVectors,
} from '@chorus/reward';
import type { Population, SimulatedItem, SimulatedUser } from './planted-population';
import { SimulationInputError } from './simulation-input.error';
import { trueCategoryProfile } from './truth.measures';

/** Priors of the offline learner; the defaults are the learner service's (LEARNER_* in libs/platform's ModelPriors). */
export interface LearnerPriors {
  /** τ²: prior variance of a user's deviation (0 = aggregate only, large = near-pure personal). */
  readonly tau2: number;
  /** Prior variance of the aggregate's feature weights. Default 1. */
  readonly priorVariance?: number;
  /** Prior variance of the aggregate's per-item intercepts. Default 1. */
  readonly itemPriorVariance?: number;
  /** Aggregate forgetting ε. Default 0. */
  readonly forgetting?: number;
}

/**
 * The reward models as the learner service keeps them, in memory: one aggregate and a deviation per user, fed event
 * by event with exactly the learner's observation mapping (services/learner apply-feedback: click → y = 1, skip → 0,
 * rating → `ratingLabel`, pairwise → `pairwiseObservationOf`) and `updateOnObservation`, and scored with
 * `personalizedLogit`. The live audit drives the real learner instead; this is what makes seeded offline tests fast.
 */
export class OfflineRewardLearner {
  readonly aggregate: DiagonalGaussianLogistic;
  private readonly users = new Map<string, DiagonalGaussianLogistic>();
  private readonly vectors = new Map<string, ItemVectors>();

  constructor(
    population: Population,
    readonly priors: LearnerPriors,
  ) {
    const { tau2, priorVariance = 1, itemPriorVariance = 1, forgetting = 0 } = priors;
    if (!(tau2 >= 0) || !Number.isFinite(tau2)) throw new SimulationInputError(`tau2 is ${tau2}; it must be a finite number ≥ 0`);
    this.aggregate = new DiagonalGaussianLogistic({
      priorVariance: (feature) => (feature.startsWith(ITEM_FEATURE_PREFIX) ? itemPriorVariance : priorVariance),
      forgetting,
    });
    for (const item of population.items) {
      const phi = itemFeatures({ categories: item.categories, ...(item.stance === undefined ? {} : { stance: item.stance }) });
      this.vectors.set(item.id, { phi, aggregateX: withItemIntercept(phi, item.id) });
    }
  }

  /** Learns one event, as the learner does. */
  learn(event: FeedbackEventV1): void {
    const user = this.userModel(event.userId);
    updateOnObservation(this.aggregate, user, this.observe(event));
  }

  /** The personalized logit r_u(i) = (β + b_u)·φ(i) + c_i (the aggregate logit when τ² = 0). */
  logit(userId: string, itemId: string): number {
    const vectors = this.vectorsOf(itemId);
    return personalizedLogit(this.aggregate, this.users.get(userId), vectors.aggregateX, vectors.phi);
  }

  private userModel(userId: string): DiagonalGaussianLogistic {
    let model = this.users.get(userId);
    if (!model) this.users.set(userId, (model = new DiagonalGaussianLogistic({ priorVariance: this.priors.tau2 })));
    return model;
  }

  private observe(event: FeedbackEventV1): FeedbackObservation {
    if (event.type === 'pairwise') {
      return pairwiseObservationOf(event.chosenId, this.vectorsOf(event.chosenId), event.rejectedId, this.vectorsOf(event.rejectedId), event.tie ?? false);
    }
    const { phi, aggregateX } = this.vectorsOf(event.itemId);
    switch (event.type) {
      case 'click':
        return { aggregateX, userX: phi, y: 1, weight: 1 };
      case 'skip':
        return { aggregateX, userX: phi, y: 0, weight: 1 };
      case 'rating': {
        const { y, weight } = ratingLabel(event.value, event.scale);
        return { aggregateX, userX: phi, y, weight };
      }
    }
  }

  private vectorsOf(itemId: string): ItemVectors {
    const vectors = this.vectors.get(itemId);
    if (!vectors) throw new SimulationInputError(`item "${itemId}" is not in the simulated catalogue`);
    return vectors;
  }
}

/** A serving policy: chooses a list from candidates and learns from the feedback it caused. */
export interface ServingPolicy {
  readonly name: string;
  /** Item ids in rank order, n of them (or all candidates if fewer). */
  serve(user: SimulatedUser, candidates: readonly SimulatedItem[], n: number): string[];
  learn(events: readonly FeedbackEventV1[]): void;
  /** The model's score of an item for a user (for AUC against the truth). */
  score(user: SimulatedUser, item: SimulatedItem): number;
}

/** Builds a policy for a population (each run plants its own population, so each gets its own policy). */
export type PolicyFactory = (population: Population) => ServingPolicy;

/**
 * Accuracy-only serving: the top n candidates by personalized logit (ties by id), learned with τ² as given.
 * τ² = 0 is aggregate-only serving: every user gets the population's ranking.
 */
export function accuracyPolicy(name: string, priors: LearnerPriors): PolicyFactory {
  return (population) => {
    const learner = new OfflineRewardLearner(population, priors);
    return {
      name,
      serve: (user, candidates, n) => topByScore(candidates, (item) => learner.logit(user.id, item.id), n),
      learn: (events) => events.forEach((event) => learner.learn(event)),
      score: (user, item) => learner.logit(user.id, item.id),
    };
  };
}

/** Where the calibrated policy takes the user's interest profile p(g|u) from. */
export type ProfileSource = 'click-through' | 'consumption' | 'planted';

/**
 * Calibrated serving (Steck 2018, as the reranker does it): score candidates with the personalized model (relevance
 * σ(logit)), then `calibratedRerank` (λ default 0.5) toward the user's interest profile p(g|u). Until the user has
 * feedback there is no profile and the accuracy list is served.
 *
 * The profile, `profileSource`:
 * - `click-through` (default): p(g|u) ∝ the user's category click-through rate, Σ clicks·w_i(g) / (Σ (clicks +
 *   skips)·w_i(g) + k), over categories the user has examined, k = {@link CLICK_THROUGH_PSEUDO_VIEWS}. Skips are only recorded for examined items, so this is free
 *   of both position bias and exposure bias: it measures what the user takes when shown, not what she was shown.
 * - `consumption`: `categoryDistribution` of the consumed items, Steck's history profile, close to the reranker
 *   service's (which also counts skips). In a closed loop it inherits the exposure it is meant to correct: a category
 *   the lists under-serve is under-consumed, so the profile and then the lists drift away from it round after round.
 * - `planted`: the user's true profile — an oracle, the upper bound of what calibration can do when the profile is
 *   known exactly (Steck's offline setting); served from the first round.
 */
export function calibratedPolicy(
  name: string,
  priors: LearnerPriors & { readonly lambda?: number; readonly profileSource?: ProfileSource },
): PolicyFactory {
  const lambda = priors.lambda ?? 0.5;
  const profileSource = priors.profileSource ?? 'click-through';
  return (population) => {
    const learner = new OfflineRewardLearner(population, priors);
    const feedback = new Map<string, { clicked: SimulatedItem[]; clickMass: Float64Array; viewMass: Float64Array }>();
    const profileOf = (userId: string): Record<string, number> | undefined => {
      if (profileSource === 'planted') return positive(trueCategoryProfile(population, population.userById.get(userId)!));
      const record = feedback.get(userId);
      if (!record || record.clicked.length === 0) return undefined;
      if (profileSource === 'consumption') return categoryDistribution(record.clicked.map((item) => ({ categories: item.categories })));
      const rates: Record<string, number> = {};
      let total = 0;
      population.categories.forEach((category, g) => {
        const views = record.viewMass[g]!;
        if (!(views > 0)) return;
        rates[category] = record.clickMass[g]! / (views + CLICK_THROUGH_PSEUDO_VIEWS);
        total += rates[category]!;
      });
      for (const category of Object.keys(rates)) rates[category] = rates[category]! / total;
      return rates;
    };
    return {
      name,
      serve: (user, candidates, n) => {
        const take = Math.min(n, candidates.length);
        const profile = profileOf(user.id);
        if (!profile) return topByScore(candidates, (item) => learner.logit(user.id, item.id), take);
        return calibratedRerank({
          candidates: candidates.map((item) => ({ id: item.id, score: sigmoid(learner.logit(user.id, item.id)), categories: item.categories })),
          profile,
          n: take,
          lambda,
        }).items;
      },
      learn: (events) => {
        for (const event of events) {
          learner.learn(event);
          if (event.type !== 'click' && event.type !== 'skip') continue;
          let record = feedback.get(event.userId);
          if (!record) {
            const size = population.categories.length;
            feedback.set(event.userId, (record = { clicked: [], clickMass: new Float64Array(size), viewMass: new Float64Array(size) }));
          }
          const item = population.itemById.get(event.itemId)!;
          for (let g = 0; g < item.weights.length; g++) {
            record.viewMass[g] = record.viewMass[g]! + item.weights[g]!;
            if (event.type === 'click') record.clickMass[g] = record.clickMass[g]! + item.weights[g]!;
          }
          if (event.type === 'click') record.clicked.push(item);
        }
      },
      score: (user, item) => learner.logit(user.id, item.id),
    };
  };
}

/**
 * Pseudo-views with no click added to every category's click-through estimate, clicks / (views + k): a category seen
 * once and clicked once would otherwise read 100% and outweigh a taste measured over hundreds of views.
 */
export const CLICK_THROUGH_PSEUDO_VIEWS = 3;

/** τ² of the pooled policy, fixed: what LEARNER_TAU2 defaulted to before τ² was learned, and where learned τ² starts (the grid prior's mode). */
export const POOLED_TAU2 = 1;
/** τ² standing for "near-pure personal": the prior barely pulls a deviation toward the aggregate. */
export const NEAR_PURE_PERSONAL_TAU2 = 100;

/** The audit's standard policies (issue #12): aggregate only, pooled, near-pure personal, pooled + calibrated. */
export const STANDARD_POLICIES: Readonly<Record<string, PolicyFactory>> = {
  'aggregate-only': accuracyPolicy('aggregate-only', { tau2: 0 }),
  pooled: accuracyPolicy('pooled', { tau2: POOLED_TAU2 }),
  'near-pure-personal': accuracyPolicy('near-pure-personal', { tau2: NEAR_PURE_PERSONAL_TAU2 }),
  'pooled-calibrated': calibratedPolicy('pooled-calibrated', { tau2: POOLED_TAU2 }),
};

function topByScore(candidates: readonly SimulatedItem[], scoreOf: (item: SimulatedItem) => number, n: number): string[] {
  return candidates
    .map((item) => ({ id: item.id, score: scoreOf(item) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, n)
    .map((entry) => entry.id);
}

function positive(profile: Record<string, number>): Record<string, number> {
  for (const category of Object.keys(profile)) if (!(profile[category]! > 0)) delete profile[category];
  return profile;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
