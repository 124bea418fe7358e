import { DiagonalGaussianLogistic, PreparedUpdate, type DiagonalGaussianLogisticJSON } from './diagonal-gaussian-logistic';
import type { SparseVector } from './sparse-vector';

/** Options of {@link ConditionDeviations}. */
export interface ConditionDeviationOptions {
  /** κ²: prior variance of every weight of a condition's deviation d_{u,c} ~ N(0, κ²) (> 0). */
  readonly priorVariance: number;
  /**
   * Conditions one user keeps a deviation for. A condition is a client's framing id, so the vocabulary is the client's;
   * the cap bounds the user's row whatever the client sends. A condition beyond it is not learned (its signals still
   * reach the condition-free model at their reduced weight) and is scored with the condition-free model alone.
   */
  readonly maxConditions: number;
}

// update()'s plan (synchronous, never re-entered).
const scratch = new PreparedUpdate();

export const DEFAULT_CONDITION_DEVIATION_OPTIONS: ConditionDeviationOptions = { priorVariance: 1, maxConditions: 16 };

/**
 * Serialised deviations: the κ² they were learned under (so a reader needs no configuration to score with them, and a
 * changed LEARNER_CONDITION_PRIOR_VARIANCE applies to new deviations only) and, per condition, its posterior.
 */
export interface ConditionDeviationsJSON {
  readonly priorVariance: number;
  readonly conditions: { readonly [condition: string]: DiagonalGaussianLogisticJSON };
  /**
   * [observations split, Σ the share of their weight the condition-free model kept] (see {@link recordSplit}): what the
   * model read reports as the user's effective weight. Absent on rows written before it (read as [0, 0]).
   */
  readonly split?: readonly [observations: number, generalised: number];
}

/**
 * A user's per-condition deviations (issue #15: "a constructed preference counts within its own condition and is not
 * generalised across conditions"). Under a condition c (a framing) the user's score is
 *
 *   r_{u,c}(i) = r_u(i) + d_{u,c}·φ(i),   d_{u,c} ~ N(0, κ²) diagonal,
 *
 * r_u the condition-free personalized score (aggregate + the user's deviation). d_{u,c} is one more
 * DiagonalGaussianLogistic layer on the same features as the user's deviation, learning with r_u as its offset, exactly
 * as the user's deviation learns with the aggregate's score as its offset (personalized-reward.ts): it learns what the
 * condition-free model gets wrong *under c only*. Without a condition, or under a condition never learned, the score
 * is r_u alone — a preference constructed under one framing does not move the scores of others.
 *
 * What a signal teaches which layer (a constructed signal the deviation at full weight, the condition-free model at
 * its reduced weight) is the caller's choice: see conditionShares in @chorus/reliability.
 */
export class ConditionDeviations {
  private readonly byCondition = new Map<string, DiagonalGaussianLogistic>();
  /** A new condition's deviation between prepareUpdate and commitUpdate. */
  private pending: { condition: string; deviation: DiagonalGaussianLogistic } | undefined;
  private splitCount = 0;
  private generalisedSum = 0;

  constructor(readonly options: ConditionDeviationOptions = DEFAULT_CONDITION_DEVIATION_OPTIONS) {
    checkConditionDeviationOptions(options);
  }

  /** Conditions with a deviation. */
  get size(): number {
    return this.byCondition.size;
  }

  conditions(): IterableIterator<string> {
    return this.byCondition.keys();
  }

  /** d_{u,c}, undefined for a condition never learned. */
  deviation(condition: string): DiagonalGaussianLogistic | undefined {
    return this.byCondition.get(condition);
  }

  /** offset + d_{u,c}·x; `offset` alone without a condition or for one never learned. */
  logit(condition: string | undefined, x: SparseVector, offset = 0): number {
    const deviation = condition === undefined ? undefined : this.byCondition.get(condition);
    return deviation === undefined ? offset : deviation.logit(x, offset);
  }

  /**
   * d_{u,c} learns (x, y) with weight c > 0 around `offset` (the condition-free score r_u, taken before that model
   * learned the event, so the update is prequential like the others). Returns the score before the update, or
   * undefined when the condition is new and the user already has maxConditions (nothing learned).
   *
   * @throws RangeError on an empty condition or what DiagonalGaussianLogistic.update refuses, before any state changes.
   */
  update(condition: string, x: SparseVector, y: number, weight: number, offset: number): number | undefined {
    const before = this.prepareUpdate(condition, x, y, weight, offset, scratch);
    if (before !== undefined) this.commitUpdate(scratch);
    return before;
  }

  /**
   * The first half of {@link update}: computes it into `plan` and changes nothing (a new condition's deviation is
   * kept only when its plan is committed). Preparing again replaces the plan. Whether a step is finite does not
   * depend on the offset (its mean moves by α·v∘x with |α| ≤ c, its precision by c·x²·p(1 − p) ≤ c·x²/4), so a plan
   * prepared at one finite offset says whether it can be committed at any other.
   */
  prepareUpdate(condition: string, x: SparseVector, y: number, weight: number, offset: number, plan: PreparedUpdate): number | undefined {
    if (typeof condition !== 'string' || condition.length === 0) {
      throw new RangeError(`ConditionDeviations.update: condition is ${JSON.stringify(condition)}; it must be a non-empty string (a framing id)`);
    }
    let deviation = this.byCondition.get(condition);
    this.pending = undefined;
    if (deviation === undefined) {
      if (this.byCondition.size >= this.options.maxConditions) return undefined;
      deviation = new DiagonalGaussianLogistic({ priorVariance: this.options.priorVariance });
      const before = deviation.prepareUpdate(x, y, weight, offset, plan);
      this.pending = { condition, deviation };
      return before;
    }
    return deviation.prepareUpdate(x, y, weight, offset, plan);
  }

  /** Writes a plan {@link prepareUpdate} made (a new condition's deviation joins the user's here). */
  commitUpdate(plan: PreparedUpdate): void {
    const owner = plan.owner;
    if (owner === undefined) throw new RangeError('ConditionDeviations.commitUpdate: the plan was not prepared, or was already written (call prepareUpdate first)');
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined && owner === pending.deviation) this.byCondition.set(pending.condition, pending.deviation);
    owner.commitUpdate(plan);
  }

  /**
   * Counts one observation split between the condition-free model and a condition's deviation, of which the
   * condition-free model kept the share `generalised` ∈ [0, 1] of its weight (whether or not the deviation could learn).
   */
  recordSplit(generalised: number): void {
    if (!(generalised >= 0 && generalised <= 1)) throw new RangeError(`ConditionDeviations.recordSplit: generalised is ${generalised}; it must lie in [0, 1]`);
    this.splitCount++;
    this.generalisedSum += generalised;
  }

  /** [observations split, Σ generalised shares]. */
  get split(): readonly [number, number] {
    return [this.splitCount, this.generalisedSum];
  }

  /** Exact state (doubles round-trip through JSON); conditions in the order they were first learned. */
  toJSON(): ConditionDeviationsJSON {
    // No prototype: a framing id is client text, and "__proto__" is one.
    const conditions: Record<string, DiagonalGaussianLogisticJSON> = Object.create(null);
    for (const [condition, deviation] of this.byCondition) conditions[condition] = deviation.toJSON();
    return { priorVariance: this.options.priorVariance, conditions, split: [this.splitCount, this.generalisedSum] };
  }

  /**
   * The deviations as stored, under the κ² they were learned under (`maxConditions` from `maxConditions`). A cap
   * lowered since the row was written keeps the stored deviations (they are the user's) and adds none.
   *
   * @throws RangeError when the κ² or a posterior is one the constructor or DiagonalGaussianLogistic.fromJSON refuses.
   */
  static fromJSON(json: ConditionDeviationsJSON, maxConditions = DEFAULT_CONDITION_DEVIATION_OPTIONS.maxConditions): ConditionDeviations {
    const deviations = new ConditionDeviations({ priorVariance: json.priorVariance, maxConditions });
    for (const condition of Object.keys(json.conditions)) {
      deviations.byCondition.set(condition, DiagonalGaussianLogistic.fromJSON(json.conditions[condition]!, { priorVariance: json.priorVariance }));
    }
    [deviations.splitCount, deviations.generalisedSum] = json.split ?? [0, 0];
    return deviations;
  }
}

/** @throws RangeError naming the option and what it must be. */
export function checkConditionDeviationOptions(options: ConditionDeviationOptions): void {
  const { priorVariance, maxConditions } = options;
  if (typeof priorVariance !== 'number' || !Number.isFinite(priorVariance) || priorVariance <= 0) {
    throw new RangeError(`ConditionDeviations: priorVariance is ${String(priorVariance)}; it must be a finite number > 0 (κ², the prior variance of a condition's deviation)`);
  }
  if (!Number.isInteger(maxConditions) || maxConditions < 1) {
    throw new RangeError(`ConditionDeviations: maxConditions is ${String(maxConditions)}; it must be an integer ≥ 1`);
  }
}
