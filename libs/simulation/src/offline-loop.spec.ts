import { feedbackEventV1, type FeedbackEventV1 } from '@chorus/contracts';
import { describe, expect, it } from 'vitest';
import { runOffline, type OfflineRun, type OfflineRunOptions } from './offline-loop.runner';
import { DEFAULT_POPULATION_OPTIONS, plantPopulation, type PopulationOptions } from './planted-population';
import { accuracyPolicy, calibratedPolicy, STANDARD_POLICIES, type PolicyFactory } from './serving.policy';
import { SimulationInputError } from './simulation-input.error';

// The planted-truth checks run a small seeded population through the offline loop. The machine running the suite is
// shared, so the slow ones get a generous timeout; on an idle core each run takes well under a second.
const SLOW = 60_000;

const population: PopulationOptions = {
  seed: 7,
  userCount: 80,
  itemCount: 80,
  groups: [
    { name: 'majority', kind: 'majority', share: 0.5, personas: [{ taste: 'mainstream', weight: 1 }] },
    { name: 'minority', kind: 'minority', share: 0.2, personas: [{ taste: 'niche', weight: 1 }] },
    { name: 'mixed', kind: 'mixed', share: 0.3, personas: [{ taste: 'mainstream', weight: 0.7 }, { taste: 'niche', weight: 0.3 }] },
  ],
};
const loop: OfflineRunOptions = { rounds: 15, warmupRounds: 1, candidateCount: 50, aucEvery: 0 };

const runs = new Map<string, OfflineRun>();
/** Each policy runs once on its own freshly planted population with the same seed. */
function run(key: string, policy: PolicyFactory): OfflineRun {
  if (!runs.has(key)) runs.set(key, runOffline(plantPopulation(population), policy, loop));
  return runs.get(key)!;
}

/** A group's regret averaged over the last five rounds (the loop has settled by then). */
function settledRegret(result: OfflineRun, group: string): number {
  const last = result.rounds.slice(-5);
  return last.reduce((sum, round) => sum + round.groups[group]!.regret, 0) / last.length;
}

describe('runOffline', () => {
  it('is deterministic for a seed and hands every session’s valid events to onSession', () => {
    const events: FeedbackEventV1[] = [];
    const options: OfflineRunOptions = { rounds: 3, aucEvery: 1, candidateCount: 20, onSession: (session) => events.push(...session.events) };
    const small: PopulationOptions = { seed: 3, userCount: 20, itemCount: 30 };
    const first = runOffline(plantPopulation(small), STANDARD_POLICIES['pooled-calibrated']!, options);
    const again = runOffline(plantPopulation(small), STANDARD_POLICIES['pooled-calibrated']!, { ...options, onSession: undefined });
    expect(again).toEqual(first);
    expect(events).toHaveLength(first.events);
    for (const event of events) expect(feedbackEventV1.safeParse(JSON.parse(JSON.stringify(event))).success).toBe(true);
    expect(first.rounds).toHaveLength(3);
    const groups = first.rounds[2]!.groups;
    expect(Object.keys(groups)).toEqual(['majority', 'minority', 'mixed']);
    expect(groups.majority!.users + groups.minority!.users + groups.mixed!.users).toBe(20);
    for (const group of Object.values(groups)) expect(group.auc).toBeGreaterThan(0.5);
  });

  it('refuses a policy that serves items it was not offered', () => {
    const rogue: PolicyFactory = (p) => ({ name: 'rogue', serve: () => p.items.slice(0, 3).map((i) => i.id).reverse().concat(['nope']), learn: () => undefined, score: () => 0 });
    expect(() => runOffline(plantPopulation({ seed: 1, userCount: 3, itemCount: 20 }), rogue, { rounds: 1, listLength: 4, candidateCount: 10 })).toThrow(SimulationInputError);
    expect(() => runOffline(plantPopulation({ seed: 1, userCount: 3, itemCount: 20 }), rogue, { rounds: 0 })).toThrow(/rounds is 0/);
  });

  // Issue #12: "aggregate-only serving gives minority-group users a larger regret than majority-group users, and
  // pooling closes most of that gap (aggregation erases)".
  it('aggregation erases: aggregate-only serving leaves the minority group with several times the majority’s regret, and pooling (τ² = 1) closes at least 75% of that gap', () => {
    const aggregate = run('aggregate-only', STANDARD_POLICIES['aggregate-only']!);
    const gap = (result: OfflineRun) => settledRegret(result, 'minority') - settledRegret(result, 'majority');
    expect(settledRegret(aggregate, 'minority')).toBeGreaterThan(3 * settledRegret(aggregate, 'majority'));
    const closure = (result: OfflineRun) => 1 - gap(result) / gap(aggregate);
    expect(closure(run('pooled', STANDARD_POLICIES.pooled!))).toBeGreaterThan(0.75);
    // Switched off — the same learner with no room for a user's deviation (τ² = 0) — the gap stays open.
    expect(closure(run('pooling-off', accuracyPolicy('pooling-off', { tau2: 0 })))).toBeLessThan(0.75);
  }, SLOW);

  // Issue #12: "near-pure personal serving raises stance reinforcement and true polarization over the rounds more
  // than pooled serving does (aggregation moderates)". What this model shows (seeds 1–3 checked by hand, 100 users,
  // 25 rounds): stance reinforcement grows with τ² (aggregate < pooled < near-pure personal, every seed), and every
  // personalized policy raises the Esteban–Ray polarization of true stances more than aggregate-only serving does —
  // but polarization peaks at the pooled τ² = 1 (0.218 / 0.188 / 0.146 at the last round), not at τ² = 100
  // (0.178 / 0.153 / 0.118). The "personal more than pooled" holds for reinforcement, not for polarization.
  describe('aggregation moderates (susceptible users, stance matters to them)', () => {
    const stanceGroups: PopulationOptions['groups'] = DEFAULT_POPULATION_OPTIONS.groups.map((group) => ({ ...group, stance: { mean: 0, sd: 0.5 } }));
    const opinion = (susceptibility: number): PopulationOptions => ({ seed: 1, userCount: 100, itemCount: 120, stanceAffinity: 3, susceptibility, groups: stanceGroups });
    const rounds: OfflineRunOptions = { rounds: 25, warmupRounds: 1, candidateCount: 50, aucEvery: 0 };
    const reinforcement = (result: OfflineRun) => {
      let sum = 0;
      let users = 0;
      for (const round of result.rounds) for (const group of Object.values(round.groups)) (sum += group.stanceReinforcement * group.users), (users += group.users);
      return sum / users;
    };
    const polarizationRise = (result: OfflineRun) => result.rounds.at(-1)!.polarization - result.rounds[0]!.polarization;
    const runAt = (susceptibility: number, tau2: number) => runOffline(plantPopulation(opinion(susceptibility)), accuracyPolicy(`τ²=${tau2}`, { tau2 }), rounds);

    it('stance reinforcement grows with τ², and personalized serving polarizes true stances more than aggregate-only serving', () => {
      const [aggregate, pooled, personal] = [0, 1, 100].map((tau2) => runAt(0.2, tau2)) as [OfflineRun, OfflineRun, OfflineRun];
      expect(reinforcement(pooled)).toBeGreaterThan(reinforcement(aggregate) + 0.05);
      expect(reinforcement(personal)).toBeGreaterThan(reinforcement(pooled) + 0.02);
      expect(polarizationRise(aggregate)).toBeLessThan(0.04);
      expect(polarizationRise(pooled)).toBeGreaterThan(2 * polarizationRise(aggregate));
      expect(polarizationRise(personal)).toBeGreaterThan(2 * polarizationRise(aggregate));
    }, SLOW);

    it('switched off — users nobody can move (susceptibility 0) — no policy changes true polarization', () => {
      for (const tau2 of [0, 1, 100]) expect(Math.abs(polarizationRise(runAt(0, tau2)))).toBeLessThan(1e-12);
    }, SLOW);
  });

  // Issue #12: "accuracy-only serving gives users a smaller share of their minority taste than their true share, and
  // calibrated serving brings it back within a stated tolerance, at a stated accuracy cost (Steck)". Mixed users hold
  // 30% of their taste in the minority category. Measured on seeds 1–3 (settled = mean of the last five rounds):
  // accuracy-only 0.206 / 0.172 / 0.176; calibrated toward the true profile at λ = 0.99, 0.319 / 0.318 / 0.322, with
  // the mixed group's regret up by 1.20 / 0.21 / 1.33 and the majority's down. Calibrated toward the profile the
  // service can know (click-through, λ = 0.5) the share stays at 0.13–0.23: a profile read from a closed loop's
  // history inherits the loop's bias, so the reranker's profile, not the greedy, limits what calibration restores.
  describe('calibration restores the minority share (Steck), at a stated cost', () => {
    const settled = (result: OfflineRun, group: string, measure: 'minorityShare' | 'trueMinorityShare' | 'regret') => {
      const last = result.rounds.slice(-5);
      return last.reduce((sum, round) => sum + round.groups[group]![measure]!, 0) / last.length;
    };
    const steck = (policy: PolicyFactory) => runOffline(plantPopulation({ seed: 1, userCount: 100, itemCount: 120 }), policy, { rounds: 20, warmupRounds: 1, candidateCount: 50, aucEvery: 0 });

    it('accuracy-only serving gives mixed users under three quarters of their true minority share; calibration toward the true profile brings it within ±0.03, costing them at most 1.5 regret and the majority nothing', () => {
      const accuracy = steck(accuracyPolicy('pooled', { tau2: 1 }));
      const calibrated = steck(calibratedPolicy('calibrated', { tau2: 1, lambda: 0.99, profileSource: 'planted' }));
      expect(settled(accuracy, 'mixed', 'trueMinorityShare')).toBeCloseTo(0.3, 10);
      expect(settled(accuracy, 'mixed', 'minorityShare')).toBeLessThan(0.75 * 0.3);
      expect(Math.abs(settled(calibrated, 'mixed', 'minorityShare') - 0.3)).toBeLessThan(0.03);
      expect(settled(calibrated, 'mixed', 'regret') - settled(accuracy, 'mixed', 'regret')).toBeLessThan(1.5);
      expect(settled(calibrated, 'majority', 'regret')).toBeLessThanOrEqual(settled(accuracy, 'majority', 'regret'));
    }, SLOW);

    it('switched off — λ = 0, relevance only — the share is not restored', () => {
      const off = steck(calibratedPolicy('calibration-off', { tau2: 1, lambda: 0, profileSource: 'planted' }));
      expect(settled(off, 'mixed', 'minorityShare')).toBeLessThan(0.75 * 0.3);
    }, SLOW);
  });
});
