import type { SparseVector } from '@chorus/reward';

/**
 * Candidate retrieval without scoring the catalogue (issue #14, part 3): a user's best C unseen items under the linear
 * model of DESIGN §4, from per-category ranked lists merged by the user's weights (a threshold algorithm in the manner
 * of Fagin, Lotem & Naor 2003).
 *
 * Persona k of a user scores item i as s_k(i) = a(i) + b_k·φ(i): a(i) the aggregate's logit (its shared weights and
 * the item's intercept, one number per item) and b_k the persona's deviation over the item features φ(i): `bias` and
 * other features every item has alike (constants), `cat:<c>` with weights p_c(i) ≥ 0 that sum to 1 (`itemFeatures`
 * normalises them), and `stance` / `dense:<k>` (free features). Since Σ_c b_kc·p_c(i) is a weighted average of the
 * item's categories' weights,
 *
 *   s_k(i) ≤ a(i) + max_{c ∈ cats(i)} b_kc + Σ_constants b_kf·x_f + Σ_free max(b_kf·min_f, b_kf·max_f).
 *
 * The index keeps, per category, its items ranked by a(i). A query walks the lists best-first: the next item met is
 * always the head of the list whose bound a(head) + max_k (b_kc + the persona's constant and free parts) is highest,
 * so items are met in the order of their bound through their best category, and each is scored exactly with the
 * caller's own scoring (`served`, the same code as a full scan). It stops when the C-th best score met is at least the
 * highest bound left: an item not yet met is still in its best category's list, below that list's head. Exact for
 * every sign of the weights; a disliked category's list is simply walked last (or never). The free features' bound is
 * global (their extremes over the catalogue), so a user with large stance or dense weights walks further, still exact.
 *
 * Personas: the served score is item-conditioned attention, m(i) = a(i) + Σ_k a_k(i)·b_k·φ(i), a convex combination of
 * the personas' scores, so m(i) ≤ max_k s_k(i) and the walk's bound takes the largest over personas: the top C by m(i)
 * is exact. Coverage: with K > 1 personas the candidates are also each persona's own best `perPersona` items by s_k(i)
 * (default ⌈C/K⌉), each exact against that persona's bound, so a small persona's items reach the reranker even when
 * the attention's top C holds none of them. A query returns the top C and, apart, the coverage items not among them
 * (at most K·⌈C/K⌉ more), each ranked by m(i).
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

/**
 * A persona's deviation as far as retrieval needs it: the weight of a feature and its score of an item. The index
 * also passes the item's catalogue position, so that a scorer with the catalogue precompiled (DensePersonas) need not
 * look features up by name.
 */
export interface PersonaWeights {
  mean(feature: string): number;
  logit(x: SparseVector, offset?: number, position?: number): number;
}

export interface CandidateQuery {
  /** The user's personas (one for a single deviation); empty for a user served the aggregate alone. */
  personas: readonly PersonaWeights[];
  /** The score the user is served for an item (the full scan's), from φ(i) and a(i); the index passes the item's `position` too. */
  served(x: SparseVector, aggregateLogit: number, position?: number): number;
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
/** How far an item's category weights may sum from 1 (they are normalised by `itemFeatures`). */
const MASS_TOLERANCE = 1e-9;
/** The list of items without a category (none, when the catalogue comes from `itemFeatures`). */
const NO_CATEGORY = '';

/** The catalogue's half of the index, rebuilt when the catalogue changes: who is in which category, and the rest. */
export class CatalogueLists {
  readonly items: readonly IndexableItem[];
  /** Features every item has with the same value (`bias`): a constant in every score. */
  readonly constants: ReadonlyMap<string, number>;
  /** Per category feature (`cat:<c>`; '' for items without one), the positions of the items in it. */
  readonly members: ReadonlyMap<string, readonly number[]>;
  /** Every other feature (`stance`, `dense:<k>`) with its smallest and largest value over the items (0 where absent). */
  readonly free: ReadonlyMap<string, { min: number; max: number }>;
  private readonly positionOf: Map<string, number>;
  private idOrder?: Int32Array;

  constructor(items: readonly IndexableItem[]) {
    this.items = items;
    this.positionOf = new Map(items.map((item, position) => [item.itemId, position]));
    if (this.positionOf.size !== items.length) throw new RangeError('candidate index: the catalogue lists an item id twice; item ids must be unique');
    const members = new Map<string, number[]>();
    const others = new Map<string, { count: number; min: number; max: number; first: number; same: boolean }>();
    items.forEach((item, position) => {
      let mass = 0;
      let inCategory = false;
      for (const [feature, value] of item.userX) {
        if (!Number.isFinite(value)) throw new RangeError(`candidate index: item "${item.itemId}" has ${feature} = ${value}; feature values must be finite`);
        if (value === 0) continue;
        if (feature.startsWith(CATEGORY_PREFIX)) {
          if (value < 0) throw new RangeError(`candidate index: item "${item.itemId}" has ${feature} = ${value}; category weights must be ≥ 0`);
          mass += value;
          inCategory = true;
          push(members, feature, position);
          continue;
        }
        const seen = others.get(feature);
        if (!seen) others.set(feature, { count: 1, min: value, max: value, first: value, same: true });
        else {
          seen.count++;
          seen.min = Math.min(seen.min, value);
          seen.max = Math.max(seen.max, value);
          seen.same &&= value === seen.first;
        }
      }
      if (inCategory && Math.abs(mass - 1) > MASS_TOLERANCE) {
        throw new RangeError(`candidate index: the category weights of item "${item.itemId}" sum to ${mass}; they must sum to 1 (itemFeatures normalises them)`);
      }
      if (!inCategory) push(members, NO_CATEGORY, position);
    });
    const constants = new Map<string, number>();
    const free = new Map<string, { min: number; max: number }>();
    for (const [feature, { count, min, max, first, same }] of others) {
      if (count === items.length && same) constants.set(feature, first);
      // Items without the feature have 0 there.
      else free.set(feature, count === items.length ? { min, max } : { min: Math.min(min, 0), max: Math.max(max, 0) });
    }
    this.members = members;
    this.constants = constants;
    this.free = free;
  }

  position(itemId: string): number | undefined {
    return this.positionOf.get(itemId);
  }

  /** Each item's rank by item id (JavaScript string order, the ties' order everywhere here), computed once per catalogue. */
  idRanks(): Int32Array {
    if (!this.idOrder) {
      const { items } = this;
      const byId = Array.from(items.keys()).sort((x, y) => (items[x]!.itemId < items[y]!.itemId ? -1 : 1));
      this.idOrder = new Int32Array(items.length);
      byId.forEach((position, rank) => (this.idOrder![position] = rank));
    }
    return this.idOrder;
  }
}

function push(lists: Map<string, number[]>, key: string, position: number): void {
  const list = lists.get(key);
  if (list) list.push(position);
  else lists.set(key, [position]);
}

/** One category's items by a(i), highest first. */
interface CategoryList {
  feature: string;
  positions: Int32Array;
  aggregate: Float64Array;
}

/**
 * The index: each category's items ranked by the aggregate's logit a(i), rebuilt when the aggregate changes
 * ({@link withAggregate} keeps the catalogue's half). Queries do not change it, so one index serves any number of them.
 */
export class CandidateIndex {
  private readonly lists: readonly CategoryList[];

  private constructor(
    readonly catalogue: CatalogueLists,
    readonly aggregateLogits: Float64Array,
  ) {
    if (aggregateLogits.length !== catalogue.items.length) {
      throw new RangeError(`candidate index: ${aggregateLogits.length} aggregate logits for ${catalogue.items.length} items; give one per item, in catalogue order`);
    }
    for (let k = 0; k < aggregateLogits.length; k++) {
      if (!Number.isFinite(aggregateLogits[k]!)) throw new RangeError(`candidate index: the aggregate logit of "${catalogue.items[k]!.itemId}" is ${aggregateLogits[k]}; it must be finite`);
    }
    this.lists = [...catalogue.members].map(([feature, members]) => {
      const positions = Int32Array.from(members).sort((x, y) => aggregateLogits[y]! - aggregateLogits[x]!);
      return { feature, positions, aggregate: Float64Array.from(positions, (position) => aggregateLogits[position]!) };
    });
  }

  /** Builds the lists of `items` and ranks them by `aggregateLogit` (called once per item, in catalogue order). */
  static build(items: readonly IndexableItem[], aggregateLogit: (item: IndexableItem, position: number) => number): CandidateIndex {
    const catalogue = new CatalogueLists(items);
    return new CandidateIndex(catalogue, Float64Array.from(items, (item, position) => aggregateLogit(item, position)));
  }

  /** The same catalogue under another aggregate: only a(i) is recomputed and re-ranked. */
  withAggregate(aggregateLogit: (item: IndexableItem, position: number) => number): CandidateIndex {
    return new CandidateIndex(this.catalogue, Float64Array.from(this.catalogue.items, (item, position) => aggregateLogit(item, position)));
  }

  get size(): number {
    return this.catalogue.items.length;
  }

  retrieve(query: CandidateQuery): CandidateResult {
    const { personas, count } = query;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`candidate index: count is ${count}; it must be an integer ≥ 1`);
    const perPersona = personas.length > 1 ? (query.perPersona ?? Math.ceil(count / personas.length)) : 0;
    if (!Number.isInteger(perPersona) || perPersona < 0) throw new RangeError(`candidate index: perPersona is ${query.perPersona}; it must be an integer ≥ 0`);
    const { items } = this.catalogue;
    const logits = this.aggregateLogits;

    const worse = (x: Candidate, y: Candidate) => x.logit < y.logit || (x.logit === y.logit && x.itemId > y.itemId);
    const best = new BoundedHeap<Candidate>(count, worse);
    const ownBest = personas.map(() => new BoundedHeap<Candidate>(perPersona, worse));
    // A set, not an array per item: a query touches a small part of the catalogue and allocates only for that.
    const met = new Set<number>();
    let scored = 0;
    // The walk meets an item once per category it is in.
    const meet = (position: number) => {
      if (met.has(position)) return;
      met.add(position);
      const item = items[position]!;
      if (query.excluded(item.itemId)) return;
      scored++;
      const a = logits[position]!;
      best.offer({ position, itemId: item.itemId, logit: query.served(item.userX, a, position) });
      if (perPersona > 0) personas.forEach((persona, k) => ownBest[k]!.offer({ position, itemId: item.itemId, logit: persona.logit(item.userX, a, position) }));
    };

    const strategy = query.strategy ?? 'auto';
    if (strategy === 'scan' || (strategy === 'auto' && count * SCAN_FACTOR >= items.length)) return this.scan(query, perPersona);
    this.walk(personas, meet, (threshold, own) => {
      if (!best.full || best.min!.logit < threshold - slack(threshold)) return false;
      return perPersona === 0 || ownBest.every((heap, k) => heap.full && !(heap.min!.logit < own(k) - slack(own(k))));
    });

    const byServed = (x: Candidate, y: Candidate) => y.logit - x.logit || (x.itemId < y.itemId ? -1 : x.itemId > y.itemId ? 1 : 0);
    const candidates = [...best.values()].sort(byServed);
    const chosen = new Set(candidates.map((candidate) => candidate.position));
    const coverage = new Map<number, Candidate>();
    for (const own of ownBest) {
      for (const { position, itemId } of own.values()) {
        if (!chosen.has(position) && !coverage.has(position)) coverage.set(position, { position, itemId, logit: query.served(items[position]!.userX, logits[position]!, position) });
      }
    }
    return { candidates, coverage: [...coverage.values()].sort(byServed), scored };
  }

  /**
   * The full scan: every unseen item scored once into an array, then the top C (and each persona's own best) taken by
   * one sort of positions in the heaps' order (score, then item id). The same answer as the heaps would give — that
   * order is total, so its first C are the heaps' C — without a Candidate object and heap step per item, which is what
   * a scan of a catalogue C is a large part of spent its time on (bench:rerank).
   */
  private scan(query: CandidateQuery, perPersona: number): CandidateResult {
    const { items } = this.catalogue;
    const logits = this.aggregateLogits;
    const { personas, count } = query;
    const unseen: number[] = [];
    for (let position = 0; position < items.length; position++) if (!query.excluded(items[position]!.itemId)) unseen.push(position);
    const served = new Float64Array(items.length);
    for (const position of unseen) served[position] = query.served(items[position]!.userX, logits[position]!, position);
    const idRanks = this.catalogue.idRanks();
    const top = (scores: Float64Array, size: number): number[] => bestPositions(scores, unseen, size, idRanks);
    const candidate = (position: number): Candidate => ({ position, itemId: items[position]!.itemId, logit: served[position]! });
    const best = top(served, count);
    const chosen = new Set(best);
    const covered = new Set<number>();
    if (perPersona > 0) {
      const own = new Float64Array(items.length);
      personas.forEach((persona) => {
        for (const position of unseen) own[position] = persona.logit(items[position]!.userX, logits[position]!, position);
        for (const position of top(own, perPersona)) if (!chosen.has(position)) covered.add(position);
      });
    }
    const coverage = [...covered].map(candidate).sort((x, y) => y.logit - x.logit || (x.itemId < y.itemId ? -1 : x.itemId > y.itemId ? 1 : 0));
    return { candidates: best.map(candidate), coverage, scored: unseen.length };
  }

  /**
   * Meets items in the order of their bound, best first, until `done(τ, τ_k)` says the heaps are settled: the list
   * stepped is always the one whose next item has the highest bound over the personas, a(next) + max_k offset_k(c).
   */
  private walk(personas: readonly PersonaWeights[], meet: (position: number) => void, done: (threshold: number, own: (k: number) => number) => boolean): void {
    // offset_k(c) = b_kc + Σ constants + the most the free features can add for persona k.
    const base = personas.map((persona) => {
      let offset = 0;
      for (const [feature, value] of this.catalogue.constants) offset += persona.mean(feature) * value;
      for (const [feature, { min, max }] of this.catalogue.free) {
        const weight = persona.mean(feature);
        offset += Math.max(weight * min, weight * max);
      }
      return offset;
    });
    const lists = this.lists;
    const own = lists.map((list) => personas.map((persona, k) => base[k]! + (list.feature === NO_CATEGORY ? 0 : persona.mean(list.feature))));
    const offset = own.map((offsets) => (offsets.length === 0 ? 0 : Math.max(...offsets)));
    const depth = new Int32Array(lists.length);
    const ownThreshold = (k: number) => {
      let highest = -Infinity;
      for (let l = 0; l < lists.length; l++) {
        if (depth[l]! < lists[l]!.positions.length) highest = Math.max(highest, lists[l]!.aggregate[depth[l]!]! + own[l]![k]!);
      }
      return highest;
    };
    for (;;) {
      let next = -1;
      let threshold = -Infinity;
      for (let l = 0; l < lists.length; l++) {
        if (depth[l]! >= lists[l]!.positions.length) continue;
        const bound = lists[l]!.aggregate[depth[l]!]! + offset[l]!;
        if (bound > threshold) {
          threshold = bound;
          next = l;
        }
      }
      if (next < 0 || done(threshold, ownThreshold)) return;
      meet(lists[next]!.positions[depth[next]!++]!);
    }
  }
}

/**
 * The best `size` of `positions` by `scores[position]`, highest first, ties by `idRanks` (item id): what a sort of the
 * positions with that comparator gives, sliced. A comparator sort of every unseen item was most of a scan's time
 * (bench:rerank: C = 500 of 1,000 items, ~10,000 comparator calls per query), so the scores alone are sorted natively
 * (a typed array sorts without calling back into JavaScript) and each position at or above the size-th score finds
 * its place by binary search in them; only items that tie are put in id order, with a comparator.
 */
export function bestPositions(scores: Float64Array, positions: readonly number[], size: number, idRanks: Int32Array): number[] {
  const n = positions.length;
  const take = Math.min(size, n);
  if (take <= 0) return [];
  const sorted = new Float64Array(n);
  for (let k = 0; k < n; k++) sorted[k] = scores[positions[k]!]!;
  sorted.sort();
  // NaN sorts last and compares unequal to itself; scores are finite (the scorers refuse others), but never misorder.
  if (Number.isNaN(sorted[n - 1]!)) return comparatorBest(scores, positions, take, idRanks);
  const cut = sorted[n - take]!;
  const best = new Array<number>(take);
  // Tied positions (several with one score; −0 and 0 are one, as for the comparator) as [place, position] pairs.
  let tied: [number, number][] | undefined;
  for (let k = 0; k < n; k++) {
    const position = positions[k]!;
    const score = scores[position]!;
    if (score < cut) continue;
    // Ascending `sorted` holds this score at [low, high): `n - high` scores are higher, so its place (best first) is there.
    const high = firstAbove(sorted, score);
    const place = n - high;
    if (high - 1 > 0 && sorted[high - 2]! === score) (tied ??= []).push([place, position]);
    else best[place] = position;
  }
  if (tied) {
    // The members of a tie share its first place and fill the places after it in id order; those past `take` drop.
    tied.sort((x, y) => x[0] - y[0] || idRanks[x[1]]! - idRanks[y[1]]!);
    let run = 0;
    for (let j = 0; j < tied.length; j++) {
      run = j > 0 && tied[j]![0] === tied[j - 1]![0] ? run + 1 : 0;
      const place = tied[j]![0] + run;
      if (place < take) best[place] = tied[j]![1];
    }
  }
  return best;
}

/** The first index of ascending `sorted` whose value is above `value` (its length when none is). */
function firstAbove(sorted: Float64Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! > value) high = mid;
    else low = mid + 1;
  }
  return low;
}

function comparatorBest(scores: Float64Array, positions: readonly number[], take: number, idRanks: Int32Array): number[] {
  return positions
    .slice()
    .sort((x, y) => scores[y]! - scores[x]! || idRanks[x]! - idRanks[y]!)
    .slice(0, take);
}

function slack(value: number): number {
  return RELATIVE_TIE * (1 + Math.abs(value));
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
