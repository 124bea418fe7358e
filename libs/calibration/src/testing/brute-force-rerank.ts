import type { RerankCandidate } from '../calibrated-rerank';

/**
 * Test oracles, written directly from the formulas and sharing no code with the library:
 * C_KL(p ‖ q̃) = Σ_g p_g ln(p_g / ((1−α) q_g + α p_g)), q = mean of p(g|i) over the list,
 * F(I) = (1−λ)·Σ s(i) − λ·C_KL.
 */
export function batchKl(
  profile: Record<string, number>,
  list: readonly RerankCandidate[],
  alpha: number,
): number {
  let kl = 0;
  for (const [category, p] of Object.entries(profile)) {
    if (p === 0) continue;
    let q = 0;
    for (const item of list) q += (item.categories[category] ?? 0) / list.length;
    kl += p * Math.log(p / ((1 - alpha) * q + alpha * p));
  }
  return kl;
}

export function batchObjective(
  profile: Record<string, number>,
  list: readonly RerankCandidate[],
  lambda: number,
  alpha: number,
): number {
  const relevance = list.reduce((sum, item) => sum + item.score, 0);
  return (1 - lambda) * relevance - lambda * batchKl(profile, list, alpha);
}

export interface BruteForceOptimum {
  readonly objective: number;
  /** C_KL of one maximiser (any maximiser: the monotonicity theorem holds for every choice). */
  readonly kl: number;
  readonly ids: string[];
}

/** The exact maximiser of F over all n-subsets (exponential: small instances only). */
export function bruteForceRerank(
  candidates: readonly RerankCandidate[],
  profile: Record<string, number>,
  n: number,
  lambda: number,
  alpha: number,
): BruteForceOptimum {
  let best: BruteForceOptimum = { objective: -Infinity, kl: NaN, ids: [] };
  const chosen: RerankCandidate[] = [];
  const visit = (start: number): void => {
    if (chosen.length === n) {
      const objective = batchObjective(profile, chosen, lambda, alpha);
      if (objective > best.objective) {
        best = { objective, kl: batchKl(profile, chosen, alpha), ids: chosen.map((item) => item.id) };
      }
      return;
    }
    for (let i = start; i <= candidates.length - (n - chosen.length); i++) {
      chosen.push(candidates[i]);
      visit(i + 1);
      chosen.pop();
    }
  };
  visit(0);
  return best;
}

/** Top n by score, ties by id (code-unit order). */
export function topNByScore(candidates: readonly RerankCandidate[], n: number): RerankCandidate[] {
  return [...candidates]
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, n);
}
