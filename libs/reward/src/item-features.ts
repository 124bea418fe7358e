import { FeatureVector, type SparseVector } from './sparse-vector';

/** What the reward models know about an item. */
export interface ItemDescriptor {
  /** Category → non-negative weight. Renormalised to sum 1 by {@link itemFeatures}; the sum must be positive. */
  categories: Readonly<Record<string, number>>;
  /** The item's stance in [−1, 1], when known. */
  stance?: number;
  /** Optional dense features; the k-th becomes `dense:<k>`. */
  dense?: readonly number[];
}

/**
 * Item features φ(i) as in DESIGN §4, without the per-item intercept:
 * `bias` = 1, `cat:<c>` = w_c / Σ_c' w_c' for every category with w_c > 0, `stance` if present, `dense:<k>` if present.
 * Zero-valued entries (a zero category weight, stance 0, a zero dense value) are omitted: absent means 0 and keeps the
 * vector, and the model state it touches, sparse.
 *
 * Categories are renormalised so an item tagged with three genres weighs each at 1/3 instead of counting three times:
 * the category part of the score is then a weighted average of category weights, comparable across items.
 *
 * @throws Error naming the item field and the offending value when a category weight is negative or not finite, when
 *   the weights do not have a positive sum, when stance is outside [−1, 1] or a dense value is not finite.
 */
export function itemFeatures(item: ItemDescriptor): FeatureVector {
  const names = Object.keys(item.categories);
  let total = 0;
  for (const name of names) {
    const weight = item.categories[name]!;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new Error(
        `itemFeatures: category "${name}" has weight ${String(weight)}; category weights must be finite and ≥ 0`,
      );
    }
    total += weight;
  }
  if (!(total > 0) || !Number.isFinite(total)) {
    throw new Error(
      `itemFeatures: category weights sum to ${total}; an item needs at least one category with a positive weight`,
    );
  }

  const phi: [string, number][] = [['bias', 1]];
  for (const name of names) {
    const weight = item.categories[name]!;
    // Zero weights are dropped so the vector stays sparse and a zero never creates model state.
    if (weight > 0) phi.push([`cat:${name}`, weight / total]);
  }
  if (item.stance !== undefined) {
    const stance = item.stance;
    if (typeof stance !== 'number' || !Number.isFinite(stance) || stance < -1 || stance > 1) {
      throw new Error(`itemFeatures: stance is ${String(stance)}; stance must be a finite number in [-1, 1]`);
    }
    if (stance !== 0) phi.push(['stance', stance]);
  }
  if (item.dense !== undefined) {
    item.dense.forEach((value, k) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new Error(`itemFeatures: dense[${k}] is ${String(value)}; dense features must be finite numbers`);
      }
      if (value !== 0) phi.push([`dense:${k}`, value]);
    });
  }
  return new FeatureVector(phi);
}

/**
 * φ(i) plus the one-hot per-item intercept `item:<itemId>` = 1 (the aggregate's "verdict on the item itself, beyond its
 * categories", DESIGN §4). Returns a new map; `phi` is not modified.
 *
 * @throws Error when itemId is empty.
 */
export function withItemIntercept(phi: SparseVector, itemId: string): FeatureVector {
  if (typeof itemId !== 'string' || itemId.length === 0) {
    throw new Error(`withItemIntercept: itemId is ${JSON.stringify(itemId)}; it must be a non-empty string`);
  }
  return new FeatureVector([...phi, [itemIntercept(itemId), 1]]);
}

/** Prefix of the per-item intercept features; user deviations never carry these. */
export const ITEM_FEATURE_PREFIX = 'item:';

function itemIntercept(itemId: string): string {
  return ITEM_FEATURE_PREFIX + itemId;
}
