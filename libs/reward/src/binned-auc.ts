/**
 * ROC AUC from score histograms: what a streaming evaluator can keep per time bucket (two arrays per model) and add
 * across partitions and buckets, where the exact rank statistic (`rocAuc`) needs every score. Scores are binned by their
 * logit in AUC_LOGIT_BINS equal bins over [−AUC_LOGIT_LIMIT, AUC_LOGIT_LIMIT] (clipped), and pairs within one bin count
 * ½, as tied scores do in the exact statistic. So the result is exact when every bin holds one distinct score, and off
 * by at most half the weight of same-bin positive/negative pairs otherwise.
 *
 * Labels may be soft (y ∈ [0, 1]): an observation adds w·y to the positives and w·(1 − y) to the negatives of its bin,
 * the weighted Mann–Whitney statistic of the expanded sample.
 */
export const AUC_LOGIT_BINS = 64;
export const AUC_LOGIT_LIMIT = 8;

/** The bin of a score given as a logit (non-finite: the end it tends to; NaN is refused). */
export function aucBinOfLogit(logit: number): number {
  if (Number.isNaN(logit)) throw new RangeError('aucBinOfLogit: the logit is NaN; pass the finite score the model gave');
  const clipped = Math.min(AUC_LOGIT_LIMIT, Math.max(-AUC_LOGIT_LIMIT, logit));
  return Math.min(AUC_LOGIT_BINS - 1, Math.floor(((clipped + AUC_LOGIT_LIMIT) / (2 * AUC_LOGIT_LIMIT)) * AUC_LOGIT_BINS));
}

/**
 * AUC of the histograms: P(s₊ > s₋) + ½·P(same bin), by weight. `undefined` when either class has no weight (AUC is
 * undefined there). Throws on arrays of different lengths or a negative or non-finite count.
 */
export function binnedAuc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number | undefined {
  if (positives.length !== negatives.length) {
    throw new RangeError(`binnedAuc: ${positives.length} positive bins but ${negatives.length} negative bins; pass histograms over the same bins`);
  }
  let negativesBelow = 0;
  let pairs = 0;
  let totalPositive = 0;
  for (let bin = 0; bin < positives.length; bin++) {
    const p = positives[bin]!;
    const n = negatives[bin]!;
    if (!(p >= 0 && n >= 0 && Number.isFinite(p) && Number.isFinite(n))) {
      throw new RangeError(`binnedAuc: bin ${bin} holds ${p} positive and ${n} negative weight; weights must be finite and ≥ 0`);
    }
    pairs += p * (negativesBelow + n / 2);
    negativesBelow += n;
    totalPositive += p;
  }
  if (totalPositive <= 0 || negativesBelow <= 0) return undefined;
  return pairs / (totalPositive * negativesBelow);
}
