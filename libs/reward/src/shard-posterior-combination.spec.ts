import { describe, expect, it } from 'vitest';
import { DiagonalGaussianLogistic, type DiagonalGaussianLogisticJSON } from './diagonal-gaussian-logistic';
import { combineShardPosteriors } from './shard-posterior-combination';
import { batchLaplaceMap } from './testing/batch-laplace-map.reference';
import { logisticStream, toSparse } from './testing/logistic-stream.fixture';

describe('combineShardPosteriors', () => {
  it('returns a single shard unchanged (K = 1)', () => {
    const shard = new DiagonalGaussianLogistic({ priorVariance: 2 });
    shard.update(new Map([['bias', 1], ['cat:a', 0.3], ['item:7', 1]]), 1);
    shard.update(new Map([['bias', 1], ['cat:b', 1]]), 0, 0.7);
    expect(combineShardPosteriors([shard.toJSON()], 2)).toEqual(shard.toJSON());
  });

  it('returns the prior ({}) for no shards', () => {
    expect(combineShardPosteriors([], 1)).toEqual({});
  });

  it('copies a feature held by one shard only, bit for bit (sparse item intercepts)', () => {
    const combined = combineShardPosteriors([{ 'item:1': [0.3, 0.8] }, { 'item:2': [-0.1, 0.5] }], 1);
    expect(combined).toEqual({ 'item:1': [0.3, 0.8], 'item:2': [-0.1, 0.5] });
  });

  it('is exact (≤ 1e-12 relative) for Gaussian-likelihood shards, with features missing from some shards', () => {
    // Shard k saw Gaussian evidence N(μ_kf, 1/λ_kf) on w_f, so its posterior is exactly Gaussian:
    //   precision 1/v0 + λ_kf, mean λ_kf μ_kf / (1/v0 + λ_kf).
    // All data together: precision 1/v0 + Σ_k λ_kf, mean Σ_k λ_kf μ_kf / (1/v0 + Σ_k λ_kf).
    const v0 = 2;
    const evidence: Record<string, [number, number][]> = {
      bias: [[0.5, 3], [1.2, 0.5], [-0.3, 2]],
      'cat:a': [[2, 1], [-1, 4]], // absent from shard 2
      'cat:b': [[0.7, 10]], // only shard 0
    };
    const shards: Record<string, [number, number]>[] = [{}, {}, {}];
    const expected: Record<string, [number, number]> = {};
    for (const [feature, perShard] of Object.entries(evidence)) {
      let precision = 1 / v0;
      let weighted = 0;
      perShard.forEach(([mu, lambda], k) => {
        const shardPrecision = 1 / v0 + lambda;
        shards[k]![feature] = [(lambda * mu) / shardPrecision, 1 / shardPrecision];
        precision += lambda;
        weighted += lambda * mu;
      });
      expected[feature] = [weighted / precision, 1 / precision];
    }
    const combined = combineShardPosteriors(shards, v0);
    expect(Object.keys(combined).sort()).toEqual(Object.keys(expected).sort());
    for (const [feature, [mean, variance]] of Object.entries(expected)) {
      expect(Math.abs(combined[feature]![0] - mean)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(mean)));
      expect(Math.abs(combined[feature]![1] - variance)).toBeLessThanOrEqual(1e-12 * variance);
    }
  });

  it.each([1, 2, 3])(
    'shards trained on a 4-way split of 2000 events are close to one model trained on all (seed %i)',
    (seed) => {
      // Measured over seeds 1–10 (K = 4, n = 2000): max |m_combined − m_online-all| = 0.10, max |log(v_combined /
      // v_online-all)| = 0.12, max |m_combined − m_batch-MAP| = 0.14 (the single online model itself is 0.085 from the
      // batch MAP). With K = 2 the first figure halves; with n = 400 it doubles.
      const truth = [-0.5, 1.5, -1.0, 0.8];
      const names = ['bias', 'x1', 'x2', 'x3'];
      const data = logisticStream(seed, truth, 2000);
      const shards = Array.from({ length: 4 }, () => new DiagonalGaussianLogistic({ priorVariance: 1 }));
      const all = new DiagonalGaussianLogistic({ priorVariance: 1 });
      data.forEach(({ x, y }, i) => {
        shards[i % 4]!.update(toSparse(x, names), y); // round-robin, like partitions interleaving in time
        all.update(toSparse(x, names), y);
      });
      const combined = combineShardPosteriors(shards.map((shard) => shard.toJSON()), 1);
      const batch = batchLaplaceMap(data, [0, 0, 0, 0], [1, 1, 1, 1]);
      names.forEach((feature, f) => {
        const [mean, variance] = combined[feature]!;
        expect(Math.abs(mean - all.mean(feature))).toBeLessThanOrEqual(0.15);
        expect(Math.abs(Math.log(variance / all.variance(feature)))).toBeLessThanOrEqual(0.2);
        expect(Math.abs(mean - batch.mode[f]!)).toBeLessThanOrEqual(0.2);
      });
    },
  );

  it('accepts a per-feature prior', () => {
    const prior = (feature: string): number => (feature === 'bias' ? 4 : 1);
    const combined = combineShardPosteriors([{ bias: [1, 2] }, { bias: [1, 2] }], prior);
    // precision = 2·(1/2) − 1/4 = 3/4; mean = (1/2 + 1/2) / (3/4) = 4/3
    expect(combined['bias']![0]).toBeCloseTo(4 / 3, 14);
    expect(combined['bias']![1]).toBeCloseTo(4 / 3, 14);
  });

  it.each([
    [[{ bias: [0, 3] }, { bias: [0, 0.5] }], /shard 0: feature "bias" has variance 3 above its prior variance 1/],
    [[{ bias: [NaN, 0.5] }], /shard 0: feature "bias" has mean NaN/],
    [[{}, { bias: [0, 0] }], /shard 1: feature "bias" has variance 0/],
  ])('rejects inconsistent shards %#', (shards, message) => {
    expect(() => combineShardPosteriors(shards as unknown as DiagonalGaussianLogisticJSON[], 1)).toThrow(message);
  });
});
