import { exactJaccard, sampleUserPairs } from '@chorus/metrics';
import { stableHash } from '@chorus/random';
import type { Population, SimulatedUser } from './planted-population';
import { listCategoryEntropy, trueCategoryProfile } from './truth.measures';

/**
 * Homogenization of consumption against the planted truth (Chaney, Stewart & Engelhardt 2018, "How algorithmic
 * confounding in recommendation systems increases homogeneity and decreases utility", arXiv 1710.11214): the Jaccard
 * index J(C_u, C_v) = |C_u ∩ C_v| / |C_u ∪ C_v| of what users have consumed so far. Chaney et al. pair each user with
 * the user whose *true* preferences are closest, so that a rising J means a recommender pushes alike users onto the
 * same items beyond what their tastes explain; random pairs show whether everyone is being pushed onto the same items.
 */

/** Pairs drawn for the population-wide (random pairs) homogenization: all pairs below this many, a seeded sample above. */
export const HOMOGENIZATION_PAIRS = 2_000;

/**
 * A user's true taste as a vector: t_u = tasteStrength · p(·|u) + δ_u over the categories, then stanceAffinity · s_u.
 * True utility is baseline + t_u·w_i + quality_i + stanceAffinity · s_u · s_i, and baseline and quality are the same for
 * every user, so two users with the same t_u rank every item alike.
 */
export function trueTasteVector(population: Population, user: SimulatedUser): Float64Array {
  const profile = trueCategoryProfile(population, user);
  const vector = new Float64Array(population.categories.length + 1);
  population.categories.forEach((category, g) => {
    vector[g] = population.options.tasteStrength * profile[category]! + user.deviation[g]!;
  });
  vector[population.categories.length] = population.options.stanceAffinity * user.stance;
  return vector;
}

/**
 * Each user's nearest neighbour in true taste: the other user with the largest cosine similarity of
 * {@link trueTasteVector}s (ties to the earlier user in population order). Recomputed when tastes move (narrowing,
 * susceptibility). O(n² · categories). Empty for fewer than two users.
 */
export function trueTasteNeighbours(population: Population): Map<string, SimulatedUser> {
  const users = population.users;
  const vectors = users.map((user) => unit(trueTasteVector(population, user)));
  const neighbours = new Map<string, SimulatedUser>();
  if (users.length < 2) return neighbours;
  users.forEach((user, u) => {
    let best = -1;
    let bestSimilarity = -Infinity;
    for (let v = 0; v < users.length; v++) {
      if (v === u) continue;
      const similarity = dot(vectors[u]!, vectors[v]!);
      if (similarity > bestSimilarity) (best = v), (bestSimilarity = similarity);
    }
    neighbours.set(user.id, users[best]!);
  });
  return neighbours;
}

/**
 * Per user, the Jaccard index of their consumed set with their true-taste nearest neighbour's (Chaney et al.'s
 * pairing); 0 when exactly one of the two has consumed something, undefined when neither has.
 */
export function neighbourHomogenization(
  population: Population,
  consumed: ReadonlyMap<string, ReadonlySet<string>>,
  neighbours: ReadonlyMap<string, SimulatedUser> = trueTasteNeighbours(population),
): Map<string, number | undefined> {
  const byUser = new Map<string, number | undefined>();
  for (const user of population.users) {
    const neighbour = neighbours.get(user.id);
    byUser.set(user.id, neighbour ? exactJaccard(consumed.get(user.id) ?? [], consumed.get(neighbour.id) ?? []) : undefined);
  }
  return byUser;
}

/**
 * The mean Jaccard index of consumed sets over random pairs of users: every pair when there are at most
 * {@link HOMOGENIZATION_PAIRS}, otherwise that many drawn from a stream fixed by the population's seed and domain (the
 * same panel every round). Pairs where neither user has consumed anything are left out; 0 when every pair is.
 */
export function populationHomogenization(population: Population, consumed: ReadonlyMap<string, ReadonlySet<string>>): number {
  const ids = population.users.map((user) => user.id);
  const possible = (ids.length * (ids.length - 1)) / 2;
  const pairs = sampleUserPairs(ids, Math.min(possible, HOMOGENIZATION_PAIRS), stableHash(`homogenization:${population.options.seed}:${population.domain}`));
  let sum = 0;
  let defined = 0;
  for (const [a, b] of pairs) {
    const j = exactJaccard(consumed.get(a) ?? [], consumed.get(b) ?? []);
    if (j === undefined) continue;
    sum += j;
    defined += 1;
  }
  return defined === 0 ? 0 : sum / defined;
}

/**
 * Normalised category entropy of what a user consumed from one list (H(q)/ln G, q the mean category weights of the
 * consumed items); undefined when nothing was consumed. Exposure entropy is the same measure on the served list.
 */
export function consumptionEntropy(population: Population, consumedItems: readonly string[]): number | undefined {
  return consumedItems.length === 0 ? undefined : listCategoryEntropy(population, consumedItems);
}

function unit(vector: Float64Array): Float64Array {
  const norm = Math.sqrt(dot(vector, vector));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
