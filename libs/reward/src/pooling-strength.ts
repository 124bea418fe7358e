import type { DiagonalGaussianLogistic, DiagonalGaussianLogisticJSON } from './diagonal-gaussian-logistic';
import { featureVector, type SparseVector } from './sparse-vector';

/**
 * Learned pooling strength (issue #16): τ², the prior variance of every user's deviation b_u ~ N(0, τ² I), estimated
 * from the users' own posteriors by empirical Bayes instead of being set by hand.
 *
 * The estimate is the EM update for a Gaussian variance component, with an inverse-gamma prior IG(α, β) on τ²
 * (MAP, so a handful of users cannot drive it to 0 or to infinity) and hard bounds:
 *
 *   E-step  each user's posterior under the current τ² gives E[b_uf²] = m_uf² + v_uf
 *   M-step  τ² ← (2β + Σ_uf (m_uf² + v_uf)) / (2(α + 1) + N),   N = number of (user, feature) pairs summed
 *
 * Only features a user's evidence touched are summed: an untouched feature sits exactly at its prior, m = 0, v = τ²,
 * and would pull the update towards the current value without carrying information. Each step needs the posteriors
 * re-expressed under the new τ² ({@link rebasePosterior}); iterating the pair converges to a fixed point of EM.
 *
 * References: Dempster, Laird & Rubin (1977) for EM; Morris (1983), "Parametric empirical Bayes inference", for
 * estimating the shrinkage variance from the units' own estimates; Gelman et al., Bayesian Data Analysis (3rd ed.),
 * §5.4, for the hierarchical normal model this is the diagonal, logistic-likelihood version of.
 */
export interface PoolingStrengthPrior {
  /** α of the inverse-gamma prior on τ² (α = 0 and β = 0: the improper scale prior p(τ²) ∝ 1/τ²). */
  readonly shape: number;
  /** β of the inverse-gamma prior on τ²; the prior's mode is β / (α + 1). */
  readonly scale: number;
  /** The estimate never leaves [min, max]. */
  readonly min: number;
  readonly max: number;
}

/**
 * A weak default: mode 1 (the hand-set default it replaces), worth 2(α + 1) = 4 pseudo-features, so a population of
 * a few users with a few features each is pulled towards 1 and a real population is not. Bounds keep a deviation
 * possible (τ² ≥ 0.01) and the pooling meaningful (τ² ≤ 100, "near-pure personal" in the simulator's terms).
 */
export const DEFAULT_POOLING_STRENGTH_PRIOR: PoolingStrengthPrior = { shape: 1, scale: 2, min: 0.01, max: 100 };

/** Running sums of the E-step over users' posteriors; add a user's contribution, remove it when it changes. */
export class PoolingStrengthEvidence {
  /** Σ (m² + v) over summed (user, feature) pairs. */
  private secondMoments = 0;
  /** Number of (user, feature) pairs summed. */
  private pairs = 0;

  /** Adds one user's posterior deviation (computed under the current τ²). */
  add(user: DiagonalGaussianLogisticJSON): void {
    this.apply(user, +1);
  }

  /** Removes a contribution added before (the user's old posterior, before it changed). */
  remove(user: DiagonalGaussianLogisticJSON): void {
    this.apply(user, -1);
  }

  get featureCount(): number {
    return this.pairs;
  }

  /** The M-step: the MAP estimate of τ² from the evidence summed so far, within the prior's bounds. */
  estimate(prior: PoolingStrengthPrior = DEFAULT_POOLING_STRENGTH_PRIOR): number {
    checkPrior(prior);
    const tau2 = (2 * prior.scale + this.secondMoments) / (2 * (prior.shape + 1) + this.pairs);
    return Math.min(prior.max, Math.max(prior.min, tau2));
  }

  private apply(user: DiagonalGaussianLogisticJSON, sign: 1 | -1): void {
    for (const feature of Object.keys(user)) {
      const [mean, variance] = user[feature]!;
      if (!Number.isFinite(mean) || !(variance > 0) || !Number.isFinite(variance)) {
        throw new RangeError(`pooling strength: feature "${feature}" has mean ${mean} and variance ${variance}; both must be finite and the variance > 0`);
      }
      this.secondMoments += sign * (mean * mean + variance);
      this.pairs += sign;
    }
    // Removing what was never added would leave sums no estimate can come from.
    if (this.pairs < 0 || this.secondMoments < -1e-9 * Math.max(1, this.pairs)) {
      throw new RangeError('pooling strength: removed a contribution that was never added');
    }
    if (this.pairs === 0) this.secondMoments = 0;
  }
}

/**
 * A posterior learned under the prior N(0, from) per feature, re-expressed under N(0, to): the evidence the data
 * gave (its precision 1/v − 1/from and its precision-weighted mean m/v) is kept and the prior swapped,
 *
 *   1/v' = (1/v − 1/from) + 1/to,   m' = (m/v) · v'.
 *
 * Exact for a Gaussian likelihood; for the logistic likelihood of the Laplace updates it keeps each update's
 * curvature and step as they were computed, which is the same approximation the online updates already make. It lets
 * a learned τ² change without replaying any event: a user's stored posterior is rebased when next loaded. `to = 0`
 * removes every entry (no deviation is possible, as with τ² = 0 from the start).
 *
 * @throws RangeError for a prior that is not finite and > 0 (`from`) or ≥ 0 (`to`), or an entry whose variance is
 *   not in (0, from].
 */
export function rebasePosterior(posterior: DiagonalGaussianLogisticJSON, from: number, to: number): DiagonalGaussianLogisticJSON {
  if (!(from > 0) || !Number.isFinite(from)) throw new RangeError(`rebasePosterior: the old prior variance is ${from}; it must be finite and > 0`);
  if (!(to >= 0) || !Number.isFinite(to)) throw new RangeError(`rebasePosterior: the new prior variance is ${to}; it must be finite and ≥ 0`);
  // Null prototype, as toJSON makes them: a feature literally named "__proto__" stays an own key.
  const out: Record<string, [number, number]> = Object.create(null);
  if (to === 0) return out;
  for (const feature of Object.keys(posterior)) {
    const [mean, variance] = posterior[feature]!;
    // A variance a hair above the prior is rounding of a feature that learned nothing; more than that is a sign the
    // posterior was learned under another prior than `from`.
    if (!(variance > 0) || variance > from * (1 + 1e-12) || !Number.isFinite(mean)) {
      throw new RangeError(`rebasePosterior: feature "${feature}" has [${mean}, ${variance}]; the variance must be in (0, ${from}] (the prior it was learned under)`);
    }
    const dataPrecision = Math.max(0, 1 / variance - 1 / from);
    const rebasedVariance = 1 / (dataPrecision + 1 / to);
    out[feature] = [(mean / variance) * rebasedVariance, rebasedVariance];
  }
  return out;
}

function checkPrior(prior: PoolingStrengthPrior): void {
  const { shape, scale, min, max } = prior;
  if (!(shape >= 0) || !(scale >= 0) || !Number.isFinite(shape) || !Number.isFinite(scale)) {
    throw new RangeError(`pooling strength prior: shape ${shape} and scale ${scale} must be finite and ≥ 0`);
  }
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) {
    throw new RangeError(`pooling strength prior: bounds [${min}, ${max}] must satisfy 0 < min ≤ max < ∞`);
  }
}

/** A weak prior on the grid's τ²: log-normal, mode 1 (the hand-set default it replaces), log-sd ln 4. */
export const DEFAULT_GRID_PRIOR = { mode: 1, logSd: Math.log(4) } as const;

/** The default candidate τ²: factor √2 apart from 1/16 to 64 (its ends are the bounds of the learned value). */
export const DEFAULT_POOLING_GRID: readonly number[] = Array.from({ length: 21 }, (_, k) => 2 ** (k / 2 - 4));

/**
 * Events of a partition between two readings of its evidence's leader. Counted in the partition's own applied events,
 * so when τ² changes is a function of the partition's log alone (a replay or another instance reproduces it).
 */
export const POOLING_REFRESH_EVENTS = 500;

/** What a {@link PoolingStrengthGrid} persists: the grid and each member's cumulative weighted log-loss. */
export interface PoolingStrengthGridJSON {
  readonly grid: readonly number[];
  readonly losses: readonly number[];
}

/**
 * τ² chosen by evidence on predictions: each event about a user is scored under every τ² of a grid before it is
 * learned, and {@link record} adds that prediction's weighted log-loss. The cumulative prequential log-loss of a τ² is
 * minus its log marginal likelihood (the chain rule p(y₁…yₙ) = Π p(yₜ | y<ₜ)), so the {@link leader} is the MAP τ² on
 * the grid under a log-normal prior (type-II maximum likelihood once the data outweigh the prior) — measured on what
 * the approximate posteriors actually predict, so the Laplace updates' shrinkage of large deviations (which biases
 * {@link PoolingStrengthEvidence} low) does not bias it.
 *
 * The predictions under each τ² come either from deviations learned once per grid member (`npm run
 * experiment:pooling`'s "grid" policy) or, as the learner does, from the one posterior a user keeps, rebased to each
 * τ² ({@link rebasedLogits}, {@link recordAll}): no extra state per user. Losses are sums over events, so the evidence of
 * disjoint sets of users (the learner's partitions) combines by adding ({@link add}), as log-likelihoods of
 * independent units do.
 *
 * On MovieLens latest-small (`npm run experiment:pooling`) see the README for the AUC per policy.
 */
export class PoolingStrengthGrid {
  readonly grid: readonly number[];
  private readonly losses: Float64Array;
  /** −log prior of each member (up to a constant). */
  private readonly penalty: Float64Array;

  /**
   * @param grid candidate τ² values, ascending, finite, > 0 (log-spaced is the natural choice).
   * @param prior log-normal prior on τ²: its mode and the sd of ln τ²; `logSd: Infinity` is a flat prior.
   */
  constructor(grid: readonly number[], readonly prior: { mode: number; logSd: number } = DEFAULT_GRID_PRIOR) {
    if (grid.length === 0) throw new RangeError('pooling strength grid: give at least one τ²');
    grid.forEach((tau2, k) => {
      if (!(tau2 > 0) || !Number.isFinite(tau2)) throw new RangeError(`pooling strength grid: τ² #${k} is ${tau2}; each must be finite and > 0`);
      if (k > 0 && !(tau2 > grid[k - 1]!)) throw new RangeError(`pooling strength grid: τ² values must ascend, but ${grid[k - 1]} comes before ${tau2}`);
    });
    if (!(prior.mode > 0) || !Number.isFinite(prior.mode) || !(prior.logSd > 0)) {
      throw new RangeError(`pooling strength grid: prior mode ${prior.mode} and log-sd ${prior.logSd} must be > 0 (the mode finite)`);
    }
    this.grid = [...grid];
    this.losses = new Float64Array(grid.length);
    this.penalty = Float64Array.from(grid, (tau2) => Math.log(tau2 / prior.mode) ** 2 / (2 * prior.logSd ** 2));
  }

  /**
   * Adds the weighted log-loss −c·[y log σ(z) + (1 − y) log(1 − σ(z))] of grid member k's logit z for an event with
   * soft label y ∈ [0, 1] and weight c > 0, computed stably (log σ(z) = −log(1 + e^−z)).
   */
  record(k: number, logit: number, y: number, weight = 1): void {
    if (!Number.isInteger(k) || k < 0 || k >= this.grid.length) throw new RangeError(`pooling strength grid: no member #${k} (the grid has ${this.grid.length})`);
    checkObservation(logit, y, weight);
    this.losses[k] = this.losses[k]! + logLoss(logit, y, weight);
  }

  /**
   * Adds one event's loss for every member at once, its logits in grid order (as {@link rebasedLogits} gives them).
   * All or nothing: every logit is checked before any loss is added.
   */
  recordAll(logits: ArrayLike<number>, y: number, weight = 1): void {
    if (logits.length !== this.grid.length) throw new RangeError(`pooling strength grid: ${logits.length} logits for a grid of ${this.grid.length}`);
    for (let k = 0; k < logits.length; k++) checkObservation(logits[k]!, y, weight);
    for (let k = 0; k < logits.length; k++) this.losses[k] = this.losses[k]! + logLoss(logits[k]!, y, weight);
  }

  /** Index of the grid member with the smallest loss + −log prior; a tie goes to the smaller τ² (more pooling). */
  leaderIndex(): number {
    let leader = 0;
    let best = this.losses[0]! + this.penalty[0]!;
    for (let k = 1; k < this.grid.length; k++) {
      const score = this.losses[k]! + this.penalty[k]!;
      if (score < best) [leader, best] = [k, score];
    }
    return leader;
  }

  /** The MAP τ² on the grid. */
  leader(): number {
    return this.grid[this.leaderIndex()]!;
  }

  /** Cumulative loss per grid member, in grid order. */
  cumulativeLosses(): readonly number[] {
    return Array.from(this.losses);
  }

  /** Adds another grid's evidence (the same grid): the evidence of both sets of events. */
  add(other: PoolingStrengthGridJSON): this {
    if (!sameGrid(this.grid, other.grid)) throw new RangeError(`pooling strength grid: cannot add evidence over [${other.grid.join(', ')}] to evidence over [${this.grid.join(', ')}]`);
    other.losses.forEach((loss, k) => {
      this.losses[k] = this.losses[k]! + loss;
    });
    return this;
  }

  toJSON(): PoolingStrengthGridJSON {
    return { grid: [...this.grid], losses: this.cumulativeLosses() };
  }

  /**
   * Evidence as persisted, continued on `grid`. Evidence over another grid (the configuration changed) cannot be
   * mapped onto this one and is dropped: the estimate starts again from the prior.
   *
   * @throws RangeError for losses that are not finite and ≥ 0, or not one per grid member.
   */
  static fromJSON(json: PoolingStrengthGridJSON | null | undefined, grid: readonly number[], prior: { mode: number; logSd: number } = DEFAULT_GRID_PRIOR): PoolingStrengthGrid {
    const evidence = new PoolingStrengthGrid(grid, prior);
    if (!json || !sameGrid(json.grid, grid)) return evidence;
    if (json.losses.length !== grid.length || json.losses.some((loss) => !(loss >= 0) || !Number.isFinite(loss))) {
      throw new RangeError(`pooling strength grid: stored losses [${json.losses.join(', ')}] must be ${grid.length} finite numbers ≥ 0`);
    }
    return evidence.add(json);
  }
}

/**
 * Scores one observation about a user under every τ² of a grid, from the one posterior the user keeps (learned under
 * `tau2`), before the user learns it; {@link PoolingStrengthGrid.recordAll} then adds the losses. Under τ²_k each
 * touched feature's posterior is the stored one rebased ({@link rebasePosterior}): data precision d_f = 1/v_f − 1/τ²,
 * precision-weighted mean h_f = m_f/v_f, so m_f(k) = h_f / (d_f + 1/τ²_k) and v_f(k) = 1 / (d_f + 1/τ²_k); features
 * the user never touched sit at N(0, τ²_k). The score is the moderated predictive logit (MacKay 1992)
 *
 *   z_k = μ_k / √(1 + π s_k / 8),   μ_k = offset + Σ_f x_f m_f(k),   s_k = offsetVariance + Σ_f x_f² v_f(k),
 *
 * so each member's loss is its approximate marginal likelihood, not the plug-in one: a plug-in log-loss charges a
 * large τ² for overconfidence its own posterior uncertainty would have tempered, and on MovieLens it settled one grid
 * step lower (τ² 1.41, AUC 0.876) than the moderated one (2.83, 0.879). Cost: O(features of x × grid), no allocation;
 * the array returned is scratch, valid until the next call.
 */
export function rebasedLogits(
  grid: readonly number[],
  user: DiagonalGaussianLogistic,
  tau2: number,
  x: SparseVector,
  offset: number,
  offsetVariance: number,
): Float64Array {
  if (!Number.isFinite(offset) || !(offsetVariance >= 0) || !Number.isFinite(offsetVariance)) {
    throw new RangeError(`rebasedLogits: offset ${offset} and its variance ${offsetVariance} must be finite (the variance ≥ 0)`);
  }
  const vector = featureVector(x);
  const names = vector.featureNames;
  const values = vector.featureValues;
  if (names.length > scratch.weighted.length) {
    scratch.weighted = new Float64Array(2 * names.length);
    scratch.squares = new Float64Array(2 * names.length);
    scratch.dataPrecision = new Float64Array(2 * names.length);
  }
  if (grid.length > scratch.logits.length) scratch.logits = new Float64Array(grid.length);
  // Each touched feature's x_f·h_f, x_f² and d_f once; the grid loop is then arithmetic only. Untouched features add
  // x_f²·τ²_k to the score's variance and nothing to its mean.
  let touched = 0;
  let untouchedSquares = 0;
  for (let j = 0; j < names.length; j++) {
    const value = values[j]!;
    const variance = user.variance(names[j]!);
    const dataPrecision = Math.max(0, 1 / variance - 1 / tau2);
    if (dataPrecision === 0) {
      untouchedSquares += value * value;
      continue;
    }
    scratch.weighted[touched] = (value * user.mean(names[j]!)) / variance;
    scratch.squares[touched] = value * value;
    scratch.dataPrecision[touched++] = dataPrecision;
  }
  for (let k = 0; k < grid.length; k++) {
    const inverse = 1 / grid[k]!;
    let z = offset;
    let s = offsetVariance + untouchedSquares * grid[k]!;
    for (let j = 0; j < touched; j++) {
      const precision = scratch.dataPrecision[j]! + inverse;
      z += scratch.weighted[j]! / precision;
      s += scratch.squares[j]! / precision;
    }
    const logit = z / Math.sqrt(1 + (Math.PI * s) / 8);
    if (!Number.isFinite(logit)) throw new RangeError(`rebasedLogits: the logit under τ² = ${grid[k]} is ${logit}; the posterior or the features are out of range`);
    scratch.logits[k] = logit;
  }
  return scratch.logits.subarray(0, grid.length);
}

// Scratch of rebasedLogits (synchronous, never re-entered).
const scratch = { weighted: new Float64Array(64), squares: new Float64Array(64), dataPrecision: new Float64Array(64), logits: new Float64Array(32) };

function sameGrid(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((tau2, k) => tau2 === b[k]);
}

function checkObservation(logit: number, y: number, weight: number): void {
  if (!Number.isFinite(logit) || !(y >= 0 && y <= 1) || !(weight > 0) || !Number.isFinite(weight)) {
    throw new RangeError(`pooling strength grid: logit ${logit}, label ${y}, weight ${weight}; the logit and weight must be finite, the label in [0, 1], the weight > 0`);
  }
}

function logLoss(logit: number, y: number, weight: number): number {
  return weight * (y * softplus(-logit) + (1 - y) * softplus(logit));
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
