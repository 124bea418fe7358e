import { describe, expect, it } from 'vitest';
import { applyNarrowing, planNarrowing, scoreDetection, type ScoredAlert } from './narrowing-onset';
import { plantPopulation, type GroupSpec } from './planted-population';
import { SimulationInputError } from './simulation-input.error';
import { trueCategoryProfile } from './truth.measures';

const broad: GroupSpec = {
  name: 'broad',
  kind: 'mixed',
  share: 0.5,
  personas: [
    { taste: 'mainstream', weight: 0.5 },
    { taste: 'niche', weight: 0.5 },
  ],
};
const groups: GroupSpec[] = [{ name: 'majority', kind: 'majority', share: 0.5, personas: [{ taste: 'mainstream', weight: 1 }] }, broad];

describe('planNarrowing', () => {
  it('draws the planted share of the eligible groups only, the same users for the same seed', () => {
    const population = plantPopulation({ seed: 3, userCount: 40, itemCount: 20, groups });
    const schedule = planNarrowing(population, { onsetRound: 5, category: 'comedy', share: 0.5, groups: ['broad'] });
    expect(schedule.userIds).toHaveLength(10);
    expect(schedule.userIds.every((id) => population.userById.get(id)!.group === 'broad')).toBe(true);
    expect(planNarrowing(plantPopulation({ seed: 3, userCount: 40, itemCount: 20, groups }), { onsetRound: 5, category: 'comedy', share: 0.5, groups: ['broad'] })).toEqual(schedule);
    expect(planNarrowing(population, { onsetRound: 5, category: 'comedy', share: 0.5, groups: ['broad'], seed: 4 }).userIds).not.toEqual(schedule.userIds);
  });

  it('does not move the population’s session stream', () => {
    const a = plantPopulation({ seed: 3, userCount: 10, itemCount: 8 });
    const b = plantPopulation({ seed: 3, userCount: 10, itemCount: 8 });
    planNarrowing(a, { onsetRound: 2, category: 'drama' });
    expect(a.random()).toBe(b.random());
  });

  it('refuses what does not fit the population, naming it', () => {
    const population = plantPopulation({ seed: 1, userCount: 10, itemCount: 8 });
    expect(() => planNarrowing(population, { onsetRound: 0, category: 'drama' })).toThrow(/onsetRound is 0/);
    expect(() => planNarrowing(population, { onsetRound: 2, category: 'jazz' })).toThrow(/category "jazz" is not one of/);
    expect(() => planNarrowing(population, { onsetRound: 2, category: 'drama', share: 1.5 })).toThrow(/share is 1.5/);
    expect(() => planNarrowing(population, { onsetRound: 2, category: 'drama', groups: ['nobody'] })).toThrow(SimulationInputError);
  });
});

describe('applyNarrowing', () => {
  it('makes the planted users’ taste one-hot on the category at the onset round, and nothing else', () => {
    const population = plantPopulation({ seed: 2, userCount: 20, itemCount: 12, groups });
    const schedule = planNarrowing(population, { onsetRound: 3, category: 'comedy', share: 1, groups: ['broad'] });
    const before = population.users.map((user) => trueCategoryProfile(population, user));
    expect(applyNarrowing(population, schedule, 2)).toBe(0);
    expect(population.users.map((user) => trueCategoryProfile(population, user))).toEqual(before);
    expect(applyNarrowing(population, schedule, 3)).toBe(10);
    for (const user of population.users) {
      const profile = trueCategoryProfile(population, user);
      if (schedule.userIds.includes(user.id)) expect(profile).toEqual({ drama: 0, documentary: 0, comedy: 1, horror: 0 });
      else expect(profile).toEqual(before[user.index]);
    }
  });

  it('refuses a schedule made for another domain', () => {
    const news = plantPopulation({ seed: 2, userCount: 4, itemCount: 8 });
    const code = plantPopulation({ seed: 2, userCount: 4, itemCount: 8, domain: 'code', opinion: false });
    expect(() => applyNarrowing(code, planNarrowing(news, { onsetRound: 1, category: 'drama' }), 1)).toThrow(/domain "news"/);
  });
});

describe('scoreDetection', () => {
  const schedule = { domain: 'news', onsetRound: 4, category: 'comedy', userIds: ['u1', 'u2'] };
  const userIds = ['u1', 'u2', 'u3', 'u4'];
  const alert = (round: number, subject: string, metric = 'consumption-entropy', scope = 'user', domain = 'news'): ScoredAlert => ({ round, subject, metric, scope, domain });

  it('counts a planted user’s first narrowing alert at or after the onset as a detection, with its delay', () => {
    const score = scoreDetection({ domain: 'news', policy: 'pooled', schedule, userIds, rounds: 10, alerts: [alert(7, 'u1'), alert(5, 'u1', 'exposure-entropy'), alert(4, 'u2')] });
    expect(score).toEqual({
      domain: 'news',
      policy: 'pooled',
      plantedOnsetRound: 4,
      plantedUsers: 2,
      detectedUsers: 2,
      recall: 1,
      meanDelayRounds: 0.5, // u1: 5 − 4, u2: 4 − 4
      falseAlarmsPer1000UserRounds: 0,
    });
  });

  it('counts narrowing alerts on quiet user-rounds as false alarms, per 1,000 of them, and ignores other scopes, metrics and domains', () => {
    const score = scoreDetection({
      domain: 'news',
      policy: 'pooled',
      schedule,
      userIds,
      rounds: 10,
      alerts: [alert(3, 'u1'), alert(2, 'u3'), alert(9, 'u4'), alert(5, 'u3', 'stance-extremity'), alert(5, 'news', 'mean-consumption-entropy', 'population'), alert(5, 'u4', 'consumption-entropy', 'user', 'code')],
    });
    // Quiet user-rounds: u3 and u4 all 10 rounds, u1 and u2 rounds 1–3: 26. Three false alarms: u1 before its onset, u3, u4.
    expect(score.falseAlarmsPer1000UserRounds).toBeCloseTo((1000 * 3) / 26, 10);
    expect(score.detectedUsers).toBe(0);
    expect(score.recall).toBe(0);
    expect(score.meanDelayRounds).toBeUndefined();
  });

  it('with nothing planted, recall and delay are undefined and every user-round is quiet', () => {
    const score = scoreDetection({ domain: 'code', policy: 'pooled', schedule: undefined, userIds, rounds: 5, alerts: [alert(2, 'u1', 'consumption-entropy', 'user', 'code')] });
    expect(score).toMatchObject({ plantedOnsetRound: undefined, plantedUsers: 0, recall: undefined, meanDelayRounds: undefined });
    expect(score.falseAlarmsPer1000UserRounds).toBe(50);
  });
});
