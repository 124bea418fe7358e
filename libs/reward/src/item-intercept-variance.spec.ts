import { gaussian, mulberry32 } from '@chorus/random';
import { describe, expect, it } from 'vitest';
import { DiagonalGaussianLogistic } from './diagonal-gaussian-logistic';
import { rebasedInterceptLogits, rebaseItemIntercepts } from './item-intercept-variance';
import { DEFAULT_POOLING_GRID, POOLING_REFRESH_EVENTS, PoolingStrengthGrid } from './pooling-strength';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const options = (items: number) => ({ priorVariance: (feature: string) => (feature.startsWith('item:') ? items : 1) });

describe('rebasedInterceptLogits: the aggregate’s prediction under each candidate item-intercept prior variance', () => {
  it('under the variance it was learned under it is the moderated logit of the aggregate itself', () => {
    const aggregate = new DiagonalGaussianLogistic(options(2));
    for (let i = 0; i < 20; i++) aggregate.update(new Map([['cat:a', 1], [`item:${i % 3}`, 1]]), i % 2, 1);
    const x = new Map([['cat:a', 1], ['item:1', 1]]);
    const logits = rebasedInterceptLogits([0.5, 2, 8], aggregate, 2, x);
    const moderated = aggregate.logit(x) / Math.sqrt(1 + (Math.PI * aggregate.predictiveVariance(x)) / 8);
    expect(logits[1]).toBeCloseTo(moderated, 12);
  });

  it('equals scoring the posterior rebased to each candidate (oracle: rebaseItemIntercepts, then the plain formula)', () => {
    const aggregate = new DiagonalGaussianLogistic(options(1));
    for (let i = 0; i < 30; i++) aggregate.update(new Map([['cat:a', 0.5], [`item:${i % 4}`, 1]]), (i * 7) % 3 === 0 ? 1 : 0, 1);
    // A pairwise difference: two intercepts, ±1, and one never seen.
    const x = new Map([['cat:a', 0.5], ['item:2', 1], ['item:3', -1], ['item:new', 1]]);
    const grid = [0.25, 1, 4];
    const logits = Array.from(rebasedInterceptLogits(grid, aggregate, 1, x));
    grid.forEach((variance, k) => {
      const rebased = DiagonalGaussianLogistic.fromJSON(rebaseItemIntercepts(aggregate.toJSON(), 1, variance), options(variance));
      expect(rebased.mean('cat:a')).toBe(aggregate.mean('cat:a'));
      expect(logits[k]).toBeCloseTo(rebased.logit(x) / Math.sqrt(1 + (Math.PI * rebased.predictiveVariance(x)) / 8), 12);
    });
  });

  it('refuses a current variance that is not finite and > 0', () => {
    expect(() => rebasedInterceptLogits([1], new DiagonalGaussianLogistic(options(1)), 0, new Map())).toThrow(/item prior variance is 0/);
  });
});

/**
 * Oracle: a planted population of item intercepts c_i ~ N(0, σ²*) (and a category weight), events on random items in
 * a stream, learned online as the learner does — scored under every candidate before learning, the leader re-read
 * every POOLING_REFRESH_EVENTS events and the posterior rebased to it. Tolerance: the leader is within one grid step
 * (a factor √2) of σ²* for σ²* ≤ 2. Above that it overestimates (σ²* = 4 gave 11.3–16, σ²* = 8 the grid's top, 64, on
 * these seeds): with ~100 events an item whose intercept saturates the logistic (|c| ≳ 4) teaches the one-pass Laplace
 * posterior little (its curvature p(1 − p) vanishes), and a wider prior is what lets that posterior predict such items;
 * the evidence measures the σ²_c that predicts best under the project's inference, which is then larger than the
 * generating one. It never underestimates, which is the direction that would over-pool.
 */
function learnedItemVariance(planted: number, seed: number): number {
  const random = mulberry32(seed);
  const items = Array.from({ length: 400 }, () => Math.sqrt(planted) * gaussian(random));
  const evidence = new PoolingStrengthGrid(DEFAULT_POOLING_GRID);
  let variance = evidence.leader();
  let aggregate = new DiagonalGaussianLogistic(options(variance));
  for (let t = 1; t <= 40_000; t++) {
    const i = Math.floor(random() * items.length);
    const genre = i % 2 === 0 ? 0.5 : -0.5;
    const x = new Map([[`cat:${i % 2}`, 1], [`item:${i}`, 1]]);
    const y = random() < sigmoid(genre + items[i]!) ? 1 : 0;
    evidence.recordAll(rebasedInterceptLogits(DEFAULT_POOLING_GRID, aggregate, variance, x), y);
    aggregate.update(x, y);
    if (t % POOLING_REFRESH_EVENTS === 0 && evidence.leader() !== variance) {
      aggregate = DiagonalGaussianLogistic.fromJSON(rebaseItemIntercepts(aggregate.toJSON(), variance, evidence.leader()), options(evidence.leader()));
      variance = evidence.leader();
    }
  }
  return variance;
}

describe('learned item-intercept prior variance recovers a planted one', () => {
  it.each([0.25, 1, 2])('σ²* = %s: within a factor √2 on three seeds', (planted) => {
    for (const seed of [1, 2, 3]) {
      const learned = learnedItemVariance(planted, seed);
      expect(learned / planted, `seed ${seed}: learned ${learned}`).toBeGreaterThanOrEqual(1 / Math.SQRT2 - 1e-9);
      expect(learned / planted, `seed ${seed}: learned ${learned}`).toBeLessThanOrEqual(Math.SQRT2 + 1e-9);
    }
  });

  it('σ²* = 4: never below it (the bias is upward, see above)', () => {
    for (const seed of [1, 2, 3]) expect(learnedItemVariance(4, seed), `seed ${seed}`).toBeGreaterThanOrEqual(4);
  });
});
