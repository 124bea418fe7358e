import { steckMiscalibration } from '@chorus/metrics';
import { describe, expect, it } from 'vitest';
import { HAND_WORKED_POPULATION as handWorked } from './hand-worked-population.fixture';
import { plantPopulation } from './planted-population';
import {
  examinationProbability,
  listCategoryEntropy,
  listRegret,
  minorityShareOfList,
  stanceExtremityChange,
  trueAuc,
  trueCalibrationKl,
  trueCategoryProfile,
  truePolarization,
  trueUtility,
} from './truth.measures';

describe('truth-side measures', () => {
  const population = plantPopulation(handWorked);
  const [aFan, , mixed] = population.users as [never, never, never];
  const [a1, b1, a2, b2] = population.items.map((item) => item.id) as [string, string, string, string];

  it('true utility is the persona mix of −1 + 2·p(category) on the hand-worked population', () => {
    expect(population.items.map((item) => item.primaryCategory)).toEqual(['a', 'b', 'a', 'b']);
    expect(trueUtility(population, aFan, population.itemById.get(a1)!)).toBeCloseTo(1, 12);
    expect(trueUtility(population, aFan, population.itemById.get(b1)!)).toBeCloseTo(-1, 12);
    expect(trueUtility(population, mixed, population.itemById.get(a1)!)).toBeCloseTo(0.4, 12);
    expect(trueUtility(population, mixed, population.itemById.get(b1)!)).toBeCloseTo(-0.4, 12);
    expect(trueCategoryProfile(population, mixed)).toEqual({ a: 0.7, b: 0.3 });
  });

  it('regret is the best n items’ utility minus the list’s, optionally position-weighted by 1/log2(r + 2)', () => {
    expect(listRegret(population, aFan, [a1, a2])).toBe(0);
    expect(listRegret(population, aFan, [a2, a1])).toBe(0);
    expect(listRegret(population, aFan, [b1, b2])).toBeCloseTo(4, 12); // (1 + 1) − (−1 − 1)
    expect(listRegret(population, aFan, [a1, b1])).toBeCloseTo(2, 12);
    expect(listRegret(population, aFan, [b1, b2], { positionWeighted: true })).toBeCloseTo(2 + 2 / Math.log2(3), 12);
    expect(listRegret(population, aFan, [b1, a1], { positionWeighted: true })).toBeCloseTo(2, 12); // best item at rank 1
    expect(listRegret(population, aFan, [b1], { candidates: [population.itemById.get(b1)!] })).toBe(0);
    expect(examinationProbability(0)).toBe(1);
    expect(examinationProbability(2)).toBe(0.5);
  });

  it('AUC against the truth: 1 when scores order by true utility, 0 when reversed, ½ when constant', () => {
    const utility = (item: Parameters<typeof trueUtility>[2]) => trueUtility(population, mixed, item);
    expect(trueAuc(population, mixed, utility)).toBe(1);
    expect(trueAuc(population, mixed, (item) => -utility(item))).toBe(0);
    expect(trueAuc(population, mixed, () => 0)).toBe(0.5);
  });

  it('minority share of a list against the user’s true share; none for a single-taste user', () => {
    expect(minorityShareOfList(population, mixed, [a1, a2])).toEqual({ categories: ['b'], truth: 0.3, list: 0 });
    expect(minorityShareOfList(population, mixed, [a1, b1])).toEqual({ categories: ['b'], truth: 0.3, list: 0.5 });
    expect(minorityShareOfList(population, aFan, [a1, b1])).toBeUndefined();
  });

  it('C_KL against the true profile agrees with the metrics library’s independent steckMiscalibration', () => {
    expect(trueCalibrationKl(population, mixed, [a1, a2])).toBeCloseTo(steckMiscalibration([0.7, 0.3], [1, 0]), 12);
    expect(trueCalibrationKl(population, mixed, [a1, a2])).toBeCloseTo(1.134, 3); // Steck's 70/30 example
    expect(trueCalibrationKl(population, mixed, [a1, b1])).toBeCloseTo(steckMiscalibration([0.7, 0.3], [0.5, 0.5]), 12);
    expect(trueCalibrationKl(population, aFan, [a1, a2])).toBeCloseTo(0, 12);
  });

  it('category entropy of a list: 0 for one category, 1 for an even split', () => {
    expect(listCategoryEntropy(population, [a1, a2])).toBe(0);
    expect(listCategoryEntropy(population, [a1, b1])).toBeCloseTo(1, 12);
  });

  it('Esteban–Ray polarization of true stances: 1 for a half/half split at the poles, 0 for consensus; extremity change', () => {
    const split = plantPopulation({
      ...handWorked,
      userCount: 10,
      groups: [
        { name: 'left', kind: 'majority', share: 0.5, personas: [{ taste: 'likes-a', weight: 1 }], stance: { mean: -1, sd: 0 } },
        { name: 'right', kind: 'minority', share: 0.5, personas: [{ taste: 'likes-a', weight: 1 }], stance: { mean: 1, sd: 0 } },
      ],
    });
    expect(truePolarization(split.users)).toBeCloseTo(1, 12);
    const consensus = plantPopulation({ ...handWorked, groups: [{ ...handWorked.groups![0]!, share: 1, stance: { mean: 0.2, sd: 0 } }] });
    expect(truePolarization(consensus.users)).toBe(0);
    const user = consensus.users[0]!;
    user.stance = -0.5;
    expect(stanceExtremityChange(user)).toBeCloseTo(0.3, 12);
  });
});
