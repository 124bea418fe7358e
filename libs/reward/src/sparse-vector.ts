import { FEATURES } from './feature-dictionary';

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
  #names: readonly string[];
  #values: readonly number[];
  /** The names' indices in FEATURES (−1: not interned yet), cached once all have one. */
  #indices: number[] | undefined;
  #indexed = false;

  constructor(entries: Iterable<readonly [string, number]> = []) {
    super();
    for (const [feature, value] of entries) super.set(feature, value);
    this.#names = [...super.keys()];
    this.#values = [...super.values()];
  }

  /** A vector over aligned arrays the caller hands over (names distinct; neither array is touched again). */
  static fromArrays(names: string[], values: number[]): FeatureVector {
    const vector = new FeatureVector();
    for (let k = 0; k < names.length; k++) Map.prototype.set.call(vector, names[k]!, values[k]!);
    vector.#names = names;
    vector.#values = values;
    return vector;
  }

  /** Feature names, in insertion order. */
  get featureNames(): readonly string[] {
    return this.#names;
  }

  /** Feature values, aligned with featureNames. */
  get featureValues(): readonly number[] {
    return this.#values;
  }

  /**
   * The features' indices in {@link FEATURES}, aligned with featureNames; −1 for a name no model has stored yet, unless
   * `intern` (a model about to learn them) interns it. Cached once every name has one, so an item's vector, reused for
   * every event about the item, resolves its names once for all users.
   */
  featureIndices(intern: boolean): readonly number[] {
    if (this.#indexed) return this.#indices!;
    const names = this.#names;
    const indices = (this.#indices ??= new Array<number>(names.length).fill(-1));
    let indexed = true;
    for (let k = 0; k < names.length; k++) {
      if (indices[k]! >= 0) continue;
      const index = intern ? FEATURES.intern(names[k]!) : FEATURES.find(names[k]!);
      indices[k] = index;
      if (index < 0) indexed = false;
    }
    this.#indexed = indexed;
    return indices;
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
  // Built straight into two arrays (a pairwise event builds two differences, so this is on the learner's hot path).
  // Order: a's entries, then b's features that a lacks, as when a Map is filled with a and then corrected by b.
  const av = featureVector(a);
  const bv = featureVector(b);
  const aNames = av.featureNames;
  const aValues = av.featureValues;
  const bNames = bv.featureNames;
  const bValues = bv.featureValues;
  const names: string[] = [];
  const values: number[] = [];
  for (let k = 0; k < aNames.length; k++) {
    const feature = aNames[k]!;
    const value = aValues[k]!;
    assertFiniteFeatureValue(feature, value, 'subtract(a, b): a');
    if (value === 0) continue;
    const difference = value - (bv.get(feature) ?? 0);
    if (difference !== 0) names.push(feature), values.push(difference);
  }
  for (let k = 0; k < bNames.length; k++) {
    const feature = bNames[k]!;
    const value = bValues[k]!;
    assertFiniteFeatureValue(feature, value, 'subtract(a, b): b');
    if (value !== 0 && (av.get(feature) ?? 0) === 0) names.push(feature), values.push(0 - value);
  }
  return FeatureVector.fromArrays(names, values);
}

/** Throws a RangeError naming the feature when a sparse value is NaN or ±Infinity. */
export function assertFiniteFeatureValue(feature: string, value: number, where: string): void {
  if (!Number.isFinite(value)) {
    throw new RangeError(`${where}: feature "${feature}" has value ${value}; feature values must be finite numbers`);
  }
}
