import { feedbackEventV1, type FeedbackEventV1 } from '@chorus/contracts';
import { describe, expect, it } from 'vitest';
import { runOffline, type OfflineRun, type OfflineRunOptions } from './offline-loop.runner';
import { plantPopulation, type PopulationOptions } from './planted-population';
import { accuracyPolicy, STANDARD_POLICIES, type PolicyFactory } from './serving.policy';
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
});
