/**
 * Feature names interned to small integers, shared by every model in the process: a feature has the same index in
 * the aggregate and in every user's posterior, so a posterior stores indices (numbers in its own state array) instead
 * of a Map from names, and an item's vector resolves its names once for all the users who see the item
 * ({@link FeatureVector.featureIndices}). Issue #13: a user model must cost little to build and to hold at a million
 * users, and a Map per posterior was most of what a new user cost.
 *
 * Names are interned only when a model stores a feature (an update, a restore), never when one is merely read, so
 * the dictionary holds the features some posterior has held: the catalogue's categories, stances, dense features and
 * item intercepts. It never shrinks (an index must stay valid for every posterior that holds it).
 */
export class FeatureDictionary {
  private readonly indexOf = new Map<string, number>();
  private readonly names: string[] = [];

  /** The index of a feature, interning it when new. */
  intern(feature: string): number {
    let index = this.indexOf.get(feature);
    if (index === undefined) {
      index = this.names.length;
      this.names.push(feature);
      this.indexOf.set(feature, index);
    }
    return index;
  }

  /** The index of a feature some model has stored, or −1 (nothing is interned). */
  find(feature: string): number {
    return this.indexOf.get(feature) ?? -1;
  }

  /** The name behind an index. */
  name(index: number): string {
    return this.names[index]!;
  }

  /** Features interned so far (indices are 0 … size − 1). */
  get size(): number {
    return this.names.length;
  }
}

/** The process's feature dictionary: every DiagonalGaussianLogistic stores its features by their index here. */
export const FEATURES = new FeatureDictionary();
