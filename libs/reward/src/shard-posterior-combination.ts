import {
  checkPosteriorEntry,
  type DiagonalGaussianLogisticJSON,
  type PriorVariance,
} from './diagonal-gaussian-logistic';

/**
 * Combines K posteriors that were each learned from the same prior N(0, v0_f) on disjoint parts of the data (one per
 * Kafka partition shard of the aggregate) into one posterior, by the product rule for Gaussians:
 *
 *   p(w | D₁…D_K) ∝ p(w) · Π_k p(D_k | w) = Π_k p(w | D_k) / p(w)^(K−1)
 *
 *   precision_f = Σ_k 1/v_{k,f} − (K − 1)/v0_f,   mean_f = (Σ_k m_{k,f}/v_{k,f}) / precision_f   (prior mean 0).
 *
 * A feature absent from a shard is at the prior there (it contributes 1/v0_f and 0 to the sums). A feature held by
 * exactly one shard is copied unchanged, which keeps K = 1 and sparse per-item intercepts exact to the bit.
 *
 * Exactness: exact when every shard's likelihood is Gaussian in w (the shard posteriors are then exactly Gaussian).
 * For Laplace / ADF posteriors of a logistic likelihood it is the standard approximation of combining sub-posteriors by
 * their product (consensus Monte Carlo, Scott et al. 2016; product of experts, Hinton 2002), because each shard's
 * likelihood is only approximately Gaussian and each shard linearised it around its own mode. With forgetting the
 * shards inflated variances independently, so the "(K − 1) copies of the prior" are not exactly what each shard
 * divided out — again approximate; the cap v ≤ v0 keeps the precision ≥ 1/v0 > 0.
 *
 * @param shards serialised shard posteriors ({@link DiagonalGaussianLogistic.toJSON}); K = 0 gives the prior (`{}`)
 * @param priorVariance the prior shared by all shards
 * @returns the combined posterior, same shape, only features that differ from the prior
 * @throws RangeError when an entry is malformed or inconsistent with the prior (see DiagonalGaussianLogistic.fromJSON)
 */
export function combineShardPosteriors(
  shards: readonly DiagonalGaussianLogisticJSON[],
  priorVariance: PriorVariance,
): DiagonalGaussianLogisticJSON {
  const priorOf = (feature: string): number => {
    const value = typeof priorVariance === 'number' ? priorVariance : priorVariance(feature);
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `combineShardPosteriors: prior variance of "${feature}" is ${value}; it must be finite and ≥ 0`,
      );
    }
    return value;
  };

  // feature → accumulated Σ (1/v_k − 1/v0), Σ m_k/v_k, number of shards holding it, and the one entry if single.
  const precisionGain = new Map<string, number>();
  const weightedMean = new Map<string, number>();
  const holders = new Map<string, number>();
  const single = new Map<string, readonly [number, number]>();

  for (let k = 0; k < shards.length; k++) {
    const shard = shards[k]!;
    for (const feature of Object.keys(shard)) {
      const prior = priorOf(feature);
      const entry = checkPosteriorEntry(shard, feature, prior, `combineShardPosteriors: shard ${k}`);
      const [mean, variance] = entry;
      // Σ_k 1/v_k − (K−1)/v0 = 1/v0 + Σ_k (1/v_k − 1/v0): shards at the prior for f add nothing, so only holders count.
      precisionGain.set(feature, (precisionGain.get(feature) ?? 0) + (1 / variance - 1 / prior));
      weightedMean.set(feature, (weightedMean.get(feature) ?? 0) + mean / variance);
      holders.set(feature, (holders.get(feature) ?? 0) + 1);
      single.set(feature, entry);
    }
  }

  const out: Record<string, [number, number]> = Object.create(null);
  for (const [feature, count] of holders) {
    if (count === 1) {
      const [mean, variance] = single.get(feature)!;
      out[feature] = [mean, variance];
      continue;
    }
    const precision = 1 / priorOf(feature) + precisionGain.get(feature)!;
    out[feature] = [weightedMean.get(feature)! / precision, 1 / precision];
  }
  return out;
}
