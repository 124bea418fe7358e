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
 * x_j ≤ c and −1 otherwise, so ΔD = 2L − (n − 1) with L = #{j ≠ i : x_j ≤ c}; symmetrically for c → c−1.
 * L comes from the positive-count items kept sorted by count in an array of equal-count blocks (the LFU-cache
 * frequency-block trick): an item moving up one swaps to the front of its block, which then becomes the back of the
 * next block, and L is the number of items behind it plus the zero-count items. Every update is O(1) worst case;
 * memory is O(items exposed). Counts are integers and D is exact while it stays below 2^53 (n² · max count ≲ 9e15).
 *
 * Reference: Gini 1912; used as an exposure-concentration measure in recommender evaluation, e.g. Fleder & Hosanagar
 * 2009 and Chaney et al. 2018.
 */
export class ExposureGini {
  private catalogue: number;
  /** Positive-count items, sorted by count descending; `counts[k]` is the count of `items[k]`. */
  private readonly items: string[] = [];
  private readonly counts: number[] = [];
  private readonly position = new Map<string, number>();
  private readonly blockFirst = new Map<number, number>();
  private readonly blockLast = new Map<number, number>();
  private total = 0;
  private pairwiseSum = 0;

  constructor(options: ExposureGiniOptions = {}) {
    this.catalogue = requireInteger(options.catalogueSize ?? 0, 'catalogueSize', 0);
  }

  /** n: items in the population (exposed items, or the catalogue size if larger). */
  get itemCount(): number {
    return Math.max(this.catalogue, this.items.length);
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
    const k = this.position.get(itemId);
    return k === undefined ? 0 : (this.counts[k] as number);
  }

  /** Records `times` (default 1) exposures of `itemId`. O(times). */
  record(itemId: string, times = 1): void {
    requireItemId(itemId);
    requireInteger(times, 'times', 1, Number.MAX_SAFE_INTEGER, 'METRICS.OUT_OF_RANGE');
    for (let t = 0; t < times; t++) this.increment(itemId);
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
    for (let t = 0; t < times; t++) this.decrement(itemId);
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

  private increment(itemId: string): void {
    const k = this.position.get(itemId);
    if (k === undefined) {
      const positives = this.items.length;
      // A never-exposed item: one of the catalogue's zeros if any are left, else a new zero joins the population
      // (its distance to everyone is their count, so D grows by Σx) before it moves 0 → 1.
      if (positives >= this.catalogue) this.pairwiseSum += this.total;
      const n = Math.max(this.catalogue, positives + 1);
      const othersAtOrBelow = n - positives - 1; // the other zeros
      this.pairwiseSum += 2 * othersAtOrBelow - (n - 1);
      this.items.push(itemId);
      this.counts.push(1);
      this.position.set(itemId, positives);
      // Count 1 is the smallest positive count, so its block is always at the end of the descending array.
      if (this.blockLast.has(1)) this.blockLast.set(1, positives);
      else this.setBlock(1, positives, positives);
      this.total += 1;
      return;
    }
    const c = this.counts[k] as number;
    const first = this.blockFirst.get(c) as number;
    this.swap(k, first);
    const n = this.itemCount;
    const othersAtOrBelow = this.items.length - 1 - first + (n - this.items.length);
    this.pairwiseSum += 2 * othersAtOrBelow - (n - 1);
    this.counts[first] = c + 1;
    if (this.blockLast.get(c) === first) this.deleteBlock(c);
    else this.blockFirst.set(c, first + 1);
    // Block c+1, if any, ends right before `first`; the promoted item extends it by one.
    if (this.blockLast.has(c + 1)) this.blockLast.set(c + 1, first);
    else this.setBlock(c + 1, first, first);
    this.total += 1;
  }

  private decrement(itemId: string): void {
    const k = this.position.get(itemId) as number;
    const c = this.counts[k] as number;
    const last = this.blockLast.get(c) as number;
    this.swap(k, last);
    const positives = this.items.length;
    const n = this.itemCount;
    const othersBelow = positives - 1 - last + (n - positives);
    this.pairwiseSum += n - 1 - 2 * othersBelow;
    this.counts[last] = c - 1;
    if (this.blockFirst.get(c) === last) this.deleteBlock(c);
    else this.blockLast.set(c, last - 1);
    this.total -= 1;
    if (c - 1 > 0) {
      if (this.blockFirst.has(c - 1)) this.blockFirst.set(c - 1, last);
      else this.setBlock(c - 1, last, last);
      return;
    }
    // The item is back to zero; count-1 items sit at the end, so it is the last element.
    this.items.pop();
    this.counts.pop();
    this.position.delete(itemId);
    // If it was not one of the catalogue's items (the population shrinks), its zero leaves: D loses Σx.
    if (positives > this.catalogue) this.pairwiseSum -= this.total;
  }

  private swap(a: number, b: number): void {
    if (a === b) return;
    const itemA = this.items[a] as string;
    const itemB = this.items[b] as string;
    this.items[a] = itemB;
    this.items[b] = itemA;
    const countA = this.counts[a] as number;
    this.counts[a] = this.counts[b] as number;
    this.counts[b] = countA;
    this.position.set(itemB, a);
    this.position.set(itemA, b);
  }

  private setBlock(count: number, first: number, last: number): void {
    this.blockFirst.set(count, first);
    this.blockLast.set(count, last);
  }

  private deleteBlock(count: number): void {
    this.blockFirst.delete(count);
    this.blockLast.delete(count);
  }

  toJSON(): ExposureGiniState {
    return {
      kind: 'exposure-gini',
      version: 1,
      catalogueSize: this.catalogue,
      counts: this.items.map((item, k) => [item, this.counts[k] as number]),
    };
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
    entries.sort((a, b) => b[1] - a[1]);
    for (const [item, count] of entries) {
      if (gini.position.has(item)) throw invalidState(kind, `item ${JSON.stringify(item)} appears twice`);
      const k = gini.items.length;
      gini.items.push(item);
      gini.counts.push(count);
      gini.position.set(item, k);
      if (!gini.blockFirst.has(count)) gini.blockFirst.set(count, k);
      gini.blockLast.set(count, k);
      gini.total += count;
    }
    // D from the sorted formula: with x ascending over all n items (zeros first), D = Σ_i (2i − n − 1) x_(i).
    const n = gini.itemCount;
    let d = 0;
    for (let k = 0; k < gini.items.length; k++) {
      const rankAscending = n - k; // descending index k → ascending rank n − k (1-based)
      d += (2 * rankAscending - n - 1) * (gini.counts[k] as number);
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
