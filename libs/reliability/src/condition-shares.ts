import type { ClassPosterior, LabelClass } from './judgment-class';
import { ReliabilityInputError } from './reliability-input.error';

/**
 * How a signal's constructedness is read when it is split between the condition-free model and its condition's
 * deviation: `label` — all or nothing, by the signal's decided class (unknown counts as not constructed); `posterior`
 * — by P(constructed).
 */
export const CONDITION_SPLITS = ['label', 'posterior'] as const;
export type ConditionSplit = (typeof CONDITION_SPLITS)[number];

/** Multipliers of a judgment's weight in the two layers of a model with per-condition deviations. */
export interface ConditionShares {
  /** The condition-free model's: 1 − (1 − constructedWeight)·c. */
  readonly generalised: number;
  /** The condition's deviation's: c (0: the deviation does not learn the judgment). */
  readonly withinCondition: number;
}

/**
 * Issue #15: "a constructed preference counts within its own condition and is not generalised across conditions".
 * With c the signal's constructedness (1 when its label is constructed, else 0; or P(constructed)):
 *
 *   generalised     = 1 − (1 − constructedWeight)·c   — the condition-free model learns a constructed signal at the
 *                                                      constructed class weight (0.25 by default), the weight it
 *                                                      already has in w_signal, and the other classes as before;
 *   withinCondition = c                              — the condition's deviation learns it at full weight.
 *
 * The non-attitude and genuine parts are untouched: a non-attitude is down-weighted by the reliability weight where
 * that is on, and a genuine preference belongs to every condition.
 *
 * @throws ReliabilityInputError when constructedWeight is not in [0, 1] or the split is unknown.
 */
export function conditionShares(posterior: ClassPosterior, label: LabelClass | 'unknown', split: ConditionSplit, constructedWeight: number): ConditionShares {
  if (!(constructedWeight >= 0 && constructedWeight <= 1)) throw new ReliabilityInputError(`conditionShares: constructedWeight is ${constructedWeight}; it must lie in [0, 1]`);
  let c: number;
  if (split === 'label') c = label === 'constructed' ? 1 : 0;
  else if (split === 'posterior') c = posterior.constructed;
  else throw new ReliabilityInputError(`conditionShares: split is ${JSON.stringify(split)}; expected one of ${CONDITION_SPLITS.join(', ')}`);
  return { generalised: 1 - (1 - constructedWeight) * c, withinCondition: c };
}
