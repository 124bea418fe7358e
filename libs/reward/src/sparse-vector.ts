/**
 * A sparse feature vector: feature name → value. Absent features are 0.
 *
 * Feature naming used across Chorus:
 * - `bias` — always 1 (the intercept; in a user deviation it is the user's general readiness to like);
 * - `cat:<category>` — the item's weight on a category (weights of one item sum to 1);
 * - `stance` — the item's stance in [−1, 1], when known;
 * - `dense:<k>` — the k-th optional dense feature;
 * - `item:<itemId>` — one-hot per-item intercept; used by the aggregate model only.
 */
export type SparseVector = ReadonlyMap<string, number>;

/**
 * Sparse difference a − b. Entries that come out exactly 0 are dropped, so a feature shared by two items with the same
 * value (e.g. `bias`) does not appear in a pairwise difference and the model does not even look it up.
 *
 * @throws RangeError when a value in either vector is not finite.
 */
export function subtract(a: SparseVector, b: SparseVector): Map<string, number> {
  const out = new Map<string, number>();
  for (const [feature, value] of a) {
    assertFiniteFeatureValue(feature, value, 'subtract(a, b): a');
    if (value !== 0) out.set(feature, value);
  }
  for (const [feature, value] of b) {
    assertFiniteFeatureValue(feature, value, 'subtract(a, b): b');
    const difference = (out.get(feature) ?? 0) - value;
    if (difference === 0) out.delete(feature);
    else out.set(feature, difference);
  }
  return out;
}

/** Throws a RangeError naming the feature when a sparse value is NaN or ±Infinity. */
export function assertFiniteFeatureValue(feature: string, value: number, where: string): void {
  if (!Number.isFinite(value)) {
    throw new RangeError(`${where}: feature "${feature}" has value ${value}; feature values must be finite numbers`);
  }
}
