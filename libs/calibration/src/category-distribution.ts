import { CalibrationInputError } from './calibration-input.error';

/**
 * A distribution over categories (genres, topics): category name → probability. Used for p(g|i) (an item's
 * categories), p(g|u) (a user's profile) and p₀ (a diversity prior). Values are finite, ≥ 0 and sum to 1.
 */
export type CategoryDistribution = Readonly<Record<string, number>>;

/**
 * The weight of `category` in `distribution`, 0 when it has none. Own entries only: category names come from the
 * catalogue, and `distribution.constructor` of a plain object is Object, not a weight.
 */
export function weightOf(distribution: Readonly<Record<string, number>>, category: string): number {
  return Object.prototype.hasOwnProperty.call(distribution, category) ? distribution[category]! : 0;
}

/** A new, empty category → number map without a prototype, so any category name is an ordinary key. */
export function emptyCategoryMap(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

/** Absolute tolerance on |Σ weights − 1| when a distribution is validated. */
export const DISTRIBUTION_SUM_TOLERANCE = 1e-6;

/** One item of a user's history, weighted (e.g. by rating, recency decay or play count); `weight` defaults to 1. */
export interface CategoryHistoryEntry {
  readonly categories: CategoryDistribution;
  readonly weight?: number;
}

/**
 * Validates `distribution` as a probability distribution over categories and returns its entries divided by their
 * sum (so a sum within {@link DISTRIBUTION_SUM_TOLERANCE} of 1 becomes exactly 1 up to rounding). Entries with weight 0
 * are dropped. `label` names the value in error messages, e.g. `candidates[3] (id "m42") categories`.
 */
export function normalisedCategoryDistribution(distribution: unknown, label: string): Record<string, number> {
  const sum = validatedWeightSum(distribution, label);
  const normalised = emptyCategoryMap();
  for (const [category, weight] of Object.entries(distribution as Record<string, number>)) {
    if (weight > 0) normalised[category] = weight / sum;
  }
  return normalised;
}

/**
 * Validates `distribution` like {@link normalisedCategoryDistribution} but only returns the sum of its weights, so a
 * hot path can normalise on the fly without allocating a copy.
 */
export function validatedWeightSum(distribution: unknown, label: string): number {
  if (distribution === null || typeof distribution !== 'object' || Array.isArray(distribution)) {
    throw new CalibrationInputError(
      `${label} must be an object mapping category → probability (e.g. { Drama: 0.7, Documentary: 0.3 }); got ${describeValue(distribution)}.`,
    );
  }
  const weights = distribution as Record<string, unknown>;
  let sum = 0;
  for (const category in weights) {
    if (!Object.prototype.hasOwnProperty.call(weights, category)) continue;
    const weight = weights[category];
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new CalibrationInputError(
        `${label}: category "${category}" has weight ${describeValue(weight)}; weights must be finite numbers ≥ 0.`,
      );
    }
    sum += weight;
  }
  if (!(Math.abs(sum - 1) <= DISTRIBUTION_SUM_TOLERANCE)) {
    throw new CalibrationInputError(
      `${label} must sum to 1 (±${DISTRIBUTION_SUM_TOLERANCE}); it sums to ${sum}. ` +
        'Normalise the weights (divide each by their sum), e.g. with uniformCategoryDistribution() or categoryDistribution().',
    );
  }
  return sum;
}

/**
 * p(g|i) spread uniformly over an item's categories: 1/|categories| each (Steck 2018 §2 does this for MovieLens
 * genres). Duplicates count once.
 *
 * @example uniformCategoryDistribution(['Drama', 'War']) // → { Drama: 0.5, War: 0.5 }
 */
export function uniformCategoryDistribution(categories: readonly string[]): Record<string, number> {
  const unique = [...new Set(categories)];
  if (unique.length === 0) {
    throw new CalibrationInputError(
      'uniformCategoryDistribution needs at least one category; give uncategorised items an explicit category such as "(no genres listed)".',
    );
  }
  const distribution = emptyCategoryMap();
  for (const category of unique) distribution[category] = 1 / unique.length;
  return distribution;
}

/**
 * A user's category profile from their history (Steck 2018, eq. 1):
 *
 *   p(g|u) = Σ_{i∈H} w_{u,i} · p(g|i) / Σ_{i∈H} w_{u,i}
 *
 * i.e. the weighted mean of the history items' category distributions. Each item's `categories` must itself be a
 * distribution (sum to 1); `weight` defaults to 1 and must be finite and ≥ 0 with a positive total.
 *
 * @example categoryDistribution([{ categories: { Drama: 1 }, weight: 7 }, { categories: { Documentary: 1 }, weight: 3 }])
 *          // → { Drama: 0.7, Documentary: 0.3 }
 *
 * Reference: H. Steck, "Calibrated Recommendations", RecSys 2018, doi 10.1145/3240323.3240372.
 */
export function categoryDistribution(history: readonly CategoryHistoryEntry[]): Record<string, number> {
  if (!Array.isArray(history) || history.length === 0) {
    throw new CalibrationInputError(
      'categoryDistribution needs a non-empty history; a user without history has no profile — use the population distribution (or a prior) instead.',
    );
  }
  const mass = emptyCategoryMap();
  let totalWeight = 0;
  history.forEach((entry, position) => {
    const weight = entry?.weight ?? 1;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new CalibrationInputError(
        `history[${position}].weight must be a finite number ≥ 0 (omit it for 1); got ${describeValue(weight)}.`,
      );
    }
    const categories = normalisedCategoryDistribution(entry?.categories, `history[${position}].categories`);
    totalWeight += weight;
    if (weight === 0) return;
    for (const category of Object.keys(categories)) {
      mass[category] = weightOf(mass, category) + weight * categories[category]!;
    }
  });
  if (!(totalWeight > 0)) {
    throw new CalibrationInputError(
      'categoryDistribution: the history weights sum to 0; give at least one item a positive weight.',
    );
  }
  for (const category of Object.keys(mass)) mass[category] = mass[category] / totalWeight;
  return mass;
}

/** Renders a value for an error message (NaN, undefined and objects stay readable). */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
