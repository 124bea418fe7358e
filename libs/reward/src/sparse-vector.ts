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
 * An immutable SparseVector that also keeps its entries as two parallel arrays. The models' per-event loops index those
 * arrays: iterating a Map allocates an iterator and an entry array per step in V8, and that garbage, not the
 * arithmetic, dominated an update. Item vectors are built once and reused for every event about the item.
 */
export class FeatureVector extends Map<string, number> {
  // Private, so a FeatureVector still compares equal to a Map with the same entries.
  readonly #names: readonly string[];
  readonly #values: readonly number[];

  constructor(entries: Iterable<readonly [string, number]> = []) {
    super();
    for (const [feature, value] of entries) super.set(feature, value);
    this.#names = [...super.keys()];
    this.#values = [...super.values()];
  }

  /** Feature names, in insertion order. */
  get featureNames(): readonly string[] {
    return this.#names;
  }

  /** Feature values, aligned with featureNames. */
  get featureValues(): readonly number[] {
    return this.#values;
  }

  override set(feature: string, _value?: number): this {
    throw new TypeError(`FeatureVector is immutable (setting "${feature}"); build a new one`);
  }

  override delete(feature: string): boolean {
    throw new TypeError(`FeatureVector is immutable (deleting "${feature}"); build a new one`);
  }

  override clear(): void {
    throw new TypeError('FeatureVector is immutable; build a new one');
  }
}

/** `x` as a FeatureVector: itself when it is one (no copy), else a copy. */
export function featureVector(x: SparseVector): FeatureVector {
  return x instanceof FeatureVector ? x : new FeatureVector(x);
}

/**
 * Sparse difference a − b. Entries that come out exactly 0 are dropped, so a feature shared by two items with the same
 * value (e.g. `bias`) does not appear in a pairwise difference and the model does not even look it up.
 *
 * @throws RangeError when a value in either vector is not finite.
 */
export function subtract(a: SparseVector, b: SparseVector): FeatureVector {
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
  return new FeatureVector(out);
}

/** Throws a RangeError naming the feature when a sparse value is NaN or ±Infinity. */
export function assertFiniteFeatureValue(feature: string, value: number, where: string): void {
  if (!Number.isFinite(value)) {
    throw new RangeError(`${where}: feature "${feature}" has value ${value}; feature values must be finite numbers`);
  }
}
