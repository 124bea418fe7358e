import { CalibrationInputError } from './calibration-input.error';
import { OpenAddressTable } from './open-address-table';
import type { ScratchArena } from './scratch-arena';
import { describeValue, DISTRIBUTION_SUM_TOLERANCE, validatedWeightSum, type CategoryDistribution } from './category-distribution';

/** A candidate item: its relevance score s(i) and its category distribution p(g|i). */
export interface RerankCandidate {
  readonly id: string;
  /** Relevance s(i), used as given (not rescaled). DESIGN §6 expects scores normalised to [0,1]; see `calibratedRerank`. */
  readonly score: number;
  /** p(g|i): category → weight, summing to 1 (±1e-6; renormalised exactly before use). */
  readonly categories: CategoryDistribution;
}

/**
 * The target's categories interned once per call, in sorted order, so every sum runs in the same order whatever the
 * key order of the caller's objects (identical distributions then give bit-identical gains).
 */
export interface TargetCategories {
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** p̃_g per category index. */
  readonly mass: Float64Array;
  /** α·p̃_g per category index (the smoothing term of q̃). */
  readonly alphaMass: Float64Array;
}

export function internTargetCategories(target: Readonly<Record<string, number>>, alpha: number): TargetCategories {
  const names = Object.keys(target).sort();
  const index = new Map<string, number>();
  const mass = new Float64Array(names.length);
  const alphaMass = new Float64Array(names.length);
  for (let g = 0; g < names.length; g++) {
    index.set(names[g], g);
    mass[g] = target[names[g]];
    alphaMass[g] = alpha * mass[g];
  }
  return { names, index, mass, alphaMass };
}

/**
 * The validated candidates as typed arrays, with each candidate's target-category weights (renormalised by its own
 * weight sum) laid out as a CSR row sorted by category index: row i is entries rowStart[i] … rowStart[i+1]−1.
 */
export interface CandidateRows {
  readonly count: number;
  readonly ids: readonly string[];
  readonly scores: Float64Array;
  /** Σ_g p(g|i) as given (within tolerance of 1), by which the row's weights were divided. */
  readonly weightSums: Float64Array;
  readonly rowStart: Int32Array;
  readonly entryCategory: Int32Array;
  readonly entryWeight: Float64Array;
}

/** Validates every candidate (unique non-empty id, finite score, a distribution of categories) and lays out its row, in one pass. */
export function candidateRows(
  candidates: readonly RerankCandidate[],
  categoryIndex: ReadonlyMap<string, number>,
  arena: ScratchArena,
): CandidateRows {
  const count = candidates.length;
  const ids: string[] = new Array(count);
  const scores = arena.float64(count);
  const weightSums = arena.float64(count);
  const rowStart = arena.int32(count + 1);
  let entryCategory = arena.int32(count * 4);
  let entryWeight = arena.float64(count * 4);
  const seen = new IdSlots(count, arena);
  const labelOf = (i: number): string => `candidates[${i}] (id ${JSON.stringify(candidates[i].id)})`;
  const rejectCategories = (i: number): never => {
    validatedWeightSum(candidates[i].categories, `${labelOf(i)} categories`); // throws the descriptive error
    throw new CalibrationInputError(`${labelOf(i)} categories must be a distribution over categories summing to 1.`);
  };
  let entryCount = 0;
  for (let i = 0; i < count; i++) {
    const candidate = candidates[i];
    if (candidate === null || typeof candidate !== 'object') {
      throw new CalibrationInputError(`candidates[${i}] must be an object { id, score, categories }; got ${describeValue(candidate)}.`);
    }
    const { id, score, categories } = candidate;
    if (typeof id !== 'string' || id.length === 0) {
      throw new CalibrationInputError(`candidates[${i}].id must be a non-empty string; got ${describeValue(id)}.`);
    }
    const first = seen.claim(ids, id, i);
    if (first >= 0) {
      throw new CalibrationInputError(
        `${labelOf(i)} repeats the id of candidates[${first}]; ids must be unique — deduplicate the candidates before reranking.`,
      );
    }
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new CalibrationInputError(`${labelOf(i)}: score must be a finite number; got ${describeValue(score)}.`);
    }
    if (categories === null || typeof categories !== 'object' || Array.isArray(categories)) {
      rejectCategories(i);
    }
    const rowBegin = entryCount;
    let sum = 0;
    for (const category in categories) {
      const weight: unknown = categories[category];
      if (typeof weight !== 'number' || !(weight >= 0) || weight === Infinity) {
        rejectCategories(i);
      }
      const w = weight as number;
      sum += w;
      const g = categoryIndex.get(category);
      if (g === undefined || w === 0) continue;
      if (entryCount === entryCategory.length) {
        const grownCategory = arena.int32(entryCount * 2);
        grownCategory.set(entryCategory);
        entryCategory = grownCategory;
        const grownWeight = arena.float64(entryCount * 2);
        grownWeight.set(entryWeight);
        entryWeight = grownWeight;
      }
      insertIntoRow(entryCategory, entryWeight, rowBegin, entryCount++, g, w);
    }
    if (!(Math.abs(sum - 1) <= DISTRIBUTION_SUM_TOLERANCE)) {
      rejectCategories(i);
    }
    for (let e = rowBegin; e < entryCount; e++) entryWeight[e] /= sum;
    scores[i] = score;
    weightSums[i] = sum;
    rowStart[i + 1] = entryCount;
  }
  return { count, ids, scores, weightSums, rowStart, entryCategory, entryWeight };
}

/**
 * Adds entry (g, w) to the row that began at `rowBegin` and ends before `end` (a free slot), keeping the row sorted by
 * category index: an insertion sort, since rows are short (an item's few categories).
 */
export function insertIntoRow(categories: Int32Array, weights: Float64Array, rowBegin: number, end: number, g: number, w: number): void {
  let slot = end;
  while (slot > rowBegin && categories[slot - 1] > g) {
    categories[slot] = categories[slot - 1];
    weights[slot] = weights[slot - 1];
    slot--;
  }
  categories[slot] = g;
  weights[slot] = w;
}

/** The ranking order of the accuracy list and of ties everywhere: the higher score, then the id that sorts first. */
export function rankedAbove(rows: CandidateRows, i: number, j: number): boolean {
  return rows.scores[i] > rows.scores[j] || (rows.scores[i] === rows.scores[j] && rows.ids[i] < rows.ids[j]);
}

/** The accuracy list: top n by score, ties by id — a bounded insertion buffer, O(C·n) worst case, usually ~O(C). */
export function accuracyListOrder(rows: CandidateRows, n: number): number[] {
  const order: number[] = [];
  for (let i = 0; i < rows.count; i++) {
    if (order.length === n && !rankedAbove(rows, i, order[n - 1])) continue;
    if (order.length < n) order.push(i);
    let slot = order.length - 1;
    while (slot > 0 && rankedAbove(rows, i, order[slot - 1])) {
      order[slot] = order[slot - 1];
      slot--;
    }
    order[slot] = i;
  }
  return order;
}

/** Duplicate-id detection: candidate indices into `ids` in an open-addressed table over a hash of the id's tail. */
class IdSlots {
  private readonly table: OpenAddressTable;

  constructor(capacity: number, arena: ScratchArena) {
    this.table = new OpenAddressTable(capacity, arena);
  }

  /** Records ids[index] = id and returns −1, or returns the index of an earlier candidate with the same id. */
  claim(ids: string[], id: string, index: number): number {
    // The last (up to) eight characters and the length: where ids of one catalogue differ (counters, UUID tails).
    // Only the probe length depends on the hash; equality decides.
    let hash = 0x811c9dc5 ^ id.length;
    for (let k = id.length > 8 ? id.length - 8 : 0; k < id.length; k++) hash = Math.imul(hash ^ id.charCodeAt(k), 0x01000193);
    const { slots } = this.table;
    let slot = this.table.firstSlot(hash);
    for (let other = slots[slot]; other >= 0; other = slots[slot]) {
      if (ids[other] === id) return other;
      slot = this.table.nextSlot(slot);
    }
    slots[slot] = index;
    ids[index] = id;
    return -1;
  }
}
