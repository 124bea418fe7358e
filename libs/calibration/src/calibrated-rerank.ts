import { assertAlpha, DEFAULT_ALPHA } from './calibration-kl';
import { CalibrationInputError } from './calibration-input.error';
import {
  describeValue,
  DISTRIBUTION_SUM_TOLERANCE,
  emptyCategoryMap,
  normalisedCategoryDistribution,
  validatedWeightSum,
  weightOf,
  type CategoryDistribution,
} from './category-distribution';

/** A candidate item: its relevance score s(i) and its category distribution p(g|i). */
export interface RerankCandidate {
  readonly id: string;
  /** Relevance s(i), used as given (not rescaled). DESIGN §6 expects scores normalised to [0,1]; see below. */
  readonly score: number;
  /** p(g|i): category → weight, summing to 1 (±1e-6; renormalised exactly before use). */
  readonly categories: CategoryDistribution;
}

/** Diversity prior: the target becomes p̃ = β·p₀ + (1−β)·p, so calibration never locks a user into their past. */
export interface CalibrationPrior {
  /** β ∈ [0, 1]; 0 = the user's profile only, 1 = the prior only. */
  readonly weight: number;
  /** p₀, a distribution over categories (e.g. the population's, or uniform). */
  readonly distribution: CategoryDistribution;
}

export interface CalibratedRerankInput {
  readonly candidates: readonly RerankCandidate[];
  /** p(g|u), the user's category profile (see `categoryDistribution`). */
  readonly profile: CategoryDistribution;
  /** List length N, an integer in [1, candidates.length]. */
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

/** Greedy gains closer than this (relative, floor 1) count as tied and fall to the score-then-id tie-break. */
const TIE_TOLERANCE = 1e-12;

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
 * **Complexity.** Setup O(Σ_i G_i + G log G + C·N) (validation, interning, row grouping, the top-N insertion buffer,
 * which is ~O(C) unless scores arrive sorted ascending); greedy O(N·(G + D·Ḡ_i)) ⊆ O(N·C·G) Math.log calls, where G
 * is the target's support, G_i the number of item i's categories in it and Ḡ_i their mean, plus O(N·C) comparisons
 * to advance group heads; memory O(Σ_i G_i + C + G). The inner loop reads typed arrays and allocates nothing.
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
  if (input === null || typeof input !== 'object') {
    throw new CalibrationInputError(
      `calibratedRerank expects an object { candidates, profile, n, lambda, alpha?, prior? }; got ${describeValue(input)}.`,
    );
  }
  const { candidates, n, lambda } = input;
  const alpha = input.alpha ?? DEFAULT_ALPHA;
  const minorityThreshold = input.minorityThreshold ?? MINORITY_INTEREST_THRESHOLD;
  const fallbackToAccuracyList = input.fallbackToAccuracyList ?? true;

  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw new CalibrationInputError(
      `candidates must be a non-empty array of { id, score, categories }; got ${Array.isArray(candidates) ? 'an empty array' : describeValue(candidates)}. With nothing to rank, skip the rerank.`,
    );
  }
  const candidateCount = candidates.length;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > candidateCount) {
    throw new CalibrationInputError(
      `n must be an integer between 1 and candidates.length (${candidateCount}); got ${describeValue(n)}. Ask for at most as many items as there are candidates.`,
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

  const profile = normalisedCategoryDistribution(input.profile, 'profile');
  const target = calibrationTarget(profile, input.prior);

  // Intern the target's categories once per call, in sorted order, so every sum runs in the same order whatever the
  // key order of the caller's objects (identical distributions then give bit-identical gains).
  const categoryNames = Object.keys(target).sort();
  const categoryCount = categoryNames.length;
  const categoryIndex = new Map<string, number>();
  const targetMass = new Float64Array(categoryCount);
  const alphaTarget = new Float64Array(categoryCount);
  for (let g = 0; g < categoryCount; g++) {
    categoryIndex.set(categoryNames[g], g);
    targetMass[g] = target[categoryNames[g]];
    alphaTarget[g] = alpha * targetMass[g];
  }

  // Validate candidates and lay their target-category weights out as CSR rows sorted by category index, in one pass.
  const ids: string[] = new Array(candidateCount);
  const scores = new Float64Array(candidateCount);
  const weightSums = new Float64Array(candidateCount);
  const rowStart = new Int32Array(candidateCount + 1);
  let entryCategory = new Int32Array(candidateCount * 4);
  let entryWeight = new Float64Array(candidateCount * 4);
  const seen = new Map<string, number>();
  const labelOf = (i: number): string => `candidates[${i}] (id ${JSON.stringify(candidates[i].id)})`;
  const rejectCategories = (i: number): never => {
    validatedWeightSum(candidates[i].categories, `${labelOf(i)} categories`); // throws the descriptive error
    throw new CalibrationInputError(`${labelOf(i)} categories must be a distribution over categories summing to 1.`);
  };
  let entryCount = 0;
  for (let i = 0; i < candidateCount; i++) {
    const candidate = candidates[i];
    if (candidate === null || typeof candidate !== 'object') {
      throw new CalibrationInputError(`candidates[${i}] must be an object { id, score, categories }; got ${describeValue(candidate)}.`);
    }
    const { id, score, categories } = candidate;
    if (typeof id !== 'string' || id.length === 0) {
      throw new CalibrationInputError(`candidates[${i}].id must be a non-empty string; got ${describeValue(id)}.`);
    }
    const first = seen.get(id);
    if (first !== undefined) {
      throw new CalibrationInputError(
        `${labelOf(i)} repeats the id of candidates[${first}]; ids must be unique — deduplicate the candidates before reranking.`,
      );
    }
    seen.set(id, i);
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
        const grownCategory = new Int32Array(entryCount * 2);
        grownCategory.set(entryCategory);
        entryCategory = grownCategory;
        const grownWeight = new Float64Array(entryCount * 2);
        grownWeight.set(entryWeight);
        entryWeight = grownWeight;
      }
      // Insertion sort by category index: rows are short (an item's few categories).
      let slot = entryCount++;
      while (slot > rowBegin && entryCategory[slot - 1] > g) {
        entryCategory[slot] = entryCategory[slot - 1];
        entryWeight[slot] = entryWeight[slot - 1];
        slot--;
      }
      entryCategory[slot] = g;
      entryWeight[slot] = w;
    }
    if (!(Math.abs(sum - 1) <= DISTRIBUTION_SUM_TOLERANCE)) {
      rejectCategories(i);
    }
    for (let e = rowBegin; e < entryCount; e++) entryWeight[e] /= sum;
    ids[i] = id;
    scores[i] = score;
    weightSums[i] = sum;
    rowStart[i + 1] = entryCount;
  }

  const prefers = (i: number, j: number): boolean =>
    scores[i] > scores[j] || (scores[i] === scores[j] && ids[i] < ids[j]);

  // The accuracy list: top n by score, ties by id — a bounded insertion buffer, O(C·n) worst case, usually ~O(C).
  const accuracyOrder: number[] = [];
  for (let i = 0; i < candidateCount; i++) {
    if (accuracyOrder.length === n && !prefers(i, accuracyOrder[n - 1])) continue;
    if (accuracyOrder.length < n) accuracyOrder.push(i);
    let slot = accuracyOrder.length - 1;
    while (slot > 0 && prefers(i, accuracyOrder[slot - 1])) {
      accuracyOrder[slot] = accuracyOrder[slot - 1];
      slot--;
    }
    accuracyOrder[slot] = i;
  }

  // Candidates whose target-category rows are identical get identical KL increments in every step, so only the best
  // remaining member of such a group (highest score, then id) can win a step: the greedy evaluates groups, not
  // candidates. Exact, and a large saving when items share category sets (genre combinations, single-genre items).
  const groupRow = new Int32Array(candidateCount); // a representative member, whose CSR row the group shares
  const groupHead = new Int32Array(candidateCount); // the group's best unselected member, −1 once exhausted
  const groupFirstMember = new Int32Array(candidateCount);
  const nextMember = new Int32Array(candidateCount);
  const nextInBucket = new Int32Array(candidateCount);
  const bucketByHash = new Map<number, number>();
  const rowsEqual = (a: number, b: number): boolean => {
    const length = rowStart[a + 1] - rowStart[a];
    if (rowStart[b + 1] - rowStart[b] !== length) return false;
    for (let k = 0; k < length; k++) {
      const ea = rowStart[a] + k;
      const eb = rowStart[b] + k;
      if (entryCategory[ea] !== entryCategory[eb] || entryWeight[ea] !== entryWeight[eb]) return false;
    }
    return true;
  };
  let groupCount = 0;
  for (let i = 0; i < candidateCount; i++) {
    const hash = rowHash(entryCategory, entryWeight, rowStart[i], rowStart[i + 1]);
    const bucket = bucketByHash.get(hash) ?? -1;
    let group = bucket;
    while (group >= 0 && !rowsEqual(groupRow[group], i)) group = nextInBucket[group];
    if (group < 0) {
      group = groupCount++;
      groupRow[group] = i;
      groupHead[group] = i;
      groupFirstMember[group] = -1;
      nextInBucket[group] = bucket;
      bucketByHash.set(hash, group);
    } else if (prefers(i, groupHead[group])) {
      groupHead[group] = i;
    }
    nextMember[i] = groupFirstMember[group];
    groupFirstMember[group] = i;
  }

  // Steck's greedy with running category mass.
  const mass = new Float64Array(categoryCount);
  const base = new Float64Array(categoryCount);
  const selected = new Uint8Array(candidateCount);
  const greedyOrder: number[] = [];
  const keep = 1 - alpha;
  const scoreWeight = 1 - lambda;
  for (let step = 0; step < n; step++) {
    const scale = keep / (step + 1);
    for (let g = 0; g < categoryCount; g++) {
      base[g] = targetMass[g] * Math.log(scale * mass[g] + alphaTarget[g]);
    }
    let best = -1;
    let bestGroup = -1;
    let bestGain = -Infinity;
    let tolerance = 0;
    for (let group = 0; group < groupCount; group++) {
      const i = groupHead[group];
      if (i < 0) continue;
      let delta = 0;
      const row = groupRow[group];
      for (let e = rowStart[row], end = rowStart[row + 1]; e < end; e++) {
        const g = entryCategory[e];
        delta += targetMass[g] * Math.log(scale * (mass[g] + entryWeight[e]) + alphaTarget[g]) - base[g];
      }
      const gain = scoreWeight * scores[i] + lambda * delta;
      const difference = gain - bestGain;
      if (best < 0 || difference > tolerance || (difference >= -tolerance && prefers(i, best))) {
        best = i;
        bestGroup = group;
        bestGain = gain;
        tolerance = TIE_TOLERANCE * (bestGain > 1 ? bestGain : bestGain < -1 ? -bestGain : 1);
      }
    }
    selected[best] = 1;
    greedyOrder.push(best);
    for (let e = rowStart[best], end = rowStart[best + 1]; e < end; e++) mass[entryCategory[e]] += entryWeight[e];
    let head = -1;
    for (let member = groupFirstMember[bestGroup]; member >= 0; member = nextMember[member]) {
      if (selected[member] === 0 && (head < 0 || prefers(member, head))) head = member;
    }
    groupHead[bestGroup] = head;
  }

  // Batch statistics of both lists, summed in candidate-index order so equal sets give bit-identical values.
  const listStatistics = (order: readonly number[]): { score: number; kl: number } => {
    const inList = new Uint8Array(candidateCount);
    for (const i of order) inList[i] = 1;
    const listMass = new Float64Array(categoryCount);
    let score = 0;
    for (let i = 0; i < candidateCount; i++) {
      if (inList[i] !== 1) continue;
      score += scores[i];
      for (let e = rowStart[i], end = rowStart[i + 1]; e < end; e++) listMass[entryCategory[e]] += entryWeight[e];
    }
    let kl = 0;
    for (let g = 0; g < categoryCount; g++) {
      const p = targetMass[g];
      kl += p * Math.log(p / ((keep * listMass[g]) / n + alphaTarget[g]));
    }
    return { score, kl };
  };
  const objectiveOf = (statistics: { score: number; kl: number }): number =>
    (1 - lambda) * statistics.score - lambda * statistics.kl;

  const accuracy = listStatistics(accuracyOrder);
  const greedy = listStatistics(greedyOrder);
  const useAccuracyList = fallbackToAccuracyList && objectiveOf(greedy) < objectiveOf(accuracy);
  const returnedOrder = useAccuracyList ? accuracyOrder : greedyOrder;
  const returned = useAccuracyList ? accuracy : greedy;

  // Minority interests are the user's own (p, not p̃): categories with 0 < p(g|u) < threshold.
  const minorityCategories = Object.keys(profile)
    .filter((category) => profile[category] < minorityThreshold)
    .sort();
  const minorityListShare = (order: readonly number[]): number => {
    let share = 0;
    for (const i of order) {
      const categories = candidates[i].categories;
      for (const category of minorityCategories) share += weightOf(categories, category) / weightSums[i];
    }
    return share / n;
  };

  return {
    items: returnedOrder.map((i) => ids[i]),
    klBefore: accuracy.kl,
    klAfter: returned.kl,
    relevance: { before: accuracy.score, after: returned.score },
    relevanceRetained: accuracy.score > 0 ? returned.score / accuracy.score : null,
    minorityShare: {
      categories: minorityCategories,
      profileShare: minorityCategories.reduce((sum, category) => sum + profile[category], 0),
      listShare: minorityListShare(returnedOrder),
      listShareBefore: minorityListShare(accuracyOrder),
    },
    objective: { before: objectiveOf(accuracy), after: objectiveOf(returned) },
    listSource: useAccuracyList ? 'accuracy-list' : 'greedy',
    target,
  };
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

const hashScratch = new Float64Array(1);
const hashScratchWords = new Uint32Array(hashScratch.buffer);

/** A 30-bit hash of one CSR row (category indices and the exact bits of their weights). */
function rowHash(categories: Int32Array, weights: Float64Array, begin: number, end: number): number {
  let hash = 0x811c9dc5 ^ (end - begin);
  for (let e = begin; e < end; e++) {
    hashScratch[0] = weights[e];
    hash = Math.imul(hash ^ categories[e], 0x01000193);
    hash = Math.imul(hash ^ hashScratchWords[0], 0x01000193);
    hash = Math.imul(hash ^ hashScratchWords[1], 0x01000193);
  }
  return hash & 0x3fffffff;
}
