import type { SparseVector } from '@chorus/reward';

/**
 * Candidate retrieval without scoring the catalogue (issue #14, part 3): a user's best C unseen items under the linear
 * model of DESIGN §4, found by Fagin's threshold algorithm (TA; Fagin, Lotem & Naor 2003) over ranked lists.
 *
 * Persona k of a user scores item i as s_k(i) = a(i) + b_k·φ(i): a(i) the aggregate's logit (its shared weights and
 * the item's intercept, one number per item) and b_k the persona's deviation over the item features φ(i) (`bias`,
 * `cat:<c>`, `stance`, `dense:<k>`). The index keeps one list of items sorted by a(i) and one per feature sorted by
 * φ_f(i) (items without the feature are 0 there and are left out). A query walks the lists its weights make useful —
 * a(i) always, a category when some persona weighs it positively, stance and dense features from the top for a
 * positive weight and from the bottom for a negative one — a step at a time in every list, and recomputes each item it
 * meets exactly with the caller's own scoring (`served`, the same code as a full scan). It stops when the C-th best
 * score met is at least what any item not yet met could score (the threshold):
 *
 *   τ_k = a(frontier) + b_k,bias + Σ_free b_kf·(frontier of f in b_kf's direction, or 0 for items without f)
 *         + max{ Σ_c b_kc p_c : 0 ≤ p_c ≤ frontier of cat:c, Σ p_c ≤ 1 }   (a fractional knapsack, c with b_kc > 0)
 *
 * The knapsack uses what the catalogue guarantees, that an item's category weights sum to 1 (`itemFeatures`), so a
 * user who likes three categories is not bounded as if one item could be all three; negative category weights bound
 * at 0 (an item may lack the category) and need no list. Every sign is handled exactly; negative and mixed weights
 * only make the walk longer (in the worst case the whole catalogue, still exact).
 *
 * Personas: the served score is item-conditioned attention, m(i) = a(i) + Σ_k a_k(i)·b_k·φ(i), a convex combination of
 * the personas' scores, so m(i) ≤ max_k s_k(i) and an item not yet met scores at most max_k τ_k: the top C by m(i) is
 * exact with that threshold. Coverage: with K > 1 personas the candidates are also each persona's own best
 * `perPersona` items by s_k(i) (default ⌈C/K⌉), each exact against its τ_k, so a small persona's items reach the
 * reranker even when the attention's top C holds none of them. A query returns the top C and, apart, the coverage
 * items not among them (at most K·⌈C/K⌉ more), each ranked by m(i).
 *
 * What is not exact: items tied with the C-th score (within 1e-9 relative, floating-point noise of the two ways the
 * score is summed) may be swapped for one another; a full scan breaks such ties by item id, the index by the order it
 * met them. Everything above the C-th score is the full scan's, in the full scan's order.
 */

/** An item as the index needs it: its id and φ(i), the features user deviations weigh (no item intercept). */
export interface IndexableItem {
  readonly itemId: string;
  readonly userX: SparseVector;
}

/** A persona's deviation as far as retrieval needs it: the weight of a feature and its score of an item. */
export interface PersonaWeights {
  mean(feature: string): number;
  logit(x: SparseVector, offset?: number): number;
}

export interface CandidateQuery {
  /** The user's personas (one for a single deviation); empty for a user served the aggregate alone. */
  personas: readonly PersonaWeights[];
  /** The score the user is served for an item (the full scan's), from φ(i) and a(i). */
  served(x: SparseVector, aggregateLogit: number): number;
  /** Items that are not candidates (those the user has seen). */
  excluded(itemId: string): boolean;
  /** C: the best this many items by the served score. */
  count: number;
  /** With more than one persona, each persona's own best this many items are candidates too (default ⌈C/K⌉). */
  perPersona?: number;
  /**
   * `walk` the lists, `scan` every item, or (`auto`, the default) scan when C is a large part of the catalogue
   * (C · {@link SCAN_FACTOR} ≥ items), where the walk would meet most items anyway and costs more per item met.
   * Both are exact; the choice is only speed.
   */
  strategy?: 'auto' | 'walk' | 'scan';
}

/** Scan rather than walk when C is at least 1/SCAN_FACTOR of the catalogue (bench:serve and bench:rerank measured both). */
export const SCAN_FACTOR = 8;

export interface Candidate {
  /** The item's position in the catalogue the index was built from. */
  position: number;
  itemId: string;
  /** The served score. */
  logit: number;
}

export interface CandidateResult {
  /** The top C by the served score, best first; ties by item id. */
  candidates: Candidate[];
  /** With personas: the personas' own best items that are not among `candidates`, by the served score. */
  coverage: Candidate[];
  /** Items scored (met in a list and not excluded): the work a full scan would do for every item. */
  scored: number;
}

const CATEGORY_PREFIX = 'cat:';
/** Slack on the stopping test: the threshold and the exact score add the same terms in different orders. */
const RELATIVE_TIE = 1e-9;

/** One feature's list: the items that have it, by value, highest first. */
interface FeatureList {
  feature: string;
  positions: Int32Array;
  values: Float64Array;
  /** Some items lack the feature (value 0 there): a bound past the list's end is 0, not −∞. */
  hasAbsent: boolean;
}

/** The catalogue's half of the index: feature lists, rebuilt when the catalogue changes. */
export class CatalogueLists {
  readonly items: readonly IndexableItem[];
  /** Features every item has with the same value (`bias`): a constant in every score, no list to walk. */
  readonly constants: ReadonlyMap<string, number>;
  readonly categories: readonly FeatureList[];
  readonly free: readonly FeatureList[];
  /** The largest category mass of an item (1 up to rounding): the knapsack's capacity. */
  readonly categoryMass: number;
  private readonly positionOf: Map<string, number>;

  constructor(items: readonly IndexableItem[]) {
    this.items = items;
    this.positionOf = new Map(items.map((item, position) => [item.itemId, position]));
    if (this.positionOf.size !== items.length) throw new RangeError('candidate index: the catalogue lists an item id twice; item ids must be unique');
    const entries = new Map<string, { positions: number[]; values: number[] }>();
    let categoryMass = 0;
    items.forEach((item, position) => {
      let mass = 0;
      for (const [feature, value] of item.userX) {
        if (!Number.isFinite(value)) throw new RangeError(`candidate index: item "${item.itemId}" has ${feature} = ${value}; feature values must be finite`);
        if (value === 0) continue;
        if (feature.startsWith(CATEGORY_PREFIX)) {
          if (value < 0) throw new RangeError(`candidate index: item "${item.itemId}" has ${feature} = ${value}; category weights must be ≥ 0`);
          mass += value;
        }
        let entry = entries.get(feature);
        if (!entry) entries.set(feature, (entry = { positions: [], values: [] }));
        entry.positions.push(position);
        entry.values.push(value);
      }
      categoryMass = Math.max(categoryMass, mass);
    });
    this.categoryMass = categoryMass;
    const constants = new Map<string, number>();
    const categories: FeatureList[] = [];
    const free: FeatureList[] = [];
    for (const [feature, { positions, values }] of entries) {
      if (positions.length === items.length && values.every((value) => value === values[0])) {
        constants.set(feature, values[0]!);
        continue;
      }
      const order = Array.from(positions.keys()).sort((x, y) => values[y]! - values[x]!);
      const list: FeatureList = {
        feature,
        positions: Int32Array.from(order, (k) => positions[k]!),
        values: Float64Array.from(order, (k) => values[k]!),
        hasAbsent: positions.length < items.length,
      };
      (feature.startsWith(CATEGORY_PREFIX) ? categories : free).push(list);
    }
    this.constants = constants;
    this.categories = categories;
    this.free = free;
  }

  position(itemId: string): number | undefined {
    return this.positionOf.get(itemId);
  }
}

/** A cursor on a list: where it is, and from which end it walks. */
interface Cursor {
  positions: Int32Array;
  values: Float64Array;
  /** +1 from the top (highest first), −1 from the bottom. */
  direction: 1 | -1;
  depth: number;
}

function frontier(cursor: Cursor): number | undefined {
  if (cursor.depth >= cursor.positions.length) return undefined;
  return cursor.values[cursor.direction === 1 ? cursor.depth : cursor.positions.length - 1 - cursor.depth];
}

function step(cursor: Cursor): number | undefined {
  if (cursor.depth >= cursor.positions.length) return undefined;
  const at = cursor.direction === 1 ? cursor.depth : cursor.positions.length - 1 - cursor.depth;
  cursor.depth++;
  return cursor.positions[at];
}

/** A persona's bound: its constant part and, per list it reads, its weight and cursor. */
interface PersonaBound {
  constant: number;
  free: { weight: number; cursor: Cursor; hasAbsent: boolean }[];
  /** Categories with a positive weight, heaviest first. */
  categories: { weight: number; cursor: Cursor }[];
}

/**
 * The index: the catalogue's lists and the items ranked by the aggregate's logit a(i), rebuilt when the aggregate
 * changes ({@link withAggregate} keeps the catalogue's lists). Queries do not change it; a query's scratch space is its
 * own, so one index serves any number of queries.
 */
export class CandidateIndex {
  private readonly byAggregate: Int32Array;
  private readonly byAggregateValues: Float64Array;

  private constructor(
    readonly lists: CatalogueLists,
    readonly aggregateLogits: Float64Array,
  ) {
    if (aggregateLogits.length !== lists.items.length) {
      throw new RangeError(`candidate index: ${aggregateLogits.length} aggregate logits for ${lists.items.length} items; give one per item, in catalogue order`);
    }
    for (let k = 0; k < aggregateLogits.length; k++) {
      if (!Number.isFinite(aggregateLogits[k]!)) throw new RangeError(`candidate index: the aggregate logit of "${lists.items[k]!.itemId}" is ${aggregateLogits[k]}; it must be finite`);
    }
    this.byAggregate = Int32Array.from(aggregateLogits.keys()).sort((x, y) => aggregateLogits[y]! - aggregateLogits[x]!);
    this.byAggregateValues = Float64Array.from(this.byAggregate, (position) => aggregateLogits[position]!);
  }

  /** Builds the lists of `items` and ranks them by `aggregateLogit` (called once per item, in catalogue order). */
  static build(items: readonly IndexableItem[], aggregateLogit: (item: IndexableItem, position: number) => number): CandidateIndex {
    const lists = new CatalogueLists(items);
    return new CandidateIndex(lists, Float64Array.from(items, (item, position) => aggregateLogit(item, position)));
  }

  /** The same catalogue under another aggregate: only a(i) is recomputed and re-ranked. */
  withAggregate(aggregateLogit: (item: IndexableItem, position: number) => number): CandidateIndex {
    return new CandidateIndex(this.lists, Float64Array.from(this.lists.items, (item, position) => aggregateLogit(item, position)));
  }

  get size(): number {
    return this.lists.items.length;
  }

  retrieve(query: CandidateQuery): CandidateResult {
    const { personas, count } = query;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`candidate index: count is ${count}; it must be an integer ≥ 1`);
    const perPersona = personas.length > 1 ? (query.perPersona ?? Math.ceil(count / personas.length)) : 0;
    if (!Number.isInteger(perPersona) || perPersona < 0) throw new RangeError(`candidate index: perPersona is ${query.perPersona}; it must be an integer ≥ 0`);
    const { items } = this.lists;
    const logits = this.aggregateLogits;

    const aggregateCursor: Cursor = { positions: this.byAggregate, values: this.byAggregateValues, direction: 1, depth: 0 };
    const cursors: Cursor[] = [aggregateCursor];
    const cursorFor = new Map<string, Cursor>();
    const open = (list: FeatureList, direction: 1 | -1): Cursor => {
      const key = `${direction}${list.feature}`;
      let cursor = cursorFor.get(key);
      if (!cursor) {
        cursor = { positions: list.positions, values: list.values, direction, depth: 0 };
        cursorFor.set(key, cursor);
        cursors.push(cursor);
      }
      return cursor;
    };
    const bounds: PersonaBound[] = personas.map((persona) => {
      let constant = 0;
      for (const [feature, value] of this.lists.constants) constant += persona.mean(feature) * value;
      const free: PersonaBound['free'] = [];
      for (const list of this.lists.free) {
        const weight = persona.mean(list.feature);
        if (weight !== 0) free.push({ weight, cursor: open(list, weight > 0 ? 1 : -1), hasAbsent: list.hasAbsent });
      }
      const categories: PersonaBound['categories'] = [];
      for (const list of this.lists.categories) {
        const weight = persona.mean(list.feature);
        if (weight > 0) categories.push({ weight, cursor: open(list, 1) });
      }
      categories.sort((x, y) => y.weight - x.weight);
      return { constant, free, categories };
    });

    const worse = (x: Candidate, y: Candidate) => x.logit < y.logit || (x.logit === y.logit && x.itemId > y.itemId);
    const best = new BoundedHeap<Candidate>(count, worse);
    const ownBest = personas.map(() => new BoundedHeap<Candidate>(perPersona, worse));
    // A set, not an array per item: a query touches a small part of the catalogue and allocates only for that.
    const met = new Set<number>();
    let scored = 0;

    const meet = (position: number) => {
      if (met.has(position)) return;
      met.add(position);
      const item = items[position]!;
      if (query.excluded(item.itemId)) return;
      scored++;
      const a = logits[position]!;
      best.offer({ position, itemId: item.itemId, logit: query.served(item.userX, a) });
      if (perPersona > 0) personas.forEach((persona, k) => ownBest[k]!.offer({ position, itemId: item.itemId, logit: persona.logit(item.userX, a) }));
    };

    const done = (): boolean => {
      const aggregateFrontier = frontier(aggregateCursor);
      if (aggregateFrontier === undefined) return true; // every item met
      if (personas.length === 0) return best.full && !(best.min!.logit < aggregateFrontier - slack(aggregateFrontier));
      let highest = -Infinity;
      for (let k = 0; k < bounds.length; k++) {
        const tau = threshold(bounds[k]!, aggregateFrontier, this.lists.categoryMass);
        if (tau > highest) highest = tau;
        const own = ownBest[k]!;
        if (perPersona > 0 && !(own.full && !(own.min!.logit < tau - slack(tau)))) return false;
      }
      return best.full && !(best.min!.logit < highest - slack(highest));
    };

    const strategy = query.strategy ?? 'auto';
    if (strategy === 'scan' || (strategy === 'auto' && count * SCAN_FACTOR >= items.length)) {
      for (let position = 0; position < items.length; position++) meet(position);
    } else {
      do {
        for (const cursor of cursors) {
          const position = step(cursor);
          if (position !== undefined) meet(position);
        }
      } while (!done());
    }

    const byServed = (x: Candidate, y: Candidate) => y.logit - x.logit || (x.itemId < y.itemId ? -1 : x.itemId > y.itemId ? 1 : 0);
    const candidates = [...best.values()].sort(byServed);
    const chosen = new Set(candidates.map((candidate) => candidate.position));
    const coverage = new Map<number, Candidate>();
    for (const own of ownBest) {
      for (const { position, itemId } of own.values()) {
        if (!chosen.has(position) && !coverage.has(position)) coverage.set(position, { position, itemId, logit: query.served(items[position]!.userX, logits[position]!) });
      }
    }
    return { candidates, coverage: [...coverage.values()].sort(byServed), scored };
  }
}

function slack(value: number): number {
  return RELATIVE_TIE * (1 + Math.abs(value));
}

/** τ_k: the most an item not yet met can score for this persona (see the module documentation). */
function threshold(bound: PersonaBound, aggregateFrontier: number, categoryMass: number): number {
  let tau = aggregateFrontier + bound.constant;
  for (const { weight, cursor, hasAbsent } of bound.free) {
    const value = frontier(cursor);
    // Past the end, the only items not met are those without the feature (0), if there are any.
    const reachable = value === undefined ? (hasAbsent ? 0 : undefined) : hasAbsent ? (weight > 0 ? Math.max(value, 0) : Math.min(value, 0)) : value;
    if (reachable === undefined) return -Infinity;
    tau += weight * reachable;
  }
  let mass = categoryMass;
  for (const { weight, cursor } of bound.categories) {
    if (mass <= 0) break;
    const share = Math.min(frontier(cursor) ?? 0, mass);
    tau += weight * share;
    mass -= share;
  }
  return tau;
}

/** The best `capacity` values seen, by `worse`; `min` is the worst kept. */
class BoundedHeap<T> {
  private readonly heap: T[] = [];

  constructor(
    private readonly capacity: number,
    private readonly worse: (x: T, y: T) => boolean,
  ) {}

  get full(): boolean {
    return this.heap.length >= this.capacity;
  }

  get min(): T | undefined {
    return this.heap[0];
  }

  values(): readonly T[] {
    return this.heap;
  }

  offer(value: T): void {
    if (this.capacity === 0) return;
    const heap = this.heap;
    if (heap.length < this.capacity) {
      heap.push(value);
      let k = heap.length - 1;
      while (k > 0) {
        const parent = (k - 1) >> 1;
        if (!this.worse(heap[k]!, heap[parent]!)) break;
        [heap[k], heap[parent]] = [heap[parent]!, heap[k]!];
        k = parent;
      }
      return;
    }
    if (!this.worse(heap[0]!, value)) return;
    heap[0] = value;
    let k = 0;
    for (;;) {
      const left = 2 * k + 1;
      const right = left + 1;
      let smallest = k;
      if (left < heap.length && this.worse(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.worse(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === k) return;
      [heap[k], heap[smallest]] = [heap[smallest]!, heap[k]!];
      k = smallest;
    }
  }
}
