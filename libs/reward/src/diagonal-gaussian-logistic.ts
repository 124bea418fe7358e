import { NonFiniteUpdateError } from './non-finite-update.error';
import { solveLaplaceStep } from './laplace-step.solver';
import { sigmoid } from './logistic-function';
import { FEATURES } from './feature-dictionary';
import { featureVector, type SparseVector } from './sparse-vector';

/** Prior variance of every feature, or a function giving it per feature name (must be pure and cheap). */
export type PriorVariance = number | ((feature: string) => number);

/** Options of {@link DiagonalGaussianLogistic}. */
export interface DiagonalGaussianLogisticOptions {
  /**
   * Prior variance v0_f ≥ 0 of each weight (prior mean is 0). v0_f = 0 fixes that weight at 0 forever: it is never
   * stored and never updated (this is how τ = 0 means "pure aggregate").
   */
  priorVariance: PriorVariance;
  /**
   * Forgetting ε ≥ 0 (default 0): before each update every touched weight's variance is inflated v ← min(v + ε, v0).
   * This is a Gaussian random-walk drift model w_t = w_{t−1} + N(0, ε), the Kalman-filter prediction step (cf. the
   * dynamics correction of AdPredictor, Graepel et al. 2010, which likewise relaxes weights toward the prior), applied
   * lazily per touch rather than per clock tick, so a weight keeps learning at a non-vanishing rate and can follow a
   * drifting population. Per touch means a frequent feature forgets faster in wall-clock time than a rare one.
   * The cap at the prior variance keeps a rarely-seen feature from becoming *more* uncertain than a never-seen one
   * (which sits at the prior), keeps the shard-combination precision Σ 1/v_k − (K−1)/v0 ≥ 1/v0 > 0, and bounds how far
   * one observation can throw a stale weight. Means are not shrunk: a weight forgets its certainty, not its value.
   */
  forgetting?: number;
}

/**
 * Serialised posterior: feature → [mean, variance], holding only features whose state differs from the prior
 * N(0, v0_f). `JSON.stringify(model)` produces it through `toJSON()`; doubles round-trip exactly.
 */
export type DiagonalGaussianLogisticJSON = { readonly [feature: string]: readonly [mean: number, variance: number] };

// A model's state is one plain array [f, m, v, v0, f, m, v, v0, …]: per stored feature its index f in FEATURES (the
// dictionary every model shares), its posterior mean and variance and its prior variance. Not a Map from names and
// not a typed array (issue #13): a user is three models (a persona and its shadow's two), and at a million users a Map
// per model, or a Float64Array with a backing store of its own outside the heap, was most of what building and
// holding a user cost. A plain array of doubles is one object on the heap, with nothing for the collector to trace
// inside it; an update reads a feature's values together.
const STRIDE = 4;
/**
 * A model with more stored features than this keeps a Map from feature index to slot; below it a lookup scans the
 * state (a user deviation holds a handful of features: bias, categories, stance; the aggregate holds every item's).
 */
const SCAN_LIMIT = 16;

/**
 * An update computed by {@link DiagonalGaussianLogistic.prepareUpdate} and not yet written: per touched feature its
 * slot (−1: not stored yet), index in FEATURES, prior variance, and the new mean and variance. Plans are reusable scratch (grown on
 * demand, never shrunk), so preparing an update allocates nothing per call.
 */
export class PreparedUpdate {
  /** Features touched, and the score before the update. */
  n = 0;
  z0 = 0;
  /** The model the plan was prepared on: only that one may write it. */
  owner?: DiagonalGaussianLogistic;
  slot = new Int32Array(64);
  feature = new Int32Array(64);
  mean = new Float64Array(64);
  variance = new Float64Array(64);
  prior = new Float64Array(64);

  /** Room for `size` features. */
  ensure(size: number): void {
    if (size <= this.slot.length) return;
    let capacity = this.slot.length;
    while (capacity < size) capacity *= 2;
    this.slot = new Int32Array(capacity);
    this.feature = new Int32Array(capacity);
    this.mean = new Float64Array(capacity);
    this.variance = new Float64Array(capacity);
    this.prior = new Float64Array(capacity);
  }
}

// Scratch shared by all instances: update() is synchronous and never re-entered (priorVariance must not call back into
// a model), so one plan serves 1M per-user models instead of each carrying its own.
const scratch = new PreparedUpdate();

/**
 * Online Bayesian logistic regression with a diagonal Gaussian posterior, updated one observation at a time by the
 * Laplace approximation / assumed-density filtering of Chapelle & Li 2011 (*An Empirical Evaluation of Thompson
 * Sampling*, Algorithm 3, run with one observation per batch), in the spirit of AdPredictor (Graepel et al. 2010).
 *
 * Model: P(y = 1 | x) = σ(offset + w·x), weights w_f ~ N(m_f, v_f) independently. Unseen features are at the prior
 * N(0, v0_f).
 *
 * Update on (x, y, c, o), y ∈ [0, 1] soft label, c > 0 weight:
 * 1. forgetting: v_f ← min(v_f + ε, v0_f) for every f with x_f ≠ 0;
 * 2. mode: w* = argmin ½ Σ (w_f − m_f)²/v_f − c·[y log σ(z) + (1 − y) log σ(−z)], z = o + w·x.
 *    It lies on w = m + α·(v∘x); α is solved by safeguarded Newton (see {@link solveLaplaceStep});
 * 3. precision: 1/v_f ← 1/v_f + c·x_f²·p(1 − p) with p = σ(z*) at the mode (the Hessian diagonal there).
 *
 * With one observation the mode is the exact MAP; over a stream the diagonal projection after every step is the
 * approximation (correlations between weights are dropped).
 *
 * @example
 * ```ts
 * const model = new DiagonalGaussianLogistic({ priorVariance: 1 });
 * const x = new Map([['bias', 1], ['cat:drama', 1]]);
 * model.update(x, 1);
 * model.mean('bias');     // 0.3374158071711997  (α solves α = 1 − σ(2α); v∘x = (1, 1) so both means are α)
 * model.variance('bias'); // 0.817282998411617   (1 / (1 + p(1 − p)) at p = σ(2α))
 * model.probability(x);   // 0.6625841928288003  (= 1 − α, as the mode condition says)
 * ```
 */
export class DiagonalGaussianLogistic {
  private readonly priorVarianceOption: PriorVariance;
  private readonly forgetting: number;
  /** [f, m, v, v0] per stored feature, in the order they were stored (see STRIDE). */
  private readonly state: number[] = [];
  /** Feature index → slot (offset of its f in `state`), once the model holds more than SCAN_LIMIT features. */
  private slots: Map<number, number> | undefined = undefined;

  constructor(private readonly options: DiagonalGaussianLogisticOptions) {
    const { priorVariance, forgetting = 0 } = options;
    if (typeof priorVariance === 'number') checkPriorVariance(priorVariance, 'priorVariance');
    else if (typeof priorVariance !== 'function') {
      throw new TypeError(
        `priorVariance must be a number or a function of the feature name, got ${typeof priorVariance}`,
      );
    }
    if (typeof forgetting !== 'number' || !Number.isFinite(forgetting) || forgetting < 0) {
      throw new RangeError(
        `forgetting is ${String(forgetting)}; it must be a finite number ≥ 0 (0 disables forgetting)`,
      );
    }
    this.priorVarianceOption = priorVariance;
    this.forgetting = forgetting;
  }

  /** Prior variance v0_f of a feature. */
  priorVariance(feature: string): number {
    const option = this.priorVarianceOption;
    if (typeof option === 'number') return option;
    const value = option(feature);
    checkPriorVariance(value, `priorVariance("${feature}")`);
    return value;
  }

  /** Posterior mean m_f (0 for a feature never seen). */
  mean(feature: string): number {
    const slot = this.slotOf(FEATURES.find(feature));
    return slot < 0 ? 0 : this.state[slot + 1]!;
  }

  /** Posterior variance v_f (the prior variance for a feature never seen). */
  variance(feature: string): number {
    const slot = this.slotOf(FEATURES.find(feature));
    return slot < 0 ? this.priorVariance(feature) : this.state[slot + 2]!;
  }

  /** Number of features with stored state (touched by an update or loaded from JSON). */
  get featureCount(): number {
    return this.state.length / STRIDE;
  }

  /** The slot of a feature index (the offset of its entry in `state`), or −1 when the model does not store it. */
  private slotOf(feature: number): number {
    if (feature < 0) return -1;
    if (this.slots !== undefined) return this.slots.get(feature) ?? -1;
    const state = this.state;
    for (let slot = 0; slot < state.length; slot += STRIDE) if (state[slot] === feature) return slot;
    return -1;
  }

  /**
   * Posterior-mean score offset + Σ_f m_f x_f.
   *
   * @throws RangeError when the result is not finite (a NaN/±Infinity feature value or offset), naming the culprit.
   */
  logit(x: SparseVector, offset = 0): number {
    const vector = featureVector(x);
    const features = vector.featureIndices(false);
    const values = vector.featureValues;
    let z = offset;
    for (let k = 0; k < features.length; k++) {
      const value = values[k]!;
      // Checked per entry: a NaN on a feature the model has never seen would not reach the sum.
      if (!Number.isFinite(value)) throw nonFiniteInput('logit', x, offset);
      const slot = this.slotOf(features[k]!);
      if (slot >= 0) z += this.state[slot + 1]! * value;
    }
    if (!Number.isFinite(z)) throw nonFiniteInput('logit', x, offset);
    return z;
  }

  /**
   * Variance of the score under the posterior, Σ_f x_f² v_f (unseen features at their prior variance).
   *
   * @throws RangeError when a feature value is not finite.
   */
  predictiveVariance(x: SparseVector): number {
    let s = 0;
    for (const [feature, value] of x) {
      if (value === 0) continue;
      s += value * value * this.variance(feature);
    }
    if (!Number.isFinite(s)) throw nonFiniteInput('predictiveVariance', x, 0);
    return s;
  }

  /**
   * σ(logit(x, offset)), the probability at the posterior mean.
   *
   * Not moderated: the Bayesian predictive σ(μ / √(1 + π·s/8)) (MacKay 1992; s = predictiveVariance) would shrink
   * uncertain scores toward ½. We serve the plug-in value because (a) the personalized score is defined additively on
   * the logit scale (aggregate + deviation) and moderation does not compose that way, (b) the DESIGN §4 evaluation
   * protocol and its reference figures rank by the mean logit, and (c) exploration, where moderation matters most, is
   * not this library's job. Callers who want it have predictiveVariance().
   */
  probability(x: SparseVector, offset = 0): number {
    return sigmoid(this.logit(x, offset));
  }

  /**
   * One Laplace / ADF step on observation (x, y) with importance weight `weight` and fixed score `offset`.
   * See the class documentation for the formulas. Features with x_f = 0 or prior variance 0 are left untouched.
   *
   * The input is validated before any state changes, so a rejected observation leaves the model as it was.
   *
   * @param y soft label in [0, 1] (0.5 = tie)
   * @param weight observation weight c > 0 (the log-likelihood is multiplied by it)
   * @param offset known part of the score, e.g. the aggregate logit when this model is a user deviation
   * @returns the score before the update, what `logit(x, offset)` returned just before the call (the pass that gathers
   *   the features computes it anyway, so a caller that needs both saves a second round of lookups)
   * @throws RangeError on y outside [0, 1], weight ≤ 0, a non-finite weight/offset/feature value or score;
   *   NonFiniteUpdateError (a RangeError) when the posterior would not be finite. The model is then unchanged.
   */
  update(x: SparseVector, y: number, weight = 1, offset = 0): number {
    const z0 = this.prepareUpdate(x, y, weight, offset, scratch);
    this.commitUpdate(scratch);
    return z0;
  }

  /**
   * The first half of {@link update}: computes the update into `plan` and changes nothing, so a caller can prepare
   * several models' updates and write all or none of them ({@link commitUpdate}).
   *
   * @returns the score before the update (see {@link update})
   * @throws RangeError on invalid input (see {@link update}); NonFiniteUpdateError when the result would not be finite
   *   (a mean or variance overflowing, a variance reaching 0), e.g. a feature value so large its square overflows.
   */
  prepareUpdate(x: SparseVector, y: number, weight: number, offset: number, plan: PreparedUpdate): number {
    if (!(y >= 0 && y <= 1)) {
      throw new RangeError(`update: label y is ${y}; it must be a number in [0, 1] (1 positive, 0 negative, 0.5 tie)`);
    }
    if (!(weight > 0) || !Number.isFinite(weight)) {
      throw new RangeError(`update: weight is ${weight}; it must be a finite number > 0`);
    }
    if (!Number.isFinite(offset)) {
      throw new RangeError(`update: offset is ${offset}; it must be a finite number`);
    }

    // Pass 1 reads only: validate every value and gather (slot, x_f, v_f after forgetting, m_f).
    const vector = featureVector(x);
    const names = vector.featureNames;
    const features = vector.featureIndices(true);
    const values = vector.featureValues;
    plan.ensure(names.length);
    plan.owner = undefined;
    const { slot: slots, feature: indices, mean: means, variance: variances, prior: priors } = plan;
    // Until pass 2 overwrites it, plan.mean holds x_f: the new mean needs both and no other scratch is needed.
    const xs = means;
    const epsilon = this.forgetting;
    let n = 0;
    let z0 = offset;
    let s = 0;
    for (let k = 0; k < names.length; k++) {
      const feature = names[k]!;
      const value = values[k]!;
      if (!Number.isFinite(value)) {
        throw new RangeError(`update: feature "${feature}" has value ${value}; feature values must be finite numbers`);
      }
      if (value === 0) continue;
      const slot = this.slotOf(features[k]!);
      let prior: number;
      let variance: number;
      if (slot < 0) {
        prior = this.priorVariance(feature);
        if (prior === 0) continue;
        variance = prior;
      } else {
        prior = this.state[slot + 3]!;
        variance = Math.min(this.state[slot + 2]! + epsilon, prior);
        z0 += this.state[slot + 1]! * value;
      }
      slots[n] = slot;
      indices[n] = features[k]!;
      xs[n] = value;
      variances[n] = variance;
      priors[n] = prior;
      s += value * value * variance;
      n++;
    }
    if (!Number.isFinite(z0)) throw nonFiniteInput('update', x, offset);
    if (!Number.isFinite(s)) {
      throw new NonFiniteUpdateError(`update: the score variance Σ x_f² v_f overflowed (${s}); a feature value is too large (${largestFeature(x)})`);
    }

    // Solve in one canonical orientation (y > ½, or y = ½ with z₀ ≥ 0). (x, y) and (−x, 1 − y) are the same
    // observation; canonicalising makes them give bit-identical posteriors (negation is exact in floating point), so a
    // Bradley–Terry pair, tie or not, updates the model identically whichever item is listed first.
    const flip = y < 0.5 || (y === 0.5 && z0 < 0);
    const yc = flip ? 1 - y : y;
    const zc = flip ? -z0 : z0;
    const alphaC = solveLaplaceStep(zc, s, yc, weight);
    const p = sigmoid(zc + alphaC * s);
    const curvature = weight * p * (1 - p);
    const alpha = flip ? -alphaC : alphaC;

    // Pass 2 computes the new state. x·0 is 0 for every finite x and NaN for ±∞ and NaN, so one test at the end
    // checks every mean and the precision 1/v of every variance (∞ when a variance underflowed to 0).
    let check = 0;
    for (let k = 0; k < n; k++) {
      const slot = slots[k]!;
      const xf = xs[k]!;
      const variance = variances[k]!;
      const mean = (slot < 0 ? 0 : this.state[slot + 1]!) + alpha * variance * xf;
      // 1/v ← 1/v + c·x²·p(1−p), written as v/(1 + v·c·x²·p(1−p)) to spend one division and never exceed v.
      const updated = variance / (1 + variance * curvature * xf * xf);
      means[k] = mean;
      variances[k] = updated;
      check += mean * 0 + (1 / updated) * 0;
    }
    if (check !== 0) {
      throw new NonFiniteUpdateError(`update: the posterior would not be finite; the observation is refused and the model is unchanged (${largestFeature(x)})`);
    }
    plan.n = n;
    plan.z0 = z0;
    plan.owner = this;
    return z0;
  }

  /** Writes an update {@link prepareUpdate} computed on this model (once; nothing may change the model in between). */
  commitUpdate(plan: PreparedUpdate): void {
    if (plan.owner !== this) throw new Error('commitUpdate: the plan was not prepared on this model, or was already written');
    plan.owner = undefined;
    for (let k = 0; k < plan.n; k++) {
      let slot = plan.slot[k]!;
      if (slot < 0) slot = this.allocate(plan.feature[k]!, plan.prior[k]!);
      this.state[slot + 1] = plan.mean[k]!;
      this.state[slot + 2] = plan.variance[k]!;
    }
  }

  /**
   * An independent copy holding what `fromJSON(this.toJSON(), options)` would hold — the features whose state differs
   * from the prior, in the same order — without the JSON in between (a persona's shadow starts as copies).
   */
  copy(): DiagonalGaussianLogistic {
    const copy = new DiagonalGaussianLogistic(this.options);
    const state = this.state;
    for (let slot = 0; slot < state.length; slot += STRIDE) {
      if (state[slot + 1] === 0 && state[slot + 2] === state[slot + 3]) continue;
      copy.allocate(state[slot]!, state[slot + 3]!);
      copy.state[copy.state.length - 3] = state[slot + 1]!;
      copy.state[copy.state.length - 2] = state[slot + 2]!;
    }
    return copy;
  }

  /** Features whose state differs from the prior, as feature → [mean, variance]. */
  toJSON(): DiagonalGaussianLogisticJSON {
    // Null prototype: a feature literally named "__proto__" must become an own key, not replace the prototype.
    const out: Record<string, [number, number]> = Object.create(null);
    const state = this.state;
    for (let slot = 0; slot < state.length; slot += STRIDE) {
      const mean = state[slot + 1]!;
      const variance = state[slot + 2]!;
      if (mean !== 0 || variance !== state[slot + 3]) out[FEATURES.name(state[slot]!)] = [mean, variance];
    }
    return out;
  }

  /**
   * The text of `JSON.stringify(this)` (same entries; key order may differ for integer-like feature names), written
   * directly instead of through the intermediate object: a learner serialises every changed user model per commit.
   */
  toJSONText(): string {
    let out = '';
    const state = this.state;
    for (let slot = 0; slot < state.length; slot += STRIDE) {
      const mean = state[slot + 1]!;
      const variance = state[slot + 2]!;
      if (mean === 0 && variance === state[slot + 3]) continue;
      // A number concatenated prints as JSON prints it (shortest round-trip form; -0 as 0); state is always finite.
      out += `${out ? ',' : ''}${JSON.stringify(FEATURES.name(state[slot]!))}:[${mean},${variance}]`;
    }
    return `{${out}}`;
  }

  /**
   * Σ_f m_f², the squared Euclidean norm of the posterior mean (used by {@link deviationNorm} without serialising).
   */
  sumOfSquaredMeans(): number {
    let total = 0;
    for (let slot = 0; slot < this.state.length; slot += STRIDE) total += this.state[slot + 1]! ** 2;
    return total;
  }

  /** Σ_f m_f² / v_f over the stored features (how far the posterior mean is from 0 in its own standard deviations). */
  sumOfSquaredStandardisedMeans(): number {
    let total = 0;
    for (let slot = 0; slot < this.state.length; slot += STRIDE) total += this.state[slot + 1]! ** 2 / this.state[slot + 2]!;
    return total;
  }

  /**
   * Rebuilds a model from {@link toJSON} output. `options` must describe the prior the posterior was learned under.
   *
   * @throws RangeError when an entry is malformed, has a non-positive or non-finite variance, names a feature whose
   *   prior variance is 0, or has a variance above the feature's prior variance (a sign of a changed priorVariance).
   */
  static fromJSON(
    json: DiagonalGaussianLogisticJSON,
    options: DiagonalGaussianLogisticOptions,
  ): DiagonalGaussianLogistic {
    const model = new DiagonalGaussianLogistic(options);
    for (const feature of Object.keys(json)) {
      const prior = model.priorVariance(feature);
      const [mean, variance] = checkPosteriorEntry(json, feature, prior, 'fromJSON');
      const slot = model.allocate(FEATURES.intern(feature), prior);
      model.state[slot + 1] = mean;
      model.state[slot + 2] = variance;
    }
    return model;
  }

  /** Stores a feature (by its index in FEATURES) at the prior, N(0, prior); returns its slot. */
  private allocate(feature: number, prior: number): number {
    const slot = this.state.length;
    this.state.push(feature, 0, prior, prior);
    if (this.slots !== undefined) {
      this.slots.set(feature, slot);
    } else if (slot / STRIDE === SCAN_LIMIT) {
      const slots = new Map<number, number>();
      for (let s = 0; s <= slot; s += STRIDE) slots.set(this.state[s]!, s);
      this.slots = slots;
    }
    return slot;
  }
}

/**
 * Validates one serialised posterior entry against its prior and returns it.
 * Shared by fromJSON and the shard combination, which have the same preconditions.
 */
export function checkPosteriorEntry(
  json: DiagonalGaussianLogisticJSON,
  feature: string,
  prior: number,
  where: string,
): readonly [number, number] {
  const entry = json[feature];
  if (!Array.isArray(entry) || entry.length !== 2) {
    throw new RangeError(`${where}: feature "${feature}" must map to [mean, variance], got ${JSON.stringify(entry)}`);
  }
  const [mean, variance] = entry as readonly [unknown, unknown];
  if (typeof mean !== 'number' || !Number.isFinite(mean)) {
    throw new RangeError(`${where}: feature "${feature}" has mean ${String(mean)}; it must be a finite number`);
  }
  if (typeof variance !== 'number' || !Number.isFinite(variance) || !(variance > 0)) {
    throw new RangeError(`${where}: feature "${feature}" has variance ${String(variance)}; it must be finite and > 0`);
  }
  if (prior === 0) {
    throw new RangeError(
      `${where}: feature "${feature}" has prior variance 0 (weight fixed at 0) but carries a posterior; ` +
        'load it with the priorVariance it was trained under',
    );
  }
  if (variance > prior) {
    throw new RangeError(
      `${where}: feature "${feature}" has variance ${variance} above its prior variance ${prior}; ` +
        'the posterior was probably learned under a different priorVariance — load it with that one',
    );
  }
  return [mean, variance];
}

function checkPriorVariance(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `${name} is ${String(value)}; a prior variance must be a finite number ≥ 0 (0 fixes the weight at 0)`,
    );
  }
}

function nonFiniteInput(where: string, x: SparseVector, offset: number): RangeError {
  if (!Number.isFinite(offset)) return new RangeError(`${where}: offset is ${offset}; it must be a finite number`);
  for (const [feature, value] of x) {
    if (!Number.isFinite(value)) {
      return new RangeError(`${where}: feature "${feature}" has value ${value}; feature values must be finite numbers`);
    }
  }
  return new RangeError(`${where}: the score overflowed to a non-finite value; check feature magnitudes`);
}

/** The feature of largest magnitude, for error messages (off the hot path). */
function largestFeature(x: SparseVector): string {
  let name = '';
  let largest = -1;
  for (const [feature, value] of x) {
    if (Math.abs(value) > largest) {
      largest = Math.abs(value);
      name = feature;
    }
  }
  return largest < 0 ? 'no features' : `largest: "${name}" = ${largest}`;
}
