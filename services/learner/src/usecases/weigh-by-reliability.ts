import { itemObservation, pairwiseJudgment, type FeedbackEventV1 } from '@chorus/contracts';
import { conditionShares, DEFAULT_RELIABILITY_OPTIONS, ReliabilityModel, UserReliabilityState } from '@chorus/reliability';
import { conditionDeviations, reliabilityWeighting, type ReliabilityWeightConfig } from '@chorus/scoring';
import type { ShardState, UserState } from './learner-state';

/** The weight an observation enters each model's likelihood with. */
export interface ModelWeights {
  readonly aggregate: number;
  /** The user's condition-free deviation's. */
  readonly personalized: number;
  /**
   * The framing the observation is split under (undefined: not split), the weight its deviation learns it with (0:
   * none), and the share of the observation's weight the condition-free model kept.
   */
  readonly condition: string | undefined;
  readonly withinCondition: number;
  readonly generalised: number;
  /** κ² of a deviation the condition starts (LEARNER_CONDITION_PRIOR_VARIANCE). */
  readonly conditionPriorVariance: number;
}

/**
 * The apply loop's reliability step (issue #15): a pairwise judgment joins its user's reliability state (in the user's
 * row) and its partition's pair counts (in the shard), and its weight in each model is the observation's weight times
 * the reliability weight ReliabilityModel.observe gives it, where the domain's configuration says that model uses it.
 * The offline experiment (scripts/judgment-replay.ts) calls the same observe on the same state, partitioned the same way.
 *
 * A rating, click or skip joins the user's item signal of its item (ReliabilityModel.observeItem, on the side of the
 * label threshold the reward model learns: `y`), in the same state and under the same configuration. Its first
 * observation of an item weighs 1 (the weight it had before item signals), repeats as their class says. An event the
 * reward model then refuses (a non-finite update) still counts here: the user made it; the refusal is about the items'
 * features. Either way the state is a function of the partition's log, so a replay after a crash reaches the same state.
 */
export class WeighByReliability {
  private readonly model = new ReliabilityModel();
  /** Reused: the hot loop allocates nothing per event beyond the decoded event (read before the next call). */
  private readonly weights: { -readonly [K in keyof ModelWeights]: ModelWeights[K] } = { aggregate: 1, personalized: 1, condition: undefined, withinCondition: 0, generalised: 1, conditionPriorVariance: 1 };

  constructor(private readonly config: ReliabilityWeightConfig) {}

  /** `weight` and `y`: the observation's weight and label as the reward model learns them. */
  weigh(user: UserState, shard: ShardState, event: FeedbackEventV1, weight: number, y: number): ModelWeights {
    const weights = this.weights;
    weights.aggregate = weights.personalized = weight;
    weights.condition = undefined;
    weights.withinCondition = 0;
    const state = (user.reliability ??= new UserReliabilityState());
    const judged = event.type === 'pairwise' ? this.model.observe(state, shard.pairs, pairwiseJudgment(event)) : this.model.observeItem(state, itemObservation(event, y === 1));
    const use = reliabilityWeighting(this.config, event.domain);
    if (use.aggregate) weights.aggregate = weight * judged.weight;
    if (use.personalized) weights.personalized = weight * judged.weight;
    // Issue #15: what a pairwise judgment under a stated framing has of a constructed preference is learned in that
    // framing's deviation, not generalised. Item signals are not split: their first observation keeps the weight it had
    // before reliability (see libs/reliability's README), which a prior P(constructed) would change.
    const framingId = event.context?.framingId;
    if (event.type === 'pairwise' && framingId !== undefined) {
      const conditions = conditionDeviations(this.config, event.domain);
      if (conditions.personalized) {
        const shares = conditionShares(judged.posterior, judged.label, 'posterior', DEFAULT_RELIABILITY_OPTIONS.constructedWeight);
        // Reliability weighting already gives the constructed share its class weight; otherwise the split does.
        weights.generalised = use.personalized ? judged.weight : shares.generalised;
        weights.personalized = weight * weights.generalised;
        weights.condition = framingId;
        weights.withinCondition = weight * shares.withinCondition;
        weights.conditionPriorVariance = conditions.priorVariance;
      }
    }
    return weights;
  }
}
