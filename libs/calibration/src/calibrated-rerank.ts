import { assertAlpha, DEFAULT_ALPHA } from './calibration-kl';
import { CalibrationInputError } from './calibration-input.error';
import {
  accuracyListOrder,
  candidateRows,
  internTargetCategories,
  type CandidateRows,
  type RerankCandidate,
  type TargetCategories,
} from './candidate-rows';
import {
  describeValue,
  emptyCategoryMap,
  normalisedCategoryDistribution,
  weightOf,
  type CategoryDistribution,
} from './category-distribution';
import { catalogueCandidateRows, RerankCatalogue, type CatalogueCandidates } from './rerank-catalogue';
import { withScratchArena, type ScratchArena } from './scratch-arena';
import { groupIdenticalRows, steckGreedyOrder } from './steck-greedy';

export type { RerankCandidate } from './candidate-rows';
export type { CatalogueCandidates } from './rerank-catalogue';

/** Diversity prior: the target becomes p̃ = β·p₀ + (1−β)·p, so calibration never locks a user into their past. */
export interface CalibrationPrior {
  /** β ∈ [0, 1]; 0 = the user's profile only, 1 = the prior only. */
  readonly weight: number;
  /** p₀, a distribution over categories (e.g. the population's, or uniform). */
  readonly distribution: CategoryDistribution;
}

/**
 * The candidates, in one of two forms (same result, bit for bit): objects `{ id, score, categories }`, or positions in
 * a `RerankCatalogue` built once per catalogue, with their scores — the form that reads no category objects per
 * call (see the README's bench:greedy figures for what that saves).
 */
export type CalibratedRerankInput = RerankOptions & ({ readonly candidates: readonly RerankCandidate[] } | CatalogueCandidates);

export interface RerankOptions {
  /** p(g|u), the user's category profile (see `categoryDistribution`). */
  readonly profile: CategoryDistribution;
  /** List length N, an integer in [1, C] (C: the number of candidates). */
  readonly n: number;
  /** λ ∈ [0, 1]: 0 = rank by score only, 1 = calibration only. */
  readonly lambda: number;
  /** α ∈ (0, 1) in q̃ = (1−α)q + αp; default 0.01 (Steck). */
  readonly alpha?: number;
  readonly prior?: CalibrationPrior;
  /** A profile category g with 0 < p(g|u) < this is a minority interest; default 0.2. */
  readonly minorityThreshold?: number;
  /**
   * Default true: if Steck's greedy list scores below the accuracy (top-n by score) list on the objective, return the
   * accuracy list instead. Plain greedy can do that (see the TSDoc of {@link calibratedRerank}); the guard makes
   * `objective.after ≥ objective.before` and, for λ > 0, `klAfter ≤ klBefore` hold for every input. Set false to get
   * Steck's greedy unmodified.
   */
  readonly fallbackToAccuracyList?: boolean;
}

export interface MinorityShare {
  /** Profile categories g with 0 < p(g|u) < minorityThreshold, sorted. */
  readonly categories: string[];
  /** Σ_g p(g|u) over those categories (the user's own profile, not the prior-mixed target). */
  readonly profileShare: number;
  /** Σ_g q(g|I) over those categories for the returned list. */
  readonly listShare: number;
  /** The same for the accuracy (top-n by score) list. */
  readonly listShareBefore: number;
}

export interface CalibratedRerankResult {
  /** Candidate ids in rank order (the order the greedy picked them, or score order for the accuracy list). */
  readonly items: string[];
  /** C_KL(p̃ ‖ q̃) of the accuracy list (top n by score, ties by id). */
  readonly klBefore: number;
  /** C_KL(p̃ ‖ q̃) of the returned list. */
  readonly klAfter: number;
  /** Σ s(i) over the accuracy list (`before`) and the returned list (`after`). */
  readonly relevance: { readonly before: number; readonly after: number };
  /** relevance.after / relevance.before; null when relevance.before ≤ 0 (the ratio means nothing there). */
  readonly relevanceRetained: number | null;
  readonly minorityShare: MinorityShare;
  /** (1−λ)·Σ s(i) − λ·C_KL for the accuracy list (`before`) and the returned list (`after`). */
  readonly objective: { readonly before: number; readonly after: number };
  /** Which list was returned: Steck's greedy, or the accuracy list because the greedy scored below it. */
  readonly listSource: 'greedy' | 'accuracy-list';
  /** The distribution calibrated towards: p̃ = β·p₀ + (1−β)·p with a prior, else p. KLs are measured against it. */
  readonly target: Record<string, number>;
}

/** Default for {@link CalibratedRerankInput.minorityThreshold}. */
export const MINORITY_INTEREST_THRESHOLD = 0.2;

/**
 * Calibrated reranking (Steck 2018, §3): choose N of the candidates maximising
 *
 *   F(I) = (1−λ)·Σ_{i∈I} s(i) − λ·C_KL(p ‖ q̃(I)),   q̃ = (1−α)·q + α·p,   q(g|I) = (1/|I|)·Σ_{i∈I} p(g|i)
 *
 * with C_KL(p ‖ q̃) = Σ_g p(g|u)·ln(p(g|u)/q̃(g|u)) (natural log) — see `calibrationKl`. q is the plain mean over the
 * list, not Steck's rank-weighted mean (issue 4 asks for the mean). With a prior, p is replaced by p̃ = β·p₀ + (1−β)·p
 * everywhere in F, and klBefore/klAfter are measured against p̃.
 *
 * **Algorithm.** Steck's greedy: start from the empty list and N times append the candidate i that maximises
 * F(I ∪ {i}). Because all candidates in one step share |I|+1, only the categories of i change between them, so the
 * step precomputes b_g = p_g·ln((1−α)·m_g/(|I|+1) + α·p_g) from the running category mass m = Σ_{j∈I} p(·|j) and
 * scores each candidate as (1−λ)·s(i) + λ·Σ_{g∈i} [p_g·ln((1−α)·(m_g + p(g|i))/(|I|+1) + α·p_g) − b_g], which is
 * F(I ∪ {i}) minus a constant shared by the step. Categories outside the target's support are dropped at setup
 * (p_g = 0 makes their term 0). Candidates whose remaining rows are identical (same categories, same weights) have
 * the same increment, so only the best unselected member of each such group is evaluated — exact, and it turns C into
 * D, the number of distinct rows (≤ G for single-category items, the number of genre combinations on MovieLens).
 *
 * An entry's increment depends only on its (category, weight) pair, so each step takes one logarithm per distinct
 * pair among the groups' rows (a "term") and sums the terms of each group — the same expressions, in the same order.
 *
 * **Complexity.** Setup O(Σ_i G_i + G log G + C·N) (validation, interning, row grouping, the top-N insertion buffer,
 * which is ~O(C) unless scores arrive sorted ascending); greedy O(N·(G + T)) Math.log calls, where G is the target's
 * support and T ≤ Σ_groups G_i the number of distinct (category, weight) terms (G_i: item i's categories in the
 * support; T ≤ 3G for items of one to three equally weighted genres), plus O(N·D·Ḡ_i) additions and O(N·C)
 * comparisons to advance group heads; memory O(Σ_i G_i + C + G). Its typed arrays come from a buffer reused between
 * calls (`ScratchArena`): a call allocates no typed-array storage once the buffer has grown to its size.
 *
 * **Ties.** Deterministic: gains equal within a relative 1e-12 are tied; ties go to the higher score, then the id that
 * sorts first (UTF-16 code-unit order). The accuracy list is the top N by score with the same tie-break.
 *
 * **Scores** are used as given — not clipped or rescaled. DESIGN §6 assumes s(i) ∈ [0,1]; on another scale λ trades off
 * differently (the KL term is in nats, at most −ln α ≈ 4.6 for α = 0.01), so normalise upstream if λ should mean the
 * same across models. Negative scores are accepted; `relevanceRetained` is then null if the accuracy list sums ≤ 0.
 *
 * **Guarantees.** Greedy equals the optimum (brute force) when λ = 0 (F is modular: it returns exactly the top N by
 * score), when N = 1, when N = C (one possible set) and when all candidates share one category distribution (C_KL is
 * constant). Otherwise it is a heuristic: F is not submodular (q is a mean, so an item's value depends on the list's
 * length and on what is already in it), not even for single-category items, and plain greedy can end *below* the
 * accuracy list on F — and with a higher C_KL than it. Example (regression-tested): p = {A: .5, B: .5}, candidates
 * x = {A} (s=1), y = {B} (s=1), z = {A: .5, B: .5} (s=.9), N = 2, λ = .9: greedy takes z first (perfect on its own),
 * then x, ending at F ≈ 0.064 and C_KL ≈ 0.141, while the accuracy list {x, y} has F = 0.2 and C_KL = 0. Hence
 * `fallbackToAccuracyList` (default on). Neither plain nor guarded greedy guarantees that klAfter falls as λ grows
 * (the exact optimum does); the specs pin counterexamples. What the guard does guarantee: F(returned) ≥ F(accuracy
 * list), and for λ > 0 klAfter ≤ klBefore (F_g ≥ F_acc with Σs_g ≤ Σs_acc leaves λ·KL_g ≤ λ·KL_acc).
 *
 * @example
 * calibratedRerank({
 *   candidates: [
 *     { id: 'd1', score: 0.9, categories: { Drama: 1 } },
 *     { id: 'd2', score: 0.8, categories: { Drama: 1 } },
 *     { id: 'd3', score: 0.7, categories: { Drama: 1 } },
 *     { id: 'doc1', score: 0.5, categories: { Documentary: 1 } },
 *   ],
 *   profile: { Drama: 0.7, Documentary: 0.3 },
 *   n: 3,
 *   lambda: 0.5,
 * }).items // → ['d1', 'doc1', 'd2']   (λ = 0 gives ['d1', 'd2', 'd3'])
 *
 * Reference: H. Steck, "Calibrated Recommendations", RecSys 2018, doi 10.1145/3240323.3240372.
 */
export function calibratedRerank(input: CalibratedRerankInput): CalibratedRerankResult {
  return withScratchArena((arena) => rerankWith(input, arena));
}

function rerankWith(input: CalibratedRerankInput, arena: ScratchArena): CalibratedRerankResult {
  const settings = validatedSettings(input);
  const profile = normalisedCategoryDistribution(input.profile, 'profile');
  const target = calibrationTarget(profile, input.prior);
  const categories = internTargetCategories(target, settings.alpha);
  const { candidates } = settings;
  const rows = Array.isArray(candidates)
    ? candidateRows(candidates, categories.index, arena)
    : catalogueCandidateRows(candidates as CatalogueCandidates, categories, arena);

  const accuracyOrder = accuracyListOrder(rows, settings.n);
  const greedyOrder = steckGreedyOrder(rows, groupIdenticalRows(rows, arena), categories, settings, arena);
  const accuracy = listStatistics(accuracyOrder, rows, categories, settings, arena);
  const greedy = listStatistics(greedyOrder, rows, categories, settings, arena);
  const useAccuracyList =
    settings.fallbackToAccuracyList && objectiveOf(greedy, settings.lambda) < objectiveOf(accuracy, settings.lambda);
  const returnedOrder = useAccuracyList ? accuracyOrder : greedyOrder;
  const returned = useAccuracyList ? accuracy : greedy;

  return {
    items: returnedOrder.map((i) => rows.ids[i]),
    klBefore: accuracy.kl,
    klAfter: returned.kl,
    relevance: { before: accuracy.score, after: returned.score },
    relevanceRetained: accuracy.score > 0 ? returned.score / accuracy.score : null,
    minorityShare: minorityShareOf(profile, rows, categories, settings, { returned: returnedOrder, accuracy: accuracyOrder }),
    objective: { before: objectiveOf(accuracy, settings.lambda), after: objectiveOf(returned, settings.lambda) },
    listSource: useAccuracyList ? 'accuracy-list' : 'greedy',
    target,
  };
}

/** The input's scalar settings, checked, with their defaults filled in (the profile and prior are checked apart). */
interface RerankSettings {
  /** Candidate objects, or catalogue positions with their scores. */
  readonly candidates: readonly RerankCandidate[] | CatalogueCandidates;
  readonly n: number;
  readonly lambda: number;
  readonly alpha: number;
  readonly minorityThreshold: number;
  readonly fallbackToAccuracyList: boolean;
}

function validatedSettings(input: CalibratedRerankInput): RerankSettings {
  if (input === null || typeof input !== 'object') {
    throw new CalibrationInputError(
      `calibratedRerank expects an object { candidates, profile, n, lambda, alpha?, prior? }; got ${describeValue(input)}.`,
    );
  }
  const { n, lambda } = input;
  const alpha = input.alpha ?? DEFAULT_ALPHA;
  const minorityThreshold = input.minorityThreshold ?? MINORITY_INTEREST_THRESHOLD;
  const fallbackToAccuracyList = input.fallbackToAccuracyList ?? true;

  const candidates = validatedCandidates(input);
  const [counted, candidateCount] = Array.isArray(candidates)
    ? ['candidates.length', candidates.length]
    : ['positions.length', (candidates as CatalogueCandidates).positions.length];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > candidateCount) {
    throw new CalibrationInputError(
      `n must be an integer between 1 and ${counted} (${candidateCount}); got ${describeValue(n)}. Ask for at most as many items as there are candidates.`,
    );
  }
  if (typeof lambda !== 'number' || !(lambda >= 0 && lambda <= 1)) {
    throw new CalibrationInputError(
      `lambda must be a number in [0, 1] (0 = rank by score only, 1 = calibration only); got ${describeValue(lambda)}.`,
    );
  }
  assertAlpha(alpha);
  if (typeof minorityThreshold !== 'number' || !(minorityThreshold > 0 && minorityThreshold <= 1)) {
    throw new CalibrationInputError(
      `minorityThreshold must be a number in (0, 1] (default ${MINORITY_INTEREST_THRESHOLD}); got ${describeValue(minorityThreshold)}.`,
    );
  }
  return { candidates, n, lambda, alpha, minorityThreshold, fallbackToAccuracyList };
}

/** The candidates in either form, checked down to their count (each candidate is checked as its row is built). */
function validatedCandidates(input: CalibratedRerankInput): readonly RerankCandidate[] | CatalogueCandidates {
  const given = input as Partial<{ candidates: unknown } & CatalogueCandidates>;
  if (given.catalogue === undefined) {
    const { candidates } = given;
    if (!Array.isArray(candidates) || candidates.length === 0) {
      throw new CalibrationInputError(
        `candidates must be a non-empty array of { id, score, categories } (or give catalogue, positions and scores); got ${Array.isArray(candidates) ? 'an empty array' : describeValue(candidates)}. With nothing to rank, skip the rerank.`,
      );
    }
    return candidates as readonly RerankCandidate[];
  }
  const { catalogue, positions, scores } = given;
  if (given.candidates !== undefined) {
    throw new CalibrationInputError('give either candidates (objects) or catalogue with positions and scores, not both.');
  }
  if (!(catalogue instanceof RerankCatalogue)) {
    throw new CalibrationInputError(`catalogue must be a RerankCatalogue (RerankCatalogue.of(items)); got ${describeValue(catalogue)}.`);
  }
  const isList = (value: unknown): value is ArrayLike<number> => Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (!isList(positions) || positions.length === 0) {
    throw new CalibrationInputError(
      `positions must be a non-empty array (or typed array) of the candidates' catalogue positions; got ${isList(positions) ? 'an empty one' : describeValue(positions)}. With nothing to rank, skip the rerank.`,
    );
  }
  if (!isList(scores) || scores.length !== positions.length) {
    throw new CalibrationInputError(
      `scores must be an array (or typed array) with one score per position (${positions.length}); got ${isList(scores) ? `${scores.length} scores` : describeValue(scores)}.`,
    );
  }
  return { catalogue, positions, scores };
}

/** p̃ = β·p₀ + (1−β)·p, or p without a prior; zero entries dropped. */
function calibrationTarget(profile: Record<string, number>, prior: CalibrationPrior | undefined): Record<string, number> {
  if (prior === undefined) return profile;
  if (prior === null || typeof prior !== 'object') {
    throw new CalibrationInputError(
      `prior must be { weight: β in [0, 1], distribution: p₀ } or omitted; got ${describeValue(prior)}.`,
    );
  }
  const beta = prior.weight;
  if (typeof beta !== 'number' || !(beta >= 0 && beta <= 1)) {
    throw new CalibrationInputError(
      `prior.weight (β) must be a number in [0, 1] (0 = the user's profile only, 1 = the prior only); got ${describeValue(beta)}.`,
    );
  }
  const priorDistribution = normalisedCategoryDistribution(prior.distribution, 'prior.distribution');
  const target = emptyCategoryMap();
  for (const category of Object.keys(profile)) target[category] = (1 - beta) * profile[category];
  for (const category of Object.keys(priorDistribution)) {
    target[category] = weightOf(target, category) + beta * priorDistribution[category];
  }
  for (const category of Object.keys(target)) if (!(target[category] > 0)) delete target[category];
  return target;
}

interface ListStatistics {
  /** Σ s(i) over the list. */
  readonly score: number;
  /** C_KL(p̃ ‖ q̃) of the list. */
  readonly kl: number;
}

/** Batch statistics of a list, summed in candidate-index order so equal sets give bit-identical values. */
function listStatistics(
  order: readonly number[],
  rows: CandidateRows,
  target: TargetCategories,
  settings: { readonly n: number; readonly alpha: number },
  arena: ScratchArena,
): ListStatistics {
  const { scores, rowStart, entryCategory, entryWeight } = rows;
  const categoryCount = target.mass.length;
  const keep = 1 - settings.alpha;
  // The list's candidates in index order (typed arrays sort numerically): the same summation order as a scan of all
  // C candidates, without the scan.
  const byIndex = arena.int32(order.length);
  byIndex.set(order);
  byIndex.sort();
  const listMass = arena.float64(categoryCount);
  let score = 0;
  for (const i of byIndex) {
    score += scores[i];
    for (let e = rowStart[i], end = rowStart[i + 1]; e < end; e++) listMass[entryCategory[e]] += entryWeight[e];
  }
  let kl = 0;
  for (let g = 0; g < categoryCount; g++) {
    const p = target.mass[g];
    kl += p * Math.log(p / ((keep * listMass[g]) / settings.n + target.alphaMass[g]));
  }
  return { score, kl };
}

/** F(I) = (1−λ)·Σ s(i) − λ·C_KL. */
function objectiveOf(statistics: ListStatistics, lambda: number): number {
  return (1 - lambda) * statistics.score - lambda * statistics.kl;
}

/** Minority interests are the user's own (p, not p̃): categories with 0 < p(g|u) < threshold, and their share in both lists. */
function minorityShareOf(
  profile: Readonly<Record<string, number>>,
  rows: CandidateRows,
  target: TargetCategories,
  settings: RerankSettings,
  lists: { readonly returned: readonly number[]; readonly accuracy: readonly number[] },
): MinorityShare {
  const categories = Object.keys(profile)
    .filter((category) => profile[category] < settings.minorityThreshold)
    .sort();
  const minorityIndex = new Uint8Array(target.mass.length);
  const allInTarget = categories.every((category) => {
    const g = target.index.get(category);
    if (g !== undefined) minorityIndex[g] = 1;
    return g !== undefined;
  });
  // w(g|i)/Σw of a category outside the target: looked up in the candidate's object or the catalogue's row.
  const { candidates } = settings;
  const normalisedWeight = Array.isArray(candidates)
    ? (i: number, category: string) => weightOf(candidates[i].categories, category) / rows.weightSums[i]
    : (i: number, category: string) => (candidates as CatalogueCandidates).catalogue.normalisedWeight((candidates as CatalogueCandidates).positions[i], category);
  // An item's row already holds w(g|i)/Σw over the target's categories, in the same (sorted) order as `categories`:
  // summing its minority entries adds the same terms in the same order as looking each category up in the item.
  const listShare = (order: readonly number[]): number => {
    let share = 0;
    for (const i of order) {
      if (allInTarget) {
        for (let e = rows.rowStart[i], end = rows.rowStart[i + 1]; e < end; e++) {
          if (minorityIndex[rows.entryCategory[e]] === 1) share += rows.entryWeight[e];
        }
        continue;
      }
      for (const category of categories) share += normalisedWeight(i, category);
    }
    return share / settings.n;
  };
  return {
    categories,
    profileShare: categories.reduce((sum, category) => sum + profile[category], 0),
    listShare: listShare(lists.returned),
    listShareBefore: listShare(lists.accuracy),
  };
}
