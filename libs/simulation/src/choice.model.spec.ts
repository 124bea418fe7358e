import { feedbackEventV1, type FeedbackEventV1 } from '@chorus/contracts';
import { describe, expect, it } from 'vitest';
import { simulateSession } from './choice.model';
import { sampleWithoutReplacement } from '@chorus/random';
import { plantPopulation, type Population } from './planted-population';
import { examinationProbability, personaUtility, trueUtility } from './truth.measures';

const at = new Date('2026-03-01T12:00:00Z');

/** Every user gets `sessions` random lists of n items (random order, so rank and utility are independent). */
function randomSessions(population: Population, sessions: number, n = 10, options: Partial<Parameters<typeof simulateSession>[3]> = {}) {
  const out: { list: string[]; events: FeedbackEventV1[]; userId: string }[] = [];
  for (let s = 0; s < sessions; s++) {
    for (const user of population.users) {
      const list = sampleWithoutReplacement(population.random, population.items, n).map((item) => item.id);
      const session = simulateSession(population, user, list, { occurredAt: at, listId: `l-${s}-${user.index}`, ...options });
      out.push({ list, events: session.events, userId: user.id });
    }
  }
  return out;
}

describe('simulateSession', () => {
  it('produces only valid chorus.feedback.v1 events: clicks, skips, ratings, pairwise, with position and framing', () => {
    const population = plantPopulation({ seed: 21, userCount: 30, itemCount: 40 });
    const sessions = randomSessions(population, 10, 10, { ratingRate: 0.5, pairwiseRate: 0.5, framings: ['short', 'long'] });
    const events = sessions.flatMap((s) => s.events);
    const types = new Set(events.map((e) => e.type));
    expect([...types].sort()).toEqual(['click', 'pairwise', 'rating', 'skip']);
    for (const event of events) {
      const parsed = feedbackEventV1.safeParse(JSON.parse(JSON.stringify(event)));
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(event.context?.position).toBeTypeOf('number');
    }
    expect(events.filter((e) => e.type === 'pairwise').every((e) => e.context?.framingId === 'short' || e.context?.framingId === 'long')).toBe(true);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    // A click or skip records the rank it was served at.
    for (const { list, events: sessionEvents } of sessions) {
      for (const e of sessionEvents) if (e.type === 'click' || e.type === 'skip') expect(list[e.context!.position!]).toBe(e.itemId);
    }
  });

  it('is reproducible from the seed: the same population and lists give the same events', () => {
    const run = () => JSON.stringify(randomSessions(plantPopulation({ seed: 5, userCount: 10, itemCount: 30 }), 3));
    expect(run()).toBe(run());
  });

  it('shows position bias: rank r is examined with probability 1/log2(r + 2), and click-through falls with rank', () => {
    const population = plantPopulation({ seed: 8, userCount: 100, itemCount: 60 });
    const sessions = randomSessions(population, 20);
    const examined = new Array(10).fill(0);
    const clicks = new Array(10).fill(0);
    for (const { events } of sessions) {
      for (const e of events) {
        if (e.type !== 'click' && e.type !== 'skip') continue;
        examined[e.context!.position!]++;
        if (e.type === 'click') clicks[e.context!.position!]++;
      }
    }
    const n = sessions.length; // 2 000 lists
    for (let rank = 0; rank < 10; rank++) {
      const p = examinationProbability(rank);
      expect(Math.abs(examined[rank] / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n) + 1e-9);
    }
    expect(examined[0]).toBe(n); // the top is always looked at
    // Items are in random order, so click-through by rank is e(r) times a constant: the last rank gets about 0.29 of the first.
    const ctr = clicks.map((c) => c / n);
    expect(ctr[9]! / ctr[0]!).toBeGreaterThan(0.2);
    expect(ctr[9]! / ctr[0]!).toBeLessThan(0.4);
    expect(ctr[0]).toBeGreaterThan(ctr[3]!);
    expect(ctr[3]).toBeGreaterThan(ctr[9]!);
  });

  it('lets a mixed user choose as each persona in the planted share of sessions (70/30)', () => {
    const population = plantPopulation({ seed: 12, userCount: 50 });
    const mixed = population.users.filter((user) => user.kind === 'mixed');
    const personas: string[] = [];
    for (let s = 0; s < 100; s++) {
      for (const user of mixed) personas.push(simulateSession(population, user, [population.items[0]!.id], { occurredAt: at }).persona);
    }
    const share = personas.filter((p) => p === 'niche').length / personas.length; // 1 000 sessions
    expect(Math.abs(share - 0.3)).toBeLessThan(4 * Math.sqrt(0.21 / personas.length));
  });

  it('susceptibility moves the choosing persona’s taste and the stance toward what was consumed, by exactly ρ', () => {
    const rho = 0.1;
    const population = plantPopulation({ seed: 3, userCount: 20, susceptibility: rho, baseline: 20 }); // baseline 20: every examined item is consumed
    const user = population.users[0]!;
    const before = { profile: [...user.personas[0]!.profile], stance: user.stance };
    const item = population.items.find((i) => i.primaryCategory !== 'drama')!;
    const session = simulateSession(population, user, [item.id], { occurredAt: at });
    expect(session.chosen).toEqual([item.id]);
    expect(user.stance).toBeCloseTo(before.stance + rho * (item.stance! - before.stance), 12);
    user.personas[0]!.profile.forEach((p, g) => expect(p).toBeCloseTo((1 - rho) * before.profile[g]! + rho * item.weights[g]!, 12));
    expect(user.initialStance).toBe(before.stance);
  });

  it('with susceptibility 0 nothing moves, however much is consumed', () => {
    const population = plantPopulation({ seed: 3, userCount: 20, susceptibility: 0, baseline: 20 });
    const snapshot = () => JSON.stringify(population.users.map((u) => [u.stance, u.personas.map((p) => [...p.profile])]));
    const before = snapshot();
    const sessions = randomSessions(population, 5);
    expect(sessions.flatMap((s) => s.events).filter((e) => e.type === 'click').length).toBeGreaterThan(100);
    expect(snapshot()).toBe(before);
  });

  it('rates on 1..5 following the utility: high-utility consumptions rate higher than low-utility ones', () => {
    const population = plantPopulation({ seed: 30, userCount: 60, itemCount: 60 });
    const sessions = randomSessions(population, 10, 10, { ratingRate: 1 });
    const pairs: [number, number][] = [];
    for (const { events, userId } of sessions) {
      const user = population.userById.get(userId)!;
      for (const e of events) if (e.type === 'rating') pairs.push([trueUtility(population, user, population.itemById.get(e.itemId)!), e.value]);
    }
    const high = pairs.filter(([u]) => u > 0.5).map(([, v]) => v);
    const low = pairs.filter(([u]) => u < -1).map(([, v]) => v);
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    expect(high.length).toBeGreaterThan(30);
    expect(low.length).toBeGreaterThan(30);
    expect(mean(high) - mean(low)).toBeGreaterThan(1);
  });

  describe('planted label behaviour (issue #15)', () => {
    const judge = (behaviour: 'genuine' | 'non-attitude' | 'constructed', options: { pairwisePositionBias?: number; framings?: string[] } = {}) => {
      const population = plantPopulation({
        seed: 40,
        userCount: 40,
        itemCount: 40,
        groups: [{ name: 'all', kind: 'majority', share: 1, personas: [{ taste: 'mainstream', weight: 1 }], labelBehaviour: behaviour }],
      });
      const drama = population.items.filter((i) => i.primaryCategory === 'drama').map((i) => i.id);
      const horror = population.items.filter((i) => i.primaryCategory === 'horror').map((i) => i.id);
      const judgments: { agrees: boolean; first: boolean; key: string; chosen: string }[] = [];
      for (let s = 0; s < 40; s++) {
        for (const user of population.users) {
          // Two items far apart in true utility, every rank examined (baseline does not change the margin).
          const pair = s % 2 === 0 ? [drama[s % drama.length]!, horror[s % horror.length]!] : [horror[s % horror.length]!, drama[s % drama.length]!];
          const events = simulateSession(population, user, pair, { occurredAt: at, pairwiseRate: 1, ...options }).events;
          const judgment = events.find((e) => e.type === 'pairwise');
          if (!judgment || judgment.type !== 'pairwise') continue;
          const persona = user.personas[0]!;
          const u = (id: string) => personaUtility(population, user, persona, population.itemById.get(id)!);
          judgments.push({
            agrees: u(judgment.chosenId) > u(judgment.rejectedId),
            first: judgment.context!.position === 0,
            key: `${user.id}|${[...pair].sort().join('|')}|${judgment.context?.framingId}`,
            chosen: judgment.chosenId,
          });
        }
      }
      return judgments;
    };
    const share = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;

    it('genuine judgments follow the true utility; non-attitudes are coin flips', () => {
      expect(share(judge('genuine').map((j) => j.agrees))).toBeGreaterThan(0.9);
      const coin = judge('non-attitude').map((j) => j.agrees);
      expect(Math.abs(share(coin) - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / coin.length));
    });

    it('a planted position bias β makes non-attitudes pick the first shown with probability σ(β)', () => {
      const first = judge('non-attitude', { pairwisePositionBias: 2 }).map((j) => j.first);
      const expected = 1 / (1 + Math.exp(-2));
      expect(Math.abs(share(first) - expected)).toBeLessThan(4 * Math.sqrt((expected * (1 - expected)) / first.length));
    });

    it('constructed judgments are consistent within a framing and move across framings (genuine ones do not)', () => {
      const framingGap = (behaviour: 'genuine' | 'constructed') => {
        const population = plantPopulation({
          seed: 41,
          userCount: 30,
          itemCount: 40,
          groups: [{ name: 'all', kind: 'majority', share: 1, personas: [{ taste: 'mainstream', weight: 1 }], labelBehaviour: behaviour }],
        });
        const [a, b] = population.items.filter((i) => i.primaryCategory === 'drama').map((i) => i.id);
        // Each user judges the same pair 12 times under each of two framings.
        const sameFraming: boolean[] = [];
        const acrossFramings: boolean[] = [];
        for (const user of population.users) {
          const choices: Record<string, string[]> = { x: [], y: [] };
          for (let s = 0; s < 24; s++) {
            const framing = s % 2 === 0 ? 'x' : 'y';
            const judgment = simulateSession(population, user, [a!, b!], { occurredAt: at, pairwiseRate: 1, framings: [framing] }).events.find((e) => e.type === 'pairwise');
            if (judgment?.type === 'pairwise') choices[framing]!.push(judgment.chosenId);
          }
          for (let i = 0; i < choices.x!.length; i++) {
            for (let j = i + 1; j < choices.x!.length; j++) sameFraming.push(choices.x![i] === choices.x![j]);
            for (const other of choices.y!) acrossFramings.push(choices.x![i] === other);
          }
        }
        return share(sameFraming) - share(acrossFramings);
      };
      // Framing effects of sd 2 per item shift the pair's margin per (user, framing): answers cluster within a framing.
      expect(framingGap('constructed')).toBeGreaterThan(0.1);
      expect(Math.abs(framingGap('genuine'))).toBeLessThan(0.05);
    });
  });
});
