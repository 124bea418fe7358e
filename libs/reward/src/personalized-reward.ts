import {
  DiagonalGaussianLogistic,
  PreparedUpdate,
  type DiagonalGaussianLogisticJSON,
} from './diagonal-gaussian-logistic';
import type { FeedbackObservation } from './feedback-observation';
import type { SparseVector } from './sparse-vector';

/**
 * Personalized logit with partial pooling (DESIGN §4):
 *
 *   r_u(i) = (β + b_u)·φ(i) + c_i = aggregate.logit(aggregateX) + user.logit(userX),
 *
 * β and c_i being the aggregate's category weights and item intercepts, b_u ~ N(0, τ²) the user's deviation.
 * A user without a model (no events yet) gets exactly the aggregate logit, and so does a fresh deviation (all means 0).
 */
export function personalizedLogit(
  aggregate: DiagonalGaussianLogistic,
  user: DiagonalGaussianLogistic | undefined,
  aggregateX: SparseVector,
  userX: SparseVector,
): number {
  const aggregateLogit = aggregate.logit(aggregateX);
  return user === undefined ? aggregateLogit : user.logit(userX, aggregateLogit);
}

/** The two scores of an observation computed before either model learned it (prequential predictions). */
export interface PrequentialLogits {
  aggregate: number;
  personalized: number;
}

/**
 * Learns one observation in both models and returns their scores from *before* the update.
 *
 * Order: (1) offset o = aggregate.logit(aggregateX) with the aggregate's posterior mean, (2) the aggregate learns the
 * observation, (3) the user deviation learns it with offset o. The user's offset is taken before the aggregate moves so
 * that both updates are prequential — each model is corrected for the error it would have made on this event with
 * what it knew before it — and so that the user step is the same whether the aggregate update happens here, on another
 * learner instance, or later: users can be sharded by Kafka partition with the aggregate score as a plain input.
 * Taking o after the aggregate update would let the aggregate absorb the event first and hand the user a residual that
 * no other learner could reproduce.
 *
 * All or nothing: both updates are computed before either is written, so an observation either model refuses (invalid
 * input, or a posterior that would not be finite: NonFiniteUpdateError) leaves both exactly as they were.
 *
 * @throws RangeError (NonFiniteUpdateError for a non-finite result) before any state changes.
 */
export function updateOnObservation(
  aggregate: DiagonalGaussianLogistic,
  user: DiagonalGaussianLogistic,
  observation: FeedbackObservation,
): PrequentialLogits {
  const { aggregateX, userX, y, weight } = observation;
  // Each prepared update returns its score from before it learned, so the two logits cost no lookups of their own.
  const offset = aggregate.prepareUpdate(aggregateX, y, weight, 0, aggregatePlan);
  const personalized = user.prepareUpdate(userX, y, weight, offset, userPlan);
  aggregate.commitUpdate(aggregatePlan);
  user.commitUpdate(userPlan);
  return { aggregate: offset, personalized };
}

// Scratch for the two halves of updateOnObservation (synchronous, never re-entered).
const aggregatePlan = new PreparedUpdate();
const userPlan = new PreparedUpdate();

/**
 * Size of a user's deviation in prior standard deviations (DESIGN §5, personal-vs-aggregate divergence):
 *
 *   ‖b_u‖ / τ = sqrt(Σ_f m_f² / τ²),   0 when τ² = 0 (no deviation is possible) or the user is undefined.
 *
 * Under the prior E‖b_u‖²/τ² equals the number of features, so compare users on the same feature set.
 *
 * @throws RangeError when tau2 is negative or not finite.
 */
export function deviationNorm(
  user: DiagonalGaussianLogistic | DiagonalGaussianLogisticJSON | undefined,
  tau2: number,
): number {
  if (!Number.isFinite(tau2) || tau2 < 0) {
    throw new RangeError(`deviationNorm: tau2 is ${tau2}; it must be a finite number ≥ 0`);
  }
  if (tau2 === 0 || user === undefined) return 0;
  let squared: number;
  if (user instanceof DiagonalGaussianLogistic) {
    squared = user.sumOfSquaredMeans();
  } else {
    squared = 0;
    for (const feature of Object.keys(user)) {
      const mean = user[feature]![0];
      if (!Number.isFinite(mean)) throw new RangeError(`deviationNorm: feature "${feature}" has mean ${mean}`);
      squared += mean * mean;
    }
  }
  return Math.sqrt(squared / tau2);
}
