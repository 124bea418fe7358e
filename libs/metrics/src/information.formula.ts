import { MetricInputError } from './metric-input.error';
import { requireFinite } from './metric-input.guard';

/**
 * Shannon entropy in nats, H(p) = −Σ_g p_g ln p_g, with the convention 0·ln 0 = 0 (the limit), so categories with no
 * mass contribute nothing. `p` is assumed to be a distribution; callers validate.
 */
export function shannonEntropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let g = 0; g < p.length; g++) {
    const pg = p[g] as number;
    if (pg > 0) h -= pg * Math.log(pg);
  }
  return h;
}

/**
 * Normalised entropy H(p) / ln G ∈ [0, 1]: 1 when mass is spread evenly over G categories, 0 when it sits in one.
 * When G ≤ 1 there is no diversity to measure and the result is 0 (a single category is maximally narrow).
 * The result is clamped to [0, 1] because rounding can push H a few ulps above ln G for a uniform p.
 */
export function normalizedEntropy(p: ArrayLike<number>, categoryCount: number): number {
  if (categoryCount <= 1) return 0;
  return Math.min(1, Math.max(0, shannonEntropy(p) / Math.log(categoryCount)));
}

/**
 * Kullback–Leibler divergence KL(p‖q) = Σ_g p_g ln(p_g / q_g) in nats. Terms with p_g = 0 are 0; a category with
 * p_g > 0 and q_g = 0 makes it +Infinity, which is the honest answer — callers that need a finite value smooth q
 * first (as Steck's C_KL does).
 */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) {
    throw new MetricInputError(
      'METRICS.OUT_OF_RANGE',
      `KL divergence needs two vectors over the same categories, got lengths ${p.length} and ${q.length}`,
    );
  }
  let kl = 0;
  for (let g = 0; g < p.length; g++) {
    const pg = p[g] as number;
    if (pg > 0) kl += pg * Math.log(pg / (q[g] as number));
  }
  // Rounding can leave −1e-17 for p ≈ q; KL is non-negative by Gibbs' inequality.
  return Math.max(0, kl);
}

/**
 * Softmax σ(s)_g = exp(s_g − m) / Σ_h exp(s_h − m) with m = max_h s_h (the log-sum-exp shift), so scores in the
 * thousands neither overflow nor underflow to 0/0. Throws a `RangeError` on NaN or infinite scores.
 */
export function softmax(scores: ArrayLike<number>): Float64Array {
  if (scores.length === 0) {
    throw new MetricInputError('METRICS.OUT_OF_RANGE', 'softmax needs at least one score, got an empty vector');
  }
  let max = -Infinity;
  for (let g = 0; g < scores.length; g++) {
    max = Math.max(max, requireFinite(scores[g] as number, `scores[${g}]`));
  }
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let g = 0; g < scores.length; g++) {
    const e = Math.exp((scores[g] as number) - max);
    out[g] = e;
    sum += e;
  }
  for (let g = 0; g < out.length; g++) out[g] = (out[g] as number) / sum;
  return out;
}
