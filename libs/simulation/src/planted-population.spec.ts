import { itemV1 } from '@chorus/contracts';
import { describe, expect, it } from 'vitest';
import { catalogueItems, groupSizes, plantPopulation, type GroupSpec } from './planted-population';
import { SimulationInputError } from './simulation-input.error';
import { trueCategoryProfile } from './truth.measures';

describe('plantPopulation', () => {
  it('plants the default groups in their shares: 60% majority, 20% minority, 20% mixed (70/30)', () => {
    const population = plantPopulation({ seed: 1, userCount: 200 });
    const count = (group: string) => population.users.filter((user) => user.group === group).length;
    expect([count('majority'), count('minority'), count('mixed')]).toEqual([120, 40, 40]);
    const mixed = population.users.find((user) => user.group === 'mixed')!;
    expect(mixed.personas.map((p) => [p.taste, p.weight])).toEqual([['mainstream', 0.7], ['niche', 0.3]]);
    expect(trueCategoryProfile(population, mixed)).toEqual({ drama: 0.7, documentary: 0.3, comedy: 0, horror: 0 });
    const minority = population.users.find((user) => user.group === 'minority')!;
    expect(trueCategoryProfile(population, minority)).toEqual({ drama: 0, documentary: 1, comedy: 0, horror: 0 });
  });

  it('sizes groups by largest remainder so they always sum to the user count', () => {
    const groups = [{ share: 0.6 }, { share: 0.2 }, { share: 0.2 }] as GroupSpec[];
    expect(groupSizes(groups, 7)).toEqual([4, 2, 1]); // 4.2, 1.4, 1.4: the one left over goes to the first .4
    expect(groupSizes(groups, 10)).toEqual([6, 2, 2]);
    expect(groupSizes(groups, 1)).toEqual([1, 0, 0]);
  });

  it('gives every item a primary category of weight 0.8, stocks categories equally, and publishes valid catalogue records', () => {
    const population = plantPopulation({ seed: 2, itemCount: 40 });
    for (const item of population.items) {
      expect(item.categories[item.primaryCategory]).toBe(0.8);
      expect(Object.values(item.categories).reduce((a, w) => a + w, 0)).toBeCloseTo(1, 12);
      expect(item.stance).toBeGreaterThanOrEqual(-1);
      expect(item.stance).toBeLessThanOrEqual(1);
    }
    for (const category of population.categories) {
      expect(population.items.filter((item) => item.primaryCategory === category)).toHaveLength(10);
    }
    for (const record of catalogueItems(population)) expect(itemV1.safeParse(record).success).toBe(true);
  });

  it('draws users’ own deviations with the planted variance τ² (#16) and stances within [−1, 1]', () => {
    const population = plantPopulation({ seed: 3, userCount: 400, deviationVariance: 0.5 });
    const deviations = population.users.flatMap((user) => [...user.deviation]);
    const variance = deviations.reduce((a, d) => a + d * d, 0) / deviations.length;
    // 1 600 draws: the variance estimate has a standard error of 0.5·sqrt(2/1600) ≈ 0.018.
    expect(Math.abs(variance - 0.5)).toBeLessThan(0.07);
    expect(population.users.every((user) => user.stance >= -1 && user.stance <= 1 && user.stance === user.initialStance)).toBe(true);
    expect(plantPopulation({ seed: 3, deviationVariance: 0 }).users.every((user) => user.deviation.every((d) => d === 0))).toBe(true);
  });

  it('is deterministic per seed', () => {
    const snapshot = (seed: number) => {
      const population = plantPopulation({ seed, userCount: 20, itemCount: 12 });
      return JSON.stringify({ items: population.items.map((i) => [i.id, i.categories, i.stance, i.quality]), users: population.users.map((u) => [u.id, u.group, u.stance, [...u.deviation]]) });
    };
    expect(snapshot(4)).toBe(snapshot(4));
    expect(snapshot(4)).not.toBe(snapshot(5));
  });

  it('refuses options that do not fit together, naming the problem', () => {
    const refuse = (options: Parameters<typeof plantPopulation>[0], message: RegExp) => {
      let error: unknown;
      try {
        plantPopulation(options);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SimulationInputError);
      expect((error as SimulationInputError).code).toBe('SIMULATION.INVALID_INPUT');
      expect((error as Error).message).toMatch(message);
    };
    refuse({ userCount: 0 }, /userCount is 0/);
    refuse({ susceptibility: 2 }, /susceptibility is 2/);
    refuse({ domain: 'News Room' }, /domain/);
    refuse({ tastes: [{ name: 'mainstream', profile: { jazz: 1 } }, { name: 'niche', profile: { drama: 1 } }] }, /category "jazz"/);
    refuse({ groups: [{ name: 'all', kind: 'majority', share: 0.9, personas: [{ taste: 'mainstream', weight: 1 }] }] }, /sum to 1/);
    refuse({ groups: [{ name: 'all', kind: 'mixed', share: 1, personas: [{ taste: 'mainstream', weight: 0.7 }, { taste: 'niche', weight: 0.2 }] }] }, /persona weights/);
    refuse({ groups: [{ name: 'all', kind: 'majority', share: 1, personas: [{ taste: 'unknown', weight: 1 }] }] }, /taste "unknown"/);
    refuse({ idPrefix: 'Code!' }, /idPrefix is "Code!"/);
  });

  it('names items and users with idPrefix, so two populations can share one catalogue, and nothing else changes', () => {
    const sim = plantPopulation({ seed: 4, userCount: 5, itemCount: 6 });
    const code = plantPopulation({ seed: 4, userCount: 5, itemCount: 6, idPrefix: 'code' });
    expect(code.items.map((item) => item.id)).toEqual(sim.items.map((item) => item.id.replace('sim-', 'code-')));
    expect(code.users[4]!.id).toBe('code-u-0005');
    expect(code.items.map((item) => item.quality)).toEqual(sim.items.map((item) => item.quality));
  });
});
