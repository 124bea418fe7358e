import { klDivergence } from './information.formula';
import { MetricInputError } from './metric-input.error';
import { requireDistribution, requireFinite, requireInRange, requireWeights } from './metric-input.guard';

/** Steck's smoothing weight: small enough to leave q almost untouched, large enough to keep C_KL finite. */
export const STECK_ALPHA = 0.01;

/**
 * Steck's miscalibration of a served mix q against the user's interest profile p (Steck 2018, eq. 4–5):
 *
 *   C_KL(p, q) = KL(p ‖ q̃) = Σ_g p(g|u) ln( p(g|u) / q̃(g|u) ),   q̃ = (1 − α) q + α p,   natural log.
 *
 * 0 when the list mirrors the profile; at most ln(1/α) ≈ 4.605 (α = 0.01), reached when the list carries none of the
 * user's categories (then q̃ = α p). The smoothing by p (not by a uniform) is Steck's: it keeps the value finite
 * exactly where p > 0 and q = 0 — the "crowded-out minority interest" this metric exists to catch.
 *
 * Cost O(G). Both inputs must be distributions over the same G categories (Σ = 1 ± 1e-6).
 *
 * @example
 * // the 70 % drama / 30 % documentary user served only drama
 * steckMiscalibration([0.7, 0.3], [1, 0]); // ≈ 1.1340 (0.7·ln(0.7/0.997) + 0.3·ln(0.3/0.003))
 */
export function steckMiscalibration(
  interestProfile: ArrayLike<number>,
  servedMix: ArrayLike<number>,
  alpha: number = STECK_ALPHA,
): number {
  const g = interestProfile.length;
  requireDistribution(interestProfile, 'interestProfile', g);
  requireDistribution(servedMix, 'servedMix', g);
  requireInRange(alpha, 'alpha', 0, 1);
  if (alpha === 0) {
    // α = 0 is allowed (plain KL) but then a missing category is +Infinity; say so rather than hide it.
    return klDivergence(interestProfile, servedMix);
  }
  // KL(p ‖ q̃) with q̃_k formed in place (the same doubles klDivergence would read from an array): drift-watch computes
  // this on every served list, so it allocates nothing.
  let kl = 0;
  for (let k = 0; k < g; k++) {
    const pk = interestProfile[k] as number;
    if (pk > 0) kl += pk * Math.log(pk / ((1 - alpha) * (servedMix[k] as number) + alpha * pk));
  }
  // Rounding can leave −1e-17 for p ≈ q̃; KL is non-negative by Gibbs' inequality.
  return Math.max(0, kl);
}

/**
 * The category mix of a served list (Steck 2018, eq. 3): q(g|u) = Σ_i w_{r(i)} p(g|i) / Σ_i w_{r(i)}, the mean of the
 * items' category distributions, optionally weighted by rank (e.g. a position-discount). Without `rankWeights` every
 * item weighs 1. Each item's weights are normalised to unit mass first, so an item is one item whatever its weights
 * sum to. Cost O(N·G) for a list of N items — O(G) per served item.
 */
export function servedCategoryMix(
  itemMixes: readonly ArrayLike<number>[],
  rankWeights?: ArrayLike<number>,
  /** Where to write q (length G, overwritten), so a caller serving many lists reuses one buffer. Default: a new array. */
  out?: Float64Array,
): Float64Array {
  if (itemMixes.length === 0) {
    throw new MetricInputError(
      'METRICS.OUT_OF_RANGE',
      'a served list needs at least one item to have a category mix; skip empty lists',
    );
  }
  if (rankWeights !== undefined && rankWeights.length !== itemMixes.length) {
    throw new MetricInputError(
      'METRICS.OUT_OF_RANGE',
      `rankWeights needs one weight per item: ${itemMixes.length} items, ${rankWeights.length} weights`,
    );
  }
  const g = (itemMixes[0] as ArrayLike<number>).length;
  if (out !== undefined && out.length !== g) {
    throw new MetricInputError('METRICS.OUT_OF_RANGE', `out must have ${g} entries (one per category), got ${out.length}`);
  }
  const q = out ?? new Float64Array(g);
  q.fill(0);
  let totalWeight = 0;
  for (let i = 0; i < itemMixes.length; i++) {
    const mix = itemMixes[i] as ArrayLike<number>;
    const sum = requireWeights(mix, 'itemMixes', g, i);
    const w = rankWeights === undefined ? 1 : (rankWeights[i] as number);
    if (!Number.isFinite(w)) requireFinite(w, `rankWeights[${i}]`);
    if (w < 0) {
      throw new MetricInputError('METRICS.OUT_OF_RANGE', `rankWeights[${i}] must be ≥ 0, got ${w}`);
    }
    for (let k = 0; k < g; k++) q[k] = (q[k] as number) + (w * (mix[k] as number)) / sum;
    totalWeight += w;
  }
  if (!(totalWeight > 0)) {
    throw new MetricInputError('METRICS.OUT_OF_RANGE', 'rankWeights must not all be zero');
  }
  for (let k = 0; k < g; k++) q[k] = (q[k] as number) / totalWeight;
  return q;
}
