import { CalibrationInputError } from './calibration-input.error';
import { insertIntoRow, type CandidateRows, type TargetCategories } from './candidate-rows';
import { describeValue, DISTRIBUTION_SUM_TOLERANCE, validatedWeightSum, type CategoryDistribution } from './category-distribution';
import { OpenAddressTable } from './open-address-table';
import type { ScratchArena } from './scratch-arena';

/** An item of a {@link RerankCatalogue}: its id and p(g|i). */
export interface RerankCatalogueItem {
  readonly id: string;
  /** p(g|i): category → weight, summing to 1 (±1e-6; renormalised exactly, as `calibratedRerank` does). */
  readonly categories: CategoryDistribution;
}

/**
 * A catalogue's category distributions read once and kept as typed arrays, so that a `calibratedRerank` call given
 * catalogue positions reads numbers only. Reading each candidate's categories object costs more than the greedy when
 * the objects are not in the CPU's caches: random key order gives every item its own hidden class (see the README's
 * bench:greedy paragraph). Build one per catalogue version and pass it to every call.
 *
 * Category names are interned in sorted (UTF-16 code-unit) order, the order `calibratedRerank` interns a target's
 * categories in, so an item's row, sorted by catalogue index, is also sorted by target index. Each weight is stored
 * divided by the item's weight sum, summed in the object's own key order: the numbers the object form computes per
 * call, so both forms return the same result to the last bit.
 */
export class RerankCatalogue {
  private constructor(
    /** Item ids by position. */
    readonly ids: readonly string[],
    /** Every category of the catalogue, sorted; a category's index is its position here. */
    readonly categoryNames: readonly string[],
    private readonly categoryIndex: ReadonlyMap<string, number>,
    private readonly positionById: ReadonlyMap<string, number>,
    /** Item p's entries are itemStart[p] … itemStart[p+1]−1, sorted by category index; zero weights are left out. */
    readonly itemStart: Int32Array,
    readonly entryCategory: Int32Array,
    /** w(g|i) / Σ_g w(g|i). */
    readonly entryWeight: Float64Array,
    /** Σ_g w(g|i) as given (within tolerance of 1). */
    readonly weightSums: Float64Array,
  ) {}

  /** Validates every item (unique non-empty id, a distribution of categories) and interns its categories. */
  static of(items: readonly RerankCatalogueItem[]): RerankCatalogue {
    if (!Array.isArray(items)) {
      throw new CalibrationInputError(`a rerank catalogue is built from an array of { id, categories }; got ${describeValue(items)}.`);
    }
    const ids: string[] = new Array(items.length);
    const positionById = new Map<string, number>();
    const weightSums = new Float64Array(items.length);
    const names = new Set<string>();
    let entryCount = 0;
    items.forEach((item, p) => {
      if (item === null || typeof item !== 'object') {
        throw new CalibrationInputError(`catalogue[${p}] must be an object { id, categories }; got ${describeValue(item)}.`);
      }
      const { id, categories } = item;
      if (typeof id !== 'string' || id.length === 0) {
        throw new CalibrationInputError(`catalogue[${p}].id must be a non-empty string; got ${describeValue(id)}.`);
      }
      const first = positionById.get(id);
      if (first !== undefined) {
        throw new CalibrationInputError(`catalogue[${p}] repeats the id ${JSON.stringify(id)} of catalogue[${first}]; item ids must be unique.`);
      }
      positionById.set(id, p);
      ids[p] = id;
      weightSums[p] = validatedItemWeightSum(categories, `catalogue[${p}] (id ${JSON.stringify(id)}) categories`);
      for (const category in categories) {
        if (categories[category] === 0) continue;
        names.add(category);
        entryCount++;
      }
    });
    const categoryNames = [...names].sort();
    const categoryIndex = new Map(categoryNames.map((name, g) => [name, g]));
    const itemStart = new Int32Array(items.length + 1);
    const entryCategory = new Int32Array(entryCount);
    const entryWeight = new Float64Array(entryCount);
    let e = 0;
    for (let p = 0; p < items.length; p++) {
      const categories = items[p].categories;
      const rowBegin = e;
      for (const category in categories) {
        const w = categories[category];
        if (w === 0) continue;
        // Every non-zero category was added above.
        insertIntoRow(entryCategory, entryWeight, rowBegin, e++, categoryIndex.get(category)!, w / weightSums[p]);
      }
      itemStart[p + 1] = e;
    }
    return new RerankCatalogue(ids, categoryNames, categoryIndex, positionById, itemStart, entryCategory, entryWeight, weightSums);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The position of the item with this id, or undefined when the catalogue has none. */
  positionOf(id: string): number | undefined {
    return this.positionById.get(id);
  }

  /** w(g|i) / Σ w(·|i) of the item at `position`, 0 when it lacks the category. */
  normalisedWeight(position: number, category: string): number {
    const g = this.categoryIndex.get(category);
    if (g === undefined) return 0;
    for (let e = this.itemStart[position], end = this.itemStart[position + 1]; e < end; e++) {
      if (this.entryCategory[e] === g) return this.entryWeight[e];
    }
    return 0;
  }

  /** For each catalogue category index, its index among the target's categories, or −1 outside the target. */
  targetIndexOf(target: TargetCategories, arena: ScratchArena): Int32Array {
    const targetIndex = arena.int32(this.categoryNames.length).fill(-1);
    for (let g = 0; g < target.names.length; g++) {
      const c = this.categoryIndex.get(target.names[g]);
      if (c !== undefined) targetIndex[c] = g;
    }
    return targetIndex;
  }
}

/**
 * The sum of an item's weights, summed in the object's key order (`for … in`, as the object form's input pass sums
 * them), after the checks that pass makes: weights finite and ≥ 0, summing to 1 within the tolerance.
 */
function validatedItemWeightSum(categories: unknown, label: string): number {
  const reject = (): never => {
    validatedWeightSum(categories, label); // throws the descriptive error
    throw new CalibrationInputError(`${label} must be a distribution over categories summing to 1.`);
  };
  if (categories === null || typeof categories !== 'object' || Array.isArray(categories)) reject();
  const weights = categories as Record<string, unknown>;
  let sum = 0;
  for (const category in weights) {
    const weight = weights[category];
    if (typeof weight !== 'number' || !(weight >= 0) || weight === Infinity) reject();
    sum += weight as number;
  }
  if (!(Math.abs(sum - 1) <= DISTRIBUTION_SUM_TOLERANCE)) reject();
  return sum;
}

/** Candidates as catalogue positions with their scores: the input form that reads no objects. */
export interface CatalogueCandidates {
  readonly catalogue: RerankCatalogue;
  /** The candidates' positions in the catalogue (integers, distinct). */
  readonly positions: ArrayLike<number>;
  /** s(i) of each candidate, aligned with `positions`. */
  readonly scores: ArrayLike<number>;
}

/**
 * The candidates' rows restricted to the target's categories, as `candidateRows` lays them out for candidate objects
 * — the same entries in the same order, copied from the catalogue. Validates positions (integers in range, distinct)
 * and scores (finite). `count` must be positions.length = scores.length (checked by the caller).
 */
export function catalogueCandidateRows(candidates: CatalogueCandidates, target: TargetCategories, arena: ScratchArena): CandidateRows {
  const { catalogue, positions, scores: givenScores } = candidates;
  const count = positions.length;
  const { itemStart, entryCategory: itemCategory, entryWeight: itemWeight } = catalogue;
  const ids: string[] = new Array(count);
  const scores = arena.float64(count);
  const weightSums = arena.float64(count);
  const rowStart = arena.int32(count + 1);
  const positionAt = arena.int32(count);
  const seen = new OpenAddressTable(count, arena);
  const size = catalogue.size;
  let upperBound = 0;
  for (let i = 0; i < count; i++) {
    const p = positions[i];
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= size) {
      throw new CalibrationInputError(
        `positions[${i}] must be an integer position in the catalogue, 0 … ${size - 1}; got ${describeValue(p)}. Look items up with catalogue.positionOf(id).`,
      );
    }
    let slot = seen.firstSlot(Math.imul(p, 0x9e3779b1) >>> 2);
    for (let other = seen.slots[slot]; other >= 0; other = seen.slots[slot]) {
      if (positionAt[other] === p) {
        throw new CalibrationInputError(
          `positions[${i}] repeats catalogue position ${p} (id ${JSON.stringify(catalogue.ids[p])}) of positions[${other}]; candidates must be distinct.`,
        );
      }
      slot = seen.nextSlot(slot);
    }
    seen.slots[slot] = i;
    positionAt[i] = p;
    const score = givenScores[i];
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new CalibrationInputError(`scores[${i}] (id ${JSON.stringify(catalogue.ids[p])}) must be a finite number; got ${describeValue(score)}.`);
    }
    scores[i] = score;
    ids[i] = catalogue.ids[p];
    weightSums[i] = catalogue.weightSums[p];
    upperBound += itemStart[p + 1] - itemStart[p];
  }
  const targetIndex = catalogue.targetIndexOf(target, arena);
  const entryCategory = arena.int32(upperBound);
  const entryWeight = arena.float64(upperBound);
  let entryCount = 0;
  for (let i = 0; i < count; i++) {
    const p = positionAt[i];
    for (let e = itemStart[p], end = itemStart[p + 1]; e < end; e++) {
      const g = targetIndex[itemCategory[e]];
      if (g < 0) continue;
      entryCategory[entryCount] = g;
      entryWeight[entryCount++] = itemWeight[e];
    }
    rowStart[i + 1] = entryCount;
  }
  return { count, ids, scores, weightSums, rowStart, entryCategory, entryWeight };
}
