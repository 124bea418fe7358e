import { describe, expect, it } from 'vitest';
import { PairCounts, ReliabilityModel, UserReliabilityState, type ItemObservation } from './reliability-model';
import { ReliabilityInputError } from './reliability-input.error';
import { ReliabilityTracker } from './reliability-tracker';

/**
 * Hand-worked with the defaults (ε = 0.1, classPrior 0.6 / 0.25 / 0.15, constructed ×0.25, non-attitude ×0.05), for a
 * user with one item, so the user's type is the class prior. Two observations of one item in one condition:
 * L_g = L_c = ½(0.9² + 0.1²) = 0.41 when they agree, ½(2 · 0.9 · 0.1) = 0.09 when not; L_na = ½² = 0.25. In two
 * conditions L_c = (½)² = 0.25 whatever they say. w_prior = 0.6 + 0.25 · 0.15 + 0.05 · 0.25 = 0.65.
 */
describe('ReliabilityModel.observeItem (hand-worked)', () => {
  const rate = (outcomes: readonly [boolean, string?][]) => {
    const model = new ReliabilityModel();
    const user = new UserReliabilityState();
    const weights = outcomes.map(([positive, framingId]) => model.observeItem(user, { userId: 'u', itemId: 'm-1', positive, framingId }));
    return { weights, signal: model.itemSignal(user, 'm-1')!, report: model.report(user, new PairCounts()).items };
  };

  it('a first observation weighs exactly 1 and is unknown: its likelihood is the same under every class', () => {
    const { weights } = rate([[true]]);
    expect(weights[0]!.weight).toBe(1);
    expect(weights[0]!.label).toBe('unknown');
    expect(weights[0]!.posterior.genuine).toBeCloseTo(0.6, 12);
    expect(weights[0]!.posterior['non-attitude']).toBeCloseTo(0.25, 12);
  });

  it('two agreeing observations in one condition: P(g) = 0.246/0.37, weight min(1, 0.714865/0.65) = 1, still unknown (< 0.7)', () => {
    const { weights, signal } = rate([[true], [true]]);
    expect(weights[1]!.posterior.genuine).toBeCloseTo(0.246 / 0.37, 10);
    expect(weights[1]!.posterior['non-attitude']).toBeCloseTo(0.0625 / 0.37, 10);
    expect(weights[1]!.signal).toBeCloseTo(0.7148648648648647, 10);
    expect(weights[1]!.weight).toBe(1);
    expect(signal.label).toBe('unknown');
    expect(signal.retest).toEqual({ agreeing: 1, compared: 1 });
    expect(signal.acrossConditions).toEqual({ agreeing: 0, compared: 0 });
  });

  it('two disagreeing observations in one condition: P(na) = 0.0625/0.13, weight 0.465385/0.65 = 0.715976', () => {
    const { weights, signal } = rate([[true], [false]]);
    expect(weights[1]!.posterior['non-attitude']).toBeCloseTo(0.0625 / 0.13, 10);
    expect(weights[1]!.weight).toBeCloseTo(0.7159763313609467, 10);
    expect(signal.retest).toEqual({ agreeing: 0, compared: 1 });
  });

  it('agreeing across two framings is genuine: P(g) = 0.246/0.346 = 0.711 ≥ 0.7', () => {
    const { weights, signal, report } = rate([[true, 'short'], [true, 'long']]);
    expect(weights[1]!.posterior.genuine).toBeCloseTo(0.246 / 0.346, 10);
    expect(weights[1]!.label).toBe('genuine');
    expect(weights[1]!.weight).toBe(1);
    expect(signal.acrossConditions).toEqual({ agreeing: 1, compared: 1 });
    expect(signal.retest).toEqual({ agreeing: 0, compared: 0 });
    expect(report).toMatchObject({ observations: 2, signals: 1, repeated: 1, meanWeight: 1, classCounts: { genuine: 1, 'non-attitude': 0, constructed: 0, unknown: 0 } });
  });

  it('disagreeing across two framings: P(c) = 0.0375/0.154, weight 0.431818/0.65 = 0.664336', () => {
    const { weights, report } = rate([[true, 'short'], [false, 'long']]);
    expect(weights[1]!.posterior.constructed).toBeCloseTo(0.0375 / 0.154, 10);
    expect(weights[1]!.weight).toBeCloseTo(0.6643356643356643, 10);
    expect(report.meanWeight).toBeCloseTo((1 + 0.6643356643356643) / 2, 10);
    expect(report.acrossConditions).toEqual({ agreeing: 0, compared: 1 });
  });

  it('a position or surface is a condition of an item observation; no context is one condition', () => {
    const model = new ReliabilityModel();
    const user = new UserReliabilityState();
    model.observeItem(user, { userId: 'u', itemId: 'm', positive: true, position: 0 });
    model.observeItem(user, { userId: 'u', itemId: 'm', positive: true, position: 3 });
    model.observeItem(user, { userId: 'u', itemId: 'm', positive: true, surface: 'home', position: 3 });
    model.observeItem(user, { userId: 'u', itemId: 'n', positive: true });
    model.observeItem(user, { userId: 'u', itemId: 'n', positive: false });
    expect(model.itemSignal(user, 'm')!.conditions).toBe(3);
    expect(model.itemSignal(user, 'n')!.conditions).toBe(1);
    expect(model.itemSignal(user, 'other')).toBeUndefined();
  });
});

describe('item signals beside pair signals', () => {
  it('leave the pairwise state, its JSON and its weights as they were', () => {
    const judgments = [
      { userId: 'u', chosenId: 'a', rejectedId: 'b', position: 0 },
      { userId: 'u', chosenId: 'a', rejectedId: 'b', position: 1, framingId: 'f' },
      { userId: 'u', chosenId: 'b', rejectedId: 'c' },
    ];
    const pairsOnly = new ReliabilityTracker();
    const mixed = new ReliabilityTracker();
    const pairWeights = judgments.map((j) => pairsOnly.observe(j).weight);
    const mixedWeights: number[] = [];
    for (const j of judgments) {
      mixed.observeItem({ userId: 'u', itemId: j.chosenId, positive: false });
      mixed.observeItem({ userId: 'u', itemId: j.chosenId, positive: true });
      mixedWeights.push(mixed.observe(j).weight);
    }
    expect(mixedWeights).toEqual(pairWeights);
    const { items, ...pairs } = mixed.toJSON().users['u']!;
    expect(pairs).toEqual(pairsOnly.toJSON().users['u']);
    expect(items?.signals['a']).toEqual([['', 4, 2]]);
    expect(Object.keys(pairsOnly.toJSON().users['u']!)).toEqual(['counts', 'logLikelihood', 'signals']);
  });

  it('round-trips exactly through JSON: the restored state gives the same next weights and reports', () => {
    const model = new ReliabilityModel();
    const live = new UserReliabilityState();
    const observations: ItemObservation[] = [];
    for (let k = 0; k < 60; k++) observations.push({ userId: 'u', itemId: `m-${k % 7}`, positive: (k * 7919) % 3 !== 0, framingId: k % 2 ? 'short' : 'long', position: k % 4 });
    for (const o of observations.slice(0, 40)) model.observeItem(live, o);
    const restored = UserReliabilityState.fromJSON(JSON.parse(JSON.stringify(live)));
    expect(JSON.stringify(restored)).toBe(JSON.stringify(live));
    for (const o of observations.slice(40)) expect(model.observeItem(restored, o)).toEqual(model.observeItem(live, o));
    expect(model.itemReport(restored)).toEqual(model.itemReport(live));
  });

  it('the tracker restores item signals under its own ε (their likelihoods are recomputed on load)', () => {
    const options = { epsilon: 0.2 };
    const live = new ReliabilityTracker(options);
    const observations = [true, false, true, true, false].map((positive, k): ItemObservation => ({ userId: 'u', itemId: `m-${k % 2}`, positive, surface: k % 3 ? 'home' : 'search' }));
    for (const o of observations.slice(0, 4)) live.observeItem(o);
    const restored = ReliabilityTracker.fromJSON(JSON.parse(JSON.stringify(live)), options);
    expect(restored.observeItem(observations[4]!)).toEqual(live.observeItem(observations[4]!));
    expect(restored.user('u')).toEqual(live.user('u'));
  });

  it('a user whose other items are non-attitudes has a repeat weighed less than a fresh user has (the user type)', () => {
    const model = new ReliabilityModel();
    const flipper = new UserReliabilityState();
    for (let k = 0; k < 20; k++) for (const positive of [true, false, true, false]) model.observeItem(flipper, { userId: 'u', itemId: `m-${k}`, positive });
    const fresh = new UserReliabilityState();
    const repeat = (user: UserReliabilityState) => [true, false].map((positive) => model.observeItem(user, { userId: 'u', itemId: 'x', positive }).weight)[1]!;
    expect(repeat(flipper)).toBeLessThan(repeat(fresh) - 0.3);
  });

  it('refuses what it cannot use, saying what was wrong', () => {
    const model = new ReliabilityModel();
    const user = new UserReliabilityState();
    expect(() => model.observeItem(user, { userId: '', itemId: 'm', positive: true })).toThrow(new ReliabilityInputError('item observation: userId must be a non-empty string'));
    expect(() => model.observeItem(user, { userId: 'u', itemId: '', positive: true })).toThrow(/itemId must be a non-empty string/);
    expect(() => model.observeItem(user, { userId: 'u', itemId: 'm', positive: 1 as never })).toThrow(/positive is 1; it must be true or false/);
    expect(() => model.observeItem(user, { userId: 'u', itemId: 'm', positive: true, position: -1 })).toThrow(/position is -1; it must be an integer ≥ 0/);
    expect(user.toJSON().items).toBeUndefined();
  });
});
