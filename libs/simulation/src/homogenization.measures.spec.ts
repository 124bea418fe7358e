import { describe, expect, it } from 'vitest';
import { consumptionEntropy, neighbourHomogenization, populationHomogenization, trueTasteNeighbours, trueTasteVector } from './homogenization.measures';
import { HAND_WORKED_POPULATION } from './hand-worked-population.fixture';
import { runOffline } from './offline-loop.runner';
import { plantPopulation, type PopulationOptions } from './planted-population';
import { STANDARD_POLICIES } from './serving.policy';

/**
 * Six users worked out by hand: the hand-worked population (two categories, single-category items, no deviation,
 * strength 2) with two users per group and every stance 0. Taste vectors: a-fans (2, 0, 0), b-fans (0, 2, 0), mixed
 * 70/30 (1.4, 0.6, 0).
 */
const handWorked: PopulationOptions = {
  ...HAND_WORKED_POPULATION,
  userCount: 6,
  groups: HAND_WORKED_POPULATION.groups!.map((group) => ({ ...group, stance: { mean: 0, sd: 0 } })),
};

describe('trueTasteVector and trueTasteNeighbours', () => {
  it('give the taste vector strength · profile + deviation, stance last, and pair users with the closest true taste', () => {
    const population = plantPopulation(handWorked);
    const [a1, a2, b1, b2, m1, m2] = population.users;
    expect([...new Set(population.users.map((u) => u.group))]).toEqual(['a-fans', 'b-fans', 'mixed']);
    expect(Array.from(trueTasteVector(population, a1!))).toEqual([2, 0, 0]);
    expect(Array.from(trueTasteVector(population, m1!)).map((x) => Number(x.toFixed(12)))).toEqual([1.4, 0.6, 0]);
    const neighbours = trueTasteNeighbours(population);
    // Same-group users have identical vectors (cosine 1); the earlier one wins a tie.
    expect([a1, a2, b1, b2, m1, m2].map((user) => neighbours.get(user!.id)!.id)).toEqual([a2, a1, b2, b1, m2, m1].map((user) => user!.id));
  });

  it('follow a taste that moved: a mixed user narrowed onto b pairs with a b-fan', () => {
    const population = plantPopulation(handWorked);
    const [, , b1, , m1] = population.users;
    for (const persona of m1!.personas) persona.profile.set([0, 1]);
    expect(trueTasteNeighbours(population).get(m1!.id)!.id).toBe(b1!.id);
  });

  it('are empty for a population of one', () => {
    expect(trueTasteNeighbours(plantPopulation({ ...handWorked, userCount: 1, groups: [handWorked.groups![0]!].map((g) => ({ ...g, share: 1 })) })).size).toBe(0);
  });
});

describe('neighbourHomogenization', () => {
  it('is the Jaccard index with the true-taste neighbour’s consumed set, undefined where neither consumed anything', () => {
    const population = plantPopulation(handWorked);
    const [a1, a2, b1, , m1, m2] = population.users.map((user) => user.id);
    const consumed = new Map<string, Set<string>>([
      [a1!, new Set(['x', 'y', 'z'])],
      [a2!, new Set(['y', 'z', 'w'])], // with a1: {y, z} of {x, y, z, w} = 0.5
      [b1!, new Set(['x'])], // b2 consumed nothing: 0
      [m1!, new Set()], // m1 and m2 both empty: undefined
    ]);
    const byUser = neighbourHomogenization(population, consumed);
    expect(population.users.map((user) => byUser.get(user.id))).toEqual([0.5, 0.5, 0, 0, undefined, undefined]);
    void m2;
  });
});

describe('populationHomogenization', () => {
  it('is the mean Jaccard index over every pair of users when there are few, leaving out pairs where neither consumed', () => {
    const population = plantPopulation({ ...handWorked, userCount: 3, groups: handWorked.groups!.map((g) => ({ ...g, share: 1 / 3 })) });
    const [u, v, w] = population.users.map((user) => user.id);
    // J(u, v) = 1/3 ({b} of {a, b, c}); J(u, w) = 0 (w consumed nothing, u did); J(v, w) = 0. Mean 1/9.
    expect(populationHomogenization(population, new Map([[u!, new Set(['a', 'b'])], [v!, new Set(['b', 'c'])]]))).toBeCloseTo(1 / 9, 12);
    expect(populationHomogenization(population, new Map())).toBe(0);
    // Everyone consuming the same items is complete homogenization.
    const same = new Set(['a', 'b']);
    expect(populationHomogenization(population, new Map([[u!, same], [v!, same], [w!, same]]))).toBe(1);
  });
});

describe('consumptionEntropy', () => {
  it('is the normalised category entropy of the consumed items, undefined when nothing was consumed', () => {
    const population = plantPopulation(handWorked);
    const [a, b, c] = population.items.map((item) => item.id); // single-category items: a, b, a, b
    expect(consumptionEntropy(population, [])).toBeUndefined();
    expect(consumptionEntropy(population, [a!])).toBe(0);
    expect(consumptionEntropy(population, [a!, b!])).toBeCloseTo(1, 12); // one of each of two categories: ln 2 / ln 2
    expect(consumptionEntropy(population, [a!, b!, c!])).toBeCloseTo(-(2 / 3) * Math.log(2 / 3) / Math.log(2) - (1 / 3) * Math.log(1 / 3) / Math.log(2), 12);
  });
});

// Chaney et al. 2018: a recommender that serves everyone alike homogenizes consumption. In the offline loop, serving
// the aggregate to everyone (τ² = 0) makes random pairs of users consume more alike than personalized serving does,
// while minority users consume *less* like their true-taste neighbours (the aggregate's items are not theirs). Seeds
// 1–4 checked (60 users, 12 rounds): random pairs 0.437–0.459 aggregate against 0.399–0.423 pooled; minority
// neighbour pairs 0.154–0.232 against 0.409–0.532.
describe('homogenization in the closed loop', () => {
  const options: PopulationOptions = { seed: 4, userCount: 60, itemCount: 80 };
  const last = (policy: string) => runOffline(plantPopulation(options), STANDARD_POLICIES[policy]!, { rounds: 12, warmupRounds: 1, candidateCount: 40, aucEvery: 0 }).rounds.at(-1)!;

  it('is higher under aggregate-only serving than under pooled serving, over random pairs and for the minority’s true-taste pairs', () => {
    const aggregate = last('aggregate-only');
    const pooled = last('pooled');
    expect(aggregate.homogenization).toBeGreaterThan(pooled.homogenization);
    expect(last('near-pure-personal').homogenization).toBeLessThan(aggregate.homogenization);
    expect(aggregate.groups.minority!.homogenization).toBeLessThan(pooled.groups.minority!.homogenization);
    for (const round of [aggregate, pooled]) {
      expect(round.homogenization).toBeGreaterThan(0);
      expect(round.homogenization).toBeLessThan(1);
      for (const group of Object.values(round.groups)) {
        expect(group.consumptionEntropy).toBeGreaterThanOrEqual(0);
        expect(group.consumptionEntropy).toBeLessThanOrEqual(1);
      }
    }
    console.log(
      `homogenization at round 12: aggregate ${aggregate.homogenization.toFixed(4)}, pooled ${pooled.homogenization.toFixed(4)}; ` +
        `minority neighbour pairs ${aggregate.groups.minority!.homogenization.toFixed(4)} vs ${pooled.groups.minority!.homogenization.toFixed(4)}`,
    );
  }, 60_000);
});
