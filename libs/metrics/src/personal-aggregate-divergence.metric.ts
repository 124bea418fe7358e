import { MetricInputError } from './metric-input.error';
import { requireFinite } from './metric-input.guard';

/**
 * How far a user's deviation b_u has moved from the pooling prior N(0, τ²I), in prior standard deviations:
 *
 *   d_u = ‖b_u / τ‖ = sqrt( Σ_k b_{u,k}² / τ_k² ).
 *
 * `tau` is the prior standard deviation (not the variance τ²): one number for every coordinate, or one per coordinate.
 * Reading the value: under the prior itself Σ b²/τ² is χ²-distributed with D degrees of freedom, so a user whose
 * evidence has not moved them sits near sqrt(D) (about 3.2 for D = 10), and the posterior mean usually sits well
 * below it because shrinkage pulls b_u toward 0. Compare against that scale, not against 0. O(D).
 */
export function deviationInPriorSd(deviation: ArrayLike<number>, tau: number | ArrayLike<number>): number {
  if (typeof tau !== 'number' && tau.length !== deviation.length) {
    throw new MetricInputError(
      'METRICS.OUT_OF_RANGE',
      `tau needs one standard deviation per coordinate: ${deviation.length} coordinates, ${tau.length} values`,
    );
  }
  let sum = 0;
  for (let k = 0; k < deviation.length; k++) {
    const b = requireFinite(deviation[k] as number, `deviation[${k}]`);
    const t = requireFinite(typeof tau === 'number' ? tau : (tau[k] as number), `tau[${k}]`);
    if (!(t > 0)) {
      throw new MetricInputError(
        'METRICS.OUT_OF_RANGE',
        `tau[${k}] must be > 0 (a prior standard deviation), got ${t}; τ = 0 means no personal model to measure`,
      );
    }
    const z = b / t;
    sum += z * z;
  }
  return Math.sqrt(sum);
}

/**
 * KL divergence between the personal and the aggregate predictive category mixes:
 *
 *   D_u = KL( softmax(s^pers) ‖ softmax(s^agg) ),   s^agg_g = β_g,   s^pers_g = β_g + b_{u,g},
 *
 * where s_g is the model's score (logit) for a pure category-g item. The intercepts (the user bias, an item bias)
 * shift every category's score alike and cancel in the softmax, so pass the category weights only.
 *
 * Softmax, not the normalised positive mass: logistic weights are routinely negative, and clipping them to 0 gives a
 * mix with zero mass where the other has some — an infinite KL from a finite difference in scores. The softmax is the
 * model's own reading of scores as log-odds, is defined for every score vector, and is invariant to the shared shift.
 * Direction personal‖aggregate: "how surprising is what this user is served, to the population model". O(G).
 */
export function predictiveMixDivergence(
  personalScores: ArrayLike<number>,
  aggregateScores: ArrayLike<number>,
): number {
  if (personalScores.length !== aggregateScores.length) {
    throw new MetricInputError(
      'METRICS.OUT_OF_RANGE',
      `personal and aggregate scores must cover the same categories: lengths ${personalScores.length} and ${aggregateScores.length}`,
    );
  }
  // Log space: ln q_g = s_g − logsumexp(s) stays finite where exp would underflow to 0 and turn the KL into ∞.
  const logP = logSoftmax(personalScores, 'personalScores');
  const logQ = logSoftmax(aggregateScores, 'aggregateScores');
  let kl = 0;
  for (let g = 0; g < logP.length; g++) {
    const p = Math.exp(logP[g] as number);
    if (p > 0) kl += p * ((logP[g] as number) - (logQ[g] as number));
  }
  return Math.max(0, kl); // Gibbs: KL ≥ 0; rounding can leave −1e-17 when the mixes agree.
}

/** ln softmax(s)_g = s_g − m − ln Σ_h exp(s_h − m), m = max s (log-sum-exp). */
function logSoftmax(scores: ArrayLike<number>, name: string): Float64Array {
  if (scores.length === 0) {
    throw new MetricInputError('METRICS.OUT_OF_RANGE', `${name} must hold at least one category score`);
  }
  let max = -Infinity;
  for (let g = 0; g < scores.length; g++) max = Math.max(max, requireFinite(scores[g] as number, `${name}[${g}]`));
  let sum = 0;
  for (let g = 0; g < scores.length; g++) sum += Math.exp((scores[g] as number) - max);
  const logZ = max + Math.log(sum);
  const out = new Float64Array(scores.length);
  for (let g = 0; g < scores.length; g++) out[g] = (scores[g] as number) - logZ;
  return out;
}
