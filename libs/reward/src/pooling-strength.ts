import type { DiagonalGaussianLogisticJSON } from './diagonal-gaussian-logistic';

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

/**
 * τ² chosen by evidence on predictions: the user deviations are learned once per τ² of a grid (on every user, or on a
 * shadow sample of users), each scores an event before learning it, and {@link record} adds that prediction's
 * weighted log-loss. The cumulative prequential log-loss of a τ² is minus its log marginal likelihood (the chain rule
 * p(y₁…yₙ) = Π p(yₜ | y<ₜ)), so the {@link leader} is the type-II maximum-likelihood τ² on the grid — measured on what
 * the approximate posteriors actually predict, so the Laplace updates' shrinkage of large deviations (which biases
 * {@link PoolingStrengthEvidence} low) does not bias it.
 *
 * On MovieLens latest-small (`npm run experiment:pooling`) the leader settles at τ² = 2 and the personalized AUC on
 * the last 10% is 0.878, against 0.860 / 0.874 / 0.880 / 0.879 for fixed τ² = 0.25 / 1 / 4 / 16 and 0.870 for the
 * moment (EM) estimate, which settles at 0.65.
 */
export class PoolingStrengthGrid {
  readonly grid: readonly number[];
  private readonly losses: Float64Array;

  /** @param grid candidate τ² values, ascending, finite, > 0 (log-spaced is the natural choice). */
  constructor(grid: readonly number[]) {
    if (grid.length === 0) throw new RangeError('pooling strength grid: give at least one τ²');
    grid.forEach((tau2, k) => {
      if (!(tau2 > 0) || !Number.isFinite(tau2)) throw new RangeError(`pooling strength grid: τ² #${k} is ${tau2}; each must be finite and > 0`);
      if (k > 0 && !(tau2 > grid[k - 1]!)) throw new RangeError(`pooling strength grid: τ² values must ascend, but ${grid[k - 1]} comes before ${tau2}`);
    });
    this.grid = [...grid];
    this.losses = new Float64Array(grid.length);
  }

  /**
   * Adds the weighted log-loss −c·[y log σ(z) + (1 − y) log(1 − σ(z))] of grid member k's logit z for an event with
   * soft label y ∈ [0, 1] and weight c > 0, computed stably (log σ(z) = −log(1 + e^−z)).
   */
  record(k: number, logit: number, y: number, weight = 1): void {
    if (!Number.isInteger(k) || k < 0 || k >= this.grid.length) throw new RangeError(`pooling strength grid: no member #${k} (the grid has ${this.grid.length})`);
    if (!Number.isFinite(logit) || !(y >= 0 && y <= 1) || !(weight > 0) || !Number.isFinite(weight)) {
      throw new RangeError(`pooling strength grid: logit ${logit}, label ${y}, weight ${weight}; the logit and weight must be finite, the label in [0, 1], the weight > 0`);
    }
    this.losses[k] = this.losses[k]! + weight * (y * softplus(-logit) + (1 - y) * softplus(logit));
  }

  /** Index of the grid member with the smallest cumulative loss; a tie goes to the smaller τ² (more pooling). */
  leaderIndex(): number {
    let leader = 0;
    for (let k = 1; k < this.grid.length; k++) if (this.losses[k]! < this.losses[leader]!) leader = k;
    return leader;
  }

  /** The τ² with the smallest cumulative loss. */
  leader(): number {
    return this.grid[this.leaderIndex()]!;
  }

  /** Cumulative loss per grid member, in grid order. */
  cumulativeLosses(): readonly number[] {
    return Array.from(this.losses);
  }
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
