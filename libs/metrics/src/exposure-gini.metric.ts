import { MetricInputError } from './metric-input.error';
import { requireFinite, requireInteger } from './metric-input.guard';
import { invalidState, readArray, readFiniteNumber, readStateRecord } from './metric-state.guard';

/**
 * Batch Gini coefficient of non-negative values with the sorted formula (x_(1) ≤ … ≤ x_(n), i from 1):
 *
 *   G = Σ_i (2i − n − 1) x_(i) / (n Σ_i x_i)   =   Σ_i Σ_j |x_i − x_j| / (2 n Σ_i x_i)   ∈ [0, 1 − 1/n].
 *
 * `undefined` when n = 0 or every value is 0 (no exposures: concentration is not defined). O(n log n).
 * Reference: Gini 1912; the sorted form e.g. in Damgaard & Weiner 2000.
 */
export function giniCoefficient(values: ArrayLike<number>): number | undefined {
  const sorted = Float64Array.from({ length: values.length }, (_, i) => {
    const x = requireFinite(values[i] as number, `values[${i}]`);
    if (x < 0) throw new MetricInputError('METRICS.OUT_OF_RANGE', `values[${i}] must be ≥ 0, got ${x}`);
    return x;
  }).sort();
  const n = sorted.length;
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += sorted[i] as number;
    weighted += (2 * (i + 1) - n - 1) * (sorted[i] as number);
  }
  return n === 0 || total === 0 ? undefined : weighted / (n * total);
}

export interface ExposureGiniOptions {
  /**
   * Items in the catalogue. Items never exposed count as zeros, so concentration on a few items out of many shows:
   * the population is n = max(catalogueSize, items with ≥ 1 exposure). Omit it (0) to measure only exposed items.
   */
  readonly catalogueSize?: number;
}

export interface ExposureGiniState {
  readonly kind: 'exposure-gini';
  readonly version: 1;
  readonly catalogueSize: number;
  /** [itemId, exposure count ≥ 1] pairs; D and the block index are derived on restore. */
  readonly counts: Array<[string, number]>;
}

/**
 * Exposure Gini over items, kept incrementally as exposures arrive (and optionally leave, for sliding windows).
 *
 * It maintains the pairwise-difference sum D = Σ_{i<j} |x_i − x_j| so that G = D / (n Σx) (same value as
 * {@link giniCoefficient}). When one item's count moves c → c+1, every other item j changes |x − x_j| by +1 if
 * x_j ≤ c and −1 otherwise, so ΔD = #{j ≠ i : x_j ≤ c} − #{j : x_j > c} = (n − 1) − 2·A(c), where A(t) = #{j : x_j > t}
 * is the tail of the count histogram; symmetrically c → c−1 gives ΔD = (n − 1) − 2·#{j ≠ i : x_j < c} with
 * #{j ≠ i : x_j < c} = n − A(c − 1). The move itself changes A at exactly one point (A(c) gains the item, or A(c − 1)
 * loses it), so both the update and the read are O(1) without sorting or searching: one lookup of the item's interned
 * slot, then typed-array reads and writes. Memory: a slot per item exposed, and A up to the largest count (4 bytes per
 * unit, so at most 4 bytes per exposure recorded). Counts are integers and D is exact while it stays below 2^53
 * (n² · max count ≲ 9e15), so the value does not depend on the order of updates.
 *
 * Reference: Gini 1912; used as an exposure-concentration measure in recommender evaluation, e.g. Fleder & Hosanagar
 * 2009 and Chaney et al. 2018.
 */
export class ExposureGini {
  private catalogue: number;
  /** Item id → slot in `counts` (kept when a count falls back to 0, so a returning item reuses its slot). */
  private readonly slots = new Map<string, number>();
  /** Slot → item id, in order of first exposure (the stored row's order). */
  private readonly names: string[] = [];
  /** Per slot: the item's exposure count (0 after it was removed down to nothing). */
  private counts = new Float64Array(64);
  /** A(t) = items with count > t, for t < above.length (beyond it, 0). */
  private above = new Int32Array(64);
  /** Items with a positive count. */
  private positives = 0;
  private total = 0;
  private pairwiseSum = 0;

  constructor(options: ExposureGiniOptions = {}) {
    this.catalogue = requireInteger(options.catalogueSize ?? 0, 'catalogueSize', 0);
  }

  /** n: items in the population (exposed items, or the catalogue size if larger). */
  get itemCount(): number {
    return Math.max(this.catalogue, this.positives);
  }

  /** Σx: exposures recorded (net of removals). */
  get totalExposures(): number {
    return this.total;
  }

  /** G ∈ [0, 1 − 1/n], or `undefined` while there are no exposures. O(1). */
  get value(): number | undefined {
    const n = this.itemCount;
    return n === 0 || this.total === 0 ? undefined : this.pairwiseSum / (n * this.total);
  }

  /** The exposure count of one item (0 if never exposed). */
  countOf(itemId: string): number {
    const slot = this.slots.get(itemId);
    return slot === undefined ? 0 : (this.counts[slot] as number);
  }

  /** Records `times` (default 1) exposures of `itemId`. O(times). */
  record(itemId: string, times = 1): void {
    requireItemId(itemId);
    requireInteger(times, 'times', 1, Number.MAX_SAFE_INTEGER, 'METRICS.OUT_OF_RANGE');
    const slot = this.slotOf(itemId);
    for (let t = 0; t < times; t++) this.increment(slot);
  }

  /**
   * Removes `times` exposures of `itemId` (e.g. when they fall out of a sliding window). Throws a `RangeError` if the
   * item has fewer exposures than that, before changing anything.
   */
  remove(itemId: string, times = 1): void {
    requireItemId(itemId);
    requireInteger(times, 'times', 1, Number.MAX_SAFE_INTEGER, 'METRICS.OUT_OF_RANGE');
    const have = this.countOf(itemId);
    if (have < times) {
      throw new MetricInputError(
        'METRICS.UNKNOWN_REMOVAL',
        `cannot remove ${times} exposure(s) of item ${JSON.stringify(itemId)}: only ${have} recorded; remove only what was recorded`,
      );
    }
    const slot = this.slots.get(itemId) as number;
    for (let t = 0; t < times; t++) this.decrement(slot);
  }

  /**
   * Changes the catalogue size (items added to or retired from the catalogue). Zero-count items joining or leaving
   * change D by Σx each, so this is O(1).
   */
  setCatalogueSize(catalogueSize: number): void {
    requireInteger(catalogueSize, 'catalogueSize', 0);
    const before = this.itemCount;
    this.catalogue = catalogueSize;
    this.pairwiseSum += (this.itemCount - before) * this.total;
  }

  private slotOf(itemId: string): number {
    let slot = this.slots.get(itemId);
    if (slot === undefined) {
      slot = this.names.length;
      this.names.push(itemId);
      this.slots.set(itemId, slot);
      if (slot >= this.counts.length) {
        const grown = new Float64Array(this.counts.length * 2);
        grown.set(this.counts);
        this.counts = grown;
      }
    }
    return slot;
  }

  private increment(slot: number): void {
    const c = this.counts[slot] as number;
    if (c === 0) {
      // A never-exposed item: one of the catalogue's zeros if any are left, else a new zero joins the population
      // (its distance to everyone is their count, so D grows by Σx) before it moves 0 → 1.
      if (this.positives >= this.catalogue) this.pairwiseSum += this.total;
      this.positives += 1;
    }
    const n = this.itemCount;
    if (c + 1 >= this.above.length) this.growAbove(c + 2);
    this.pairwiseSum += n - 1 - 2 * (this.above[c] as number);
    this.above[c] = (this.above[c] as number) + 1;
    this.counts[slot] = c + 1;
    this.total += 1;
  }

  private decrement(slot: number): void {
    const c = this.counts[slot] as number;
    const n = this.itemCount;
    // Others strictly below c: the n items minus those at c or above (A(c − 1), the item itself included).
    const othersBelow = n - (this.above[c - 1] as number);
    this.pairwiseSum += n - 1 - 2 * othersBelow;
    this.above[c - 1] = (this.above[c - 1] as number) - 1;
    this.counts[slot] = c - 1;
    this.total -= 1;
    if (c - 1 > 0) return;
    // If it was not one of the catalogue's items (the population shrinks), its zero leaves: D loses Σx.
    if (this.positives > this.catalogue) this.pairwiseSum -= this.total;
    this.positives -= 1;
  }

  private growAbove(length: number): void {
    let size = this.above.length;
    while (size < length) size *= 2;
    const grown = new Int32Array(size);
    grown.set(this.above);
    this.above = grown;
  }

  toJSON(): ExposureGiniState {
    const counts: Array<[string, number]> = [];
    for (let slot = 0; slot < this.names.length; slot++) {
      const count = this.counts[slot] as number;
      if (count > 0) counts.push([this.names[slot] as string, count]);
    }
    // In item order, not slot order: slots follow the history of exposures (an item whose count fell to 0 keeps its
    // slot here but gets a new one after a restore), and the state must be a function of the counts alone, so that a
    // restarted drift-watch writes the very row an uninterrupted one does.
    counts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { kind: 'exposure-gini', version: 1, catalogueSize: this.catalogue, counts };
  }

  static fromJSON(state: unknown): ExposureGini {
    const kind = 'exposure-gini';
    const record = readStateRecord(state, kind, 1);
    const gini = new ExposureGini({ catalogueSize: readFiniteNumber(record, kind, 'catalogueSize') });
    const entries = readArray(record, kind, 'counts').map((entry, k) => {
      if (
        !Array.isArray(entry) ||
        entry.length !== 2 ||
        typeof entry[0] !== 'string' ||
        !Number.isInteger(entry[1]) ||
        (entry[1] as number) < 1
      ) {
        throw invalidState(kind, `counts[${k}] must be [itemId, integer count ≥ 1]`);
      }
      return entry as [string, number];
    });
    let largest = 0;
    for (const [item, count] of entries) {
      if (gini.slots.has(item)) throw invalidState(kind, `item ${JSON.stringify(item)} appears twice`);
      gini.counts[gini.slotOf(item)] = count;
      gini.positives += 1;
      gini.total += count;
      if (count > largest) largest = count;
    }
    // A from the histogram (a suffix sum), and D from the sorted formula over x ascending, zeros first:
    // D = Σ_i (2i − n − 1) x_(i). Sorting a copy leaves the row's order (and so toJSON) as stored.
    gini.growAbove(largest + 2);
    for (const [, count] of entries) gini.above[count - 1] = (gini.above[count - 1] as number) + 1;
    for (let t = largest - 1; t >= 0; t--) gini.above[t] = (gini.above[t] as number) + (gini.above[t + 1] as number);
    const descending = entries.map(([, count]) => count).sort((a, b) => b - a);
    const n = gini.itemCount;
    let d = 0;
    for (let k = 0; k < descending.length; k++) {
      const rankAscending = n - k; // descending index k → ascending rank n − k (1-based)
      d += (2 * rankAscending - n - 1) * (descending[k] as number);
    }
    gini.pairwiseSum = d;
    return gini;
  }
}

function requireItemId(itemId: string): void {
  if (typeof itemId !== 'string') {
    throw new MetricInputError('METRICS.OUT_OF_RANGE', `itemId must be a string, got ${typeof itemId}`);
  }
}
