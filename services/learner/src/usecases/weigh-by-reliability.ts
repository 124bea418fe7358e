import { itemObservation, pairwiseJudgment, type FeedbackEventV1 } from '@chorus/contracts';
import { ReliabilityModel, UserReliabilityState } from '@chorus/reliability';
import { reliabilityWeighting, type ReliabilityWeightConfig } from '@chorus/scoring';
import type { ShardState, UserState } from './learner-state';

/** The weight an observation enters each model's likelihood with. */
export interface ModelWeights {
  readonly aggregate: number;
  readonly personalized: number;
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
  private readonly weights = { aggregate: 1, personalized: 1 };

  constructor(private readonly config: ReliabilityWeightConfig) {}

  /** `weight` and `y`: the observation's weight and label as the reward model learns them. */
  weigh(user: UserState, shard: ShardState, event: FeedbackEventV1, weight: number, y: number): ModelWeights {
    const weights = this.weights;
    weights.aggregate = weights.personalized = weight;
    const state = (user.reliability ??= new UserReliabilityState());
    const reliability =
      event.type === 'pairwise'
        ? this.model.observe(state, shard.pairs, pairwiseJudgment(event)).weight
        : this.model.observeItem(state, itemObservation(event, y === 1)).weight;
    const use = reliabilityWeighting(this.config, event.domain);
    if (use.aggregate) weights.aggregate = weight * reliability;
    if (use.personalized) weights.personalized = weight * reliability;
    return weights;
  }
}
