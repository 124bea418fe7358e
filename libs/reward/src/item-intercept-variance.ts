import type { DiagonalGaussianLogistic, DiagonalGaussianLogisticJSON } from './diagonal-gaussian-logistic';
import { ITEM_FEATURE_PREFIX } from './item-features';
import { rebasePosterior } from './pooling-strength';
import { featureVector, type SparseVector } from './sparse-vector';

/**
 * The aggregate's item-intercept prior variance σ²_c (c_i ~ N(0, σ²_c), issue #16 part 1), learned as τ² is: each
 * event's aggregate prediction is scored under every candidate σ²_c of a grid before the aggregate learns it, and a
 * {@link PoolingStrengthGrid} over those candidates sums the weighted log-losses (minus the log marginal likelihood
 * of each candidate); its leader is the MAP σ²_c. Only the event's item-intercept features (`item:*`) move with the
 * candidate; category weights and the rest stay as learned.
 *
 * Under σ²_k an item feature's posterior is the stored one rebased (as {@link rebasePosterior}): data precision
 * d = 1/v − 1/σ², precision-weighted mean h = m/v, so m(k) = h / (d + 1/σ²_k), v(k) = 1 / (d + 1/σ²_k) — an item
 * never seen sits at N(0, σ²_k). The score is the moderated predictive logit z_k = μ_k / √(1 + π s_k / 8) of the
 * aggregate alone (its own hyperparameter is judged on its own predictions). Cost O(features of x + items in x ×
 * grid); the array returned is scratch, valid until the next call.
 */
export function rebasedInterceptLogits(grid: readonly number[], aggregate: DiagonalGaussianLogistic, itemVariance: number, x: SparseVector): Float64Array {
  if (!(itemVariance > 0) || !Number.isFinite(itemVariance)) throw new RangeError(`rebasedInterceptLogits: the item prior variance is ${itemVariance}; it must be finite and > 0`);
  const vector = featureVector(x);
  const names = vector.featureNames;
  const values = vector.featureValues;
  let mean = 0;
  let variance = 0;
  let items = 0;
  for (let j = 0; j < names.length; j++) {
    const name = names[j]!;
    const value = values[j]!;
    const v = aggregate.variance(name);
    if (!name.startsWith(ITEM_FEATURE_PREFIX)) {
      mean += value * aggregate.mean(name);
      variance += value * value * v;
      continue;
    }
    if (items === scratch.weighted.length) grow();
    scratch.weighted[items] = (value * aggregate.mean(name)) / v;
    scratch.squares[items] = value * value;
    scratch.dataPrecision[items++] = Math.max(0, 1 / v - 1 / itemVariance);
  }
  if (grid.length > scratch.logits.length) scratch.logits = new Float64Array(grid.length);
  for (let k = 0; k < grid.length; k++) {
    const inverse = 1 / grid[k]!;
    let z = mean;
    let s = variance;
    for (let j = 0; j < items; j++) {
      const precision = scratch.dataPrecision[j]! + inverse;
      z += scratch.weighted[j]! / precision;
      s += scratch.squares[j]! / precision;
    }
    const logit = z / Math.sqrt(1 + (Math.PI * s) / 8);
    if (!Number.isFinite(logit)) throw new RangeError(`rebasedInterceptLogits: the logit under σ²_c = ${grid[k]} is ${logit}; the posterior or the features are out of range`);
    scratch.logits[k] = logit;
  }
  return scratch.logits.subarray(0, grid.length);
}

/**
 * An aggregate posterior's item intercepts re-expressed under another prior variance (the learned σ²_c moved): every
 * `item:*` entry rebased ({@link rebasePosterior}), every other entry as it was.
 */
export function rebaseItemIntercepts(posterior: DiagonalGaussianLogisticJSON, from: number, to: number): DiagonalGaussianLogisticJSON {
  const items: Record<string, readonly [number, number]> = Object.create(null);
  const out: Record<string, readonly [number, number]> = Object.create(null);
  for (const feature of Object.keys(posterior)) (feature.startsWith(ITEM_FEATURE_PREFIX) ? items : out)[feature] = posterior[feature]!;
  return Object.assign(out, rebasePosterior(items, from, to));
}

// Scratch of rebasedInterceptLogits (synchronous, never re-entered).
const scratch = { weighted: new Float64Array(4), squares: new Float64Array(4), dataPrecision: new Float64Array(4), logits: new Float64Array(32) };

/** More item intercepts in one vector than the scratch holds (a pairwise event has two): double it, keeping its contents. */
function grow(): void {
  const copy = (from: Float64Array) => {
    const next = new Float64Array(2 * from.length);
    next.set(from);
    return next;
  };
  scratch.weighted = copy(scratch.weighted);
  scratch.squares = copy(scratch.squares);
  scratch.dataPrecision = copy(scratch.dataPrecision);
}
