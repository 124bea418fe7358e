import { calibrationKl } from '@chorus/calibration';
import { EstebanRayPolarization, giniCoefficient, normalizedEntropy } from '@chorus/metrics';
import { rocAuc } from '@chorus/reward';
import type { Population, SimulatedItem, SimulatedUser, UserPersona } from './planted-population';
import { SimulationInputError } from './simulation-input.error';

/**
 * Examination probability of rank r (0-based): e(r) = 1 / log2(r + 2), the DCG discount (Järvelin & Kekäläinen 2002)
 * read as a position-based click model (Craswell et al. 2008): rank 0 is always looked at, rank 1 with 0.63, rank 9
 * with 0.29. The simulator's choice model and the position-weighted regret use the same curve.
 */
export function examinationProbability(rank: number): number {
  return 1 / Math.log2(rank + 2);
}

/**
 * Utility of an item for one persona of a user (the planted truth):
 *
 *   u_k(i) = baseline + strength · p_k·w_i + δ_u·w_i + quality_i + stanceAffinity · s_u · s_i,
 *
 * p_k the persona's category profile, w_i the item's category weights, δ_u the user's own deviation (planted τ²), s the
 * stances (0 when the item has none). Every term is linear in the item's features, so the reward model can represent it.
 */
export function personaUtility(population: Population, user: SimulatedUser, persona: UserPersona, item: SimulatedItem): number {
  const { baseline, tasteStrength, stanceAffinity } = population.options;
  let taste = 0;
  let own = 0;
  for (let g = 0; g < item.weights.length; g++) {
    const w = item.weights[g]!;
    if (w === 0) continue;
    taste += persona.profile[g]! * w;
    own += user.deviation[g]! * w;
  }
  return baseline + tasteStrength * taste + own + item.quality + stanceAffinity * user.stance * (item.stance ?? 0);
}

/** True utility of an item for a user: the persona utilities averaged by the user's mix, Σ_k π_k u_k(i). */
export function trueUtility(population: Population, user: SimulatedUser, item: SimulatedItem): number {
  let u = 0;
  for (const persona of user.personas) u += persona.weight * personaUtility(population, user, persona, item);
  return u;
}

/** The user's true category profile p(g|u) = Σ_k π_k p_k(g) (what calibration should aim at), over all categories. */
export function trueCategoryProfile(population: Population, user: SimulatedUser): Record<string, number> {
  const profile: Record<string, number> = {};
  population.categories.forEach((category, g) => {
    let mass = 0;
    for (const persona of user.personas) mass += persona.weight * persona.profile[g]!;
    profile[category] = mass;
  });
  return profile;
}

/**
 * Regret of a served list against the truth: the best possible true utility of n items from `candidates` (default: the
 * whole catalogue) minus the list's, where n is the list's length. Position-weighted, each rank r counts
 * e(r) = 1/log2(r + 2) and the best list puts its items in descending order. ≥ 0; 0 for the ideal list.
 */
export function listRegret(
  population: Population,
  user: SimulatedUser,
  list: readonly string[],
  options: { candidates?: readonly SimulatedItem[]; positionWeighted?: boolean } = {},
): number {
  const pool = options.candidates ?? population.items;
  if (list.length > pool.length) {
    throw new SimulationInputError(`listRegret: the list has ${list.length} items but there are only ${pool.length} candidates`);
  }
  const weight = (rank: number) => (options.positionWeighted ? examinationProbability(rank) : 1);
  const best = pool.map((item) => trueUtility(population, user, item)).sort((a, b) => b - a);
  let regret = 0;
  list.forEach((itemId, rank) => {
    regret += weight(rank) * (best[rank]! - trueUtility(population, user, itemOf(population, itemId)));
  });
  return Math.max(0, regret);
}

/**
 * ROC AUC of a model's scores against the user's true preferences: an item is truly liked when its true utility lies
 * above the user's median over `items` (default: the catalogue), so every user has both classes. 0.5 is chance, 1
 * orders every liked item above every other. Ties in the model's scores count ½ (Mann–Whitney, `rocAuc`).
 */
export function trueAuc(
  population: Population,
  user: SimulatedUser,
  scoreOf: (item: SimulatedItem) => number,
  items: readonly SimulatedItem[] = population.items,
): number {
  const utilities = items.map((item) => trueUtility(population, user, item));
  const median = [...utilities].sort((a, b) => a - b)[Math.floor(items.length / 2)]!;
  const labels = utilities.map((u) => (u >= median ? 1 : 0) as 0 | 1);
  return rocAuc(items.map(scoreOf), labels);
}

/** Categories the user truly holds as minority interests: 0 < p(g|u) < threshold (default 0.5: all but the main one). */
export function minorityCategories(profile: Readonly<Record<string, number>>, threshold = 0.5): string[] {
  return Object.keys(profile).filter((g) => profile[g]! > 1e-9 && profile[g]! < threshold).sort();
}

/** The list's share of category mass in the user's true minority interests, beside the user's true share of them. */
export interface MinorityShareOfList {
  readonly categories: string[];
  readonly truth: number;
  readonly list: number;
}

/**
 * Minority-interest share of a served list against the truth (Steck 2018's crowding-out, measured on the planted
 * profile): Σ over the user's minority categories of q(g|list), q the mean of the items' category weights, and the same
 * sum over the true profile. `undefined` when the user has no minority interest.
 */
export function minorityShareOfList(
  population: Population,
  user: SimulatedUser,
  list: readonly string[],
  threshold = 0.5,
): MinorityShareOfList | undefined {
  const profile = trueCategoryProfile(population, user);
  const categories = minorityCategories(profile, threshold);
  if (categories.length === 0 || list.length === 0) return undefined;
  const mass = listCategoryMass(population, list);
  let listShare = 0;
  let truth = 0;
  for (const category of categories) {
    listShare += (mass[category] ?? 0) / list.length;
    truth += profile[category]!;
  }
  return { categories, truth, list: listShare };
}

/** Σ_{i∈list} w_i(g) per category. */
export function listCategoryMass(population: Population, list: readonly string[]): Record<string, number> {
  const mass: Record<string, number> = {};
  for (const itemId of list) {
    for (const [category, weight] of Object.entries(itemOf(population, itemId).categories)) {
      mass[category] = (mass[category] ?? 0) + weight;
    }
  }
  return mass;
}

/** Steck's C_KL of a served list against the user's *true* profile (`calibrationKl` of @chorus/calibration, α = 0.01). */
export function trueCalibrationKl(population: Population, user: SimulatedUser, list: readonly string[]): number {
  const profile = trueCategoryProfile(population, user);
  for (const category of Object.keys(profile)) if (!(profile[category]! > 0)) delete profile[category];
  return calibrationKl(profile, listCategoryMass(population, list));
}

/** Normalised category entropy H(q)/ln G of a list's category mix (`normalizedEntropy` of @chorus/metrics). */
export function listCategoryEntropy(population: Population, list: readonly string[]): number {
  const mass = listCategoryMass(population, list);
  const q = population.categories.map((category) => (mass[category] ?? 0) / Math.max(1, list.length));
  return normalizedEntropy(q, population.categories.length);
}

/** Stance reinforcement of a list: mean of s_i · s_u over its items with a stance (0 when none has one). */
export function listStanceReinforcement(population: Population, user: SimulatedUser, list: readonly string[]): number {
  let sum = 0;
  let n = 0;
  for (const itemId of list) {
    const stance = itemOf(population, itemId).stance;
    if (stance === undefined) continue;
    sum += stance * user.stance;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

/** Change in true stance extremity since the population was planted: |s_u| − |s_u at planting|. */
export function stanceExtremityChange(user: SimulatedUser): number {
  return Math.abs(user.stance) - Math.abs(user.initialStance);
}

/** Esteban–Ray polarization of the users' true stances (`EstebanRayPolarization` of @chorus/metrics, α = 1.3, 10 bins). */
export function truePolarization(users: readonly SimulatedUser[]): number {
  const polarization = new EstebanRayPolarization();
  for (const user of users) polarization.add(user.stance);
  return polarization.value ?? 0;
}

/** Gini of exposure counts over the catalogue (`giniCoefficient` of @chorus/metrics); 0 when nothing was exposed. */
export function exposureGini(exposureCounts: ArrayLike<number>): number {
  return giniCoefficient(exposureCounts) ?? 0;
}

export function itemOf(population: Population, itemId: string): SimulatedItem {
  const item = population.itemById.get(itemId);
  if (!item) throw new SimulationInputError(`item "${itemId}" is not in the simulated catalogue; serve only catalogue items`);
  return item;
}
