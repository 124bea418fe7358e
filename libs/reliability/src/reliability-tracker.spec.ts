import fc from 'fast-check';
import { mulberry32, randomIndex } from '@chorus/random';
import { describe, expect, it } from 'vitest';
import { ReliabilityInputError } from './reliability-input.error';
import type { PairJudgment } from './reliability-model';
import { ReliabilityTracker } from './reliability-tracker';

const judgmentArbitrary = fc.record({
  userId: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
  pair: fc.constantFrom(['a', 'b'], ['b', 'c'], ['a', 'c'], ['c', 'd']),
  flip: fc.boolean(),
  tie: fc.boolean(),
  position: fc.constantFrom(0, 1, undefined),
  framingId: fc.constantFrom('short', 'long', undefined),
});
const toJudgment = (r: typeof judgmentArbitrary extends fc.Arbitrary<infer T> ? T : never): PairJudgment => {
  const [x, y] = r.pair as [string, string];
  return { userId: r.userId, chosenId: r.flip ? y : x, rejectedId: r.flip ? x : y, tie: r.tie, framingId: r.framingId, ...(r.position === undefined ? {} : { position: r.position }) };
};

describe('ReliabilityTracker', () => {
  it('agreement with the leave-one-out majority equals a direct count over the raw judgments', () => {
    fc.assert(
      fc.property(fc.array(judgmentArbitrary, { maxLength: 60 }), (records) => {
        const judgments = records.map(toJudgment);
        const tracker = new ReliabilityTracker();
        for (const j of judgments) tracker.observe(j);
        for (const userId of new Set(judgments.map((j) => j.userId))) {
          let agree = 0;
          let disagree = 0;
          for (const j of judgments.filter((x) => x.userId === userId)) {
            // The others' majority on this pair: their votes for chosen minus their votes for rejected.
            let margin = 0;
            for (const o of judgments) {
              if (o.userId === userId || new Set([o.chosenId, o.rejectedId, j.chosenId, j.rejectedId]).size !== 2) continue;
              if (o.tie) continue;
              margin += o.chosenId === j.chosenId ? 1 : -1;
            }
            if (margin === 0) continue;
            const agreement = j.tie ? 0.5 : margin > 0 ? 1 : 0;
            agree += agreement;
            disagree += 1 - agreement;
          }
          const report = tracker.user(userId)!;
          expect(report.reliability.agree).toBeCloseTo(agree, 9);
          expect(report.reliability.disagree).toBeCloseTo(disagree, 9);
        }
      }),
    );
  });

  it('with users in shards, the leave-one-out majority is over the other users of the same shard only', () => {
    const shardOf = (userId: string) => (userId === 'u1' || userId === 'u2' ? 0 : 1);
    fc.assert(
      fc.property(fc.array(judgmentArbitrary, { maxLength: 60 }), (records) => {
        const judgments = records.map(toJudgment);
        const sharded = new ReliabilityTracker({}, shardOf);
        const weights = judgments.map((j) => sharded.observe(j).weight);
        // Each shard alone, as a tracker of its own: the same report and the same weights.
        for (const shard of [0, 1]) {
          const alone = new ReliabilityTracker();
          const own = judgments.flatMap((j, k) => (shardOf(j.userId) === shard ? [[alone.observe(j).weight, weights[k]!]] : []));
          for (const [expected, got] of own) expect(got).toBe(expected);
          for (const userId of alone.userIds()) expect(sharded.user(userId)).toEqual(alone.user(userId));
        }
        expect(ReliabilityTracker.fromJSON(JSON.parse(JSON.stringify(sharded)), {}, shardOf).toJSON()).toEqual(sharded.toJSON());
      }),
    );
  });

  it('restored from JSON mid-stream gives the same weights as an uninterrupted run (state for exactly-once)', () => {
    fc.assert(
      fc.property(fc.array(judgmentArbitrary, { minLength: 1, maxLength: 50 }), fc.nat(), (records, cut) => {
        const judgments = records.map(toJudgment);
        const at = cut % judgments.length;
        const whole = new ReliabilityTracker();
        const expected = judgments.map((j) => whole.observe(j).weight);
        let split = new ReliabilityTracker();
        const got = judgments.map((j, k) => {
          if (k === at) split = ReliabilityTracker.fromJSON(JSON.parse(JSON.stringify(split)));
          return split.observe(j).weight;
        });
        expect(got).toEqual(expected);
        expect(JSON.stringify(split)).toBe(JSON.stringify(whole));
      }),
    );
  });

  it('keeps ids like "__proto__" and "constructor" as ordinary keys through JSON', () => {
    const tracker = new ReliabilityTracker();
    tracker.observe({ userId: '__proto__', chosenId: 'constructor', rejectedId: '__proto__', position: 0 });
    tracker.observe({ userId: 'toString', chosenId: '__proto__', rejectedId: 'constructor' });
    const restored = ReliabilityTracker.fromJSON(JSON.parse(JSON.stringify(tracker)));
    expect([...restored.userIds()].sort()).toEqual(['__proto__', 'toString']);
    expect(restored.signal('__proto__', '__proto__', 'constructor')!.judgments).toBe(1);
    expect(restored.user('toString')!.reliability.agree).toBe(0); // the other user chose the other way
    expect(restored.user('toString')!.reliability.disagree).toBe(1);
  });

  it('refuses a state whose population counts disagree with its users', () => {
    const tracker = new ReliabilityTracker();
    tracker.observe({ userId: 'u', chosenId: 'a', rejectedId: 'b' });
    const json = JSON.parse(JSON.stringify(tracker));
    json.population['0']['a\u0001b'] = [2, 1];
    expect(() => ReliabilityTracker.fromJSON(json)).toThrow(/population counts of pair \["a","b"\] are \[2, 1\] but its users' judgments sum to \[1, 1\]/);
  });

  it('detects a planted position bias and weighs the choices it explains less than those against it', () => {
    const random = mulberry32(7);
    const tracker = new ReliabilityTracker();
    const items = Array.from({ length: 20 }, (_, k) => `m${k}`);
    for (let k = 0; k < 200; k++) {
      const i = randomIndex(random, items.length);
      const j = (i + 1 + randomIndex(random, items.length - 1)) % items.length;
      // Picks the first shown 85% of the time, whichever item it is.
      const position = random() < 0.85 ? 0 : 1;
      tracker.observe({ userId: 'lefty', chosenId: items[i]!, rejectedId: items[j]!, position });
    }
    const bias = tracker.user('lefty')!.conditionEffects.position;
    expect(bias.detected).toBe(true);
    expect(bias.firstShownShare).toBeGreaterThan(0.75);
    const withBias = tracker.observe({ userId: 'lefty', chosenId: 'x', rejectedId: 'y', position: 0 });
    const against = tracker.observe({ userId: 'lefty', chosenId: 'z', rejectedId: 'w', position: 1 });
    expect(withBias.position).toBeLessThan(0.5);
    expect(against.position).toBe(1);
    expect(tracker.summary().usersWithPositionBias).toBe(1);
  });

  it('classifies planted users: consistent → genuine, framing-dependent → constructed, coin flips → non-attitude; a consistent ranking has no cyclic triad', () => {
    const random = mulberry32(11);
    // The user factor switched on (it is off by default, see the README) to check what it makes of a coin.
    const tracker = new ReliabilityTracker({ userFactor: true });
    const items = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        for (const framingId of ['short', 'long']) {
          for (let r = 0; r < 3; r++) {
            const judge = (userId: string, firstWins: boolean) =>
              tracker.observe({ userId, chosenId: firstWins ? items[i]! : items[j]!, rejectedId: firstWins ? items[j]! : items[i]!, framingId });
            judge('steady', true);
            judge('framed', framingId === 'short');
            judge('coin', random() < 0.5);
          }
        }
      }
    }
    const steady = tracker.user('steady')!;
    expect(steady.classCounts.genuine).toBe(15);
    expect(steady.retest).toEqual({ agreeing: 15 * 2 * 3, compared: 15 * 2 * 3 });
    expect(steady.intransitivity).toEqual({ triads: 20, cycles: 0 });
    expect(tracker.user('framed')!.classCounts.constructed).toBe(15);
    expect(tracker.user('framed')!.conditionEffects.framing).toEqual({ signalsCompared: 15, flipped: 15 });
    // Six coin flips per pair are thin evidence: about half the signals stay unknown, but none looks like a preference.
    const coin = tracker.user('coin')!;
    expect(coin.classShares['non-attitude']).toBeGreaterThan(0.5);
    expect(coin.classCounts['non-attitude']).toBeGreaterThan(coin.classCounts.genuine + coin.classCounts.constructed);
    expect(Math.abs(coin.reliability.mean - 0.5)).toBeLessThan(2 * coin.reliability.sd);
    expect(coin.prequential.factor).toBeLessThan(0.1);
    expect(tracker.signal('steady', 'b', 'a')!.label).toBe('genuine');
    expect(tracker.signal('steady', 'a', 'zz')).toBeUndefined();
  });

  it('gives every user a factor of 1 by default, and the agreement-based factor when userFactor is on', () => {
    // 'x' always goes against 'a' and 'b', who agree: x's prequential agreement is 0 of 4.
    const judge = (tracker: ReliabilityTracker) => {
      let last;
      for (let r = 0; r < 4; r++) {
        tracker.observe({ userId: 'a', chosenId: 'p', rejectedId: 'q' });
        tracker.observe({ userId: 'b', chosenId: 'p', rejectedId: 'q' });
        last = tracker.observe({ userId: 'x', chosenId: 'q', rejectedId: 'p' });
      }
      return last!;
    };
    const off = new ReliabilityTracker();
    expect(judge(off).user).toBe(1);
    expect(off.user('x')!.prequential).toMatchObject({ agree: 0, disagree: 4, factor: 1 });
    const on = new ReliabilityTracker({ userFactor: true });
    // π = (4 + 0) / (4 + 1 + 4) = 4/9 < ½: a log-odds below 0, clipped to 0.
    expect(judge(on).user).toBe(0);
  });

  it('compares a judgment with the others only when they made at least minOtherJudgments judgments of the pair', () => {
    const tracker = new ReliabilityTracker({ minOtherJudgments: 3 });
    // Others' judgments of p–q before x's: 2 (not compared), then 4 (compared: x disagrees), then 6 (compared).
    for (let round = 0; round < 3; round++) {
      tracker.observe({ userId: 'a', chosenId: 'p', rejectedId: 'q' });
      tracker.observe({ userId: 'b', chosenId: 'p', rejectedId: 'q' });
      tracker.observe({ userId: 'x', chosenId: 'q', rejectedId: 'p' });
    }
    expect(tracker.user('x')!.prequential).toMatchObject({ agree: 0, disagree: 2 });
    const always = new ReliabilityTracker();
    for (let round = 0; round < 3; round++) {
      always.observe({ userId: 'a', chosenId: 'p', rejectedId: 'q' });
      always.observe({ userId: 'b', chosenId: 'p', rejectedId: 'q' });
      always.observe({ userId: 'x', chosenId: 'q', rejectedId: 'p' });
    }
    expect(always.user('x')!.prequential).toMatchObject({ agree: 0, disagree: 3 });
  });

  it('answers bad input and bad options with what is wrong', () => {
    expect(() => new ReliabilityTracker({ minOtherJudgments: 1.5 })).toThrow(/minOtherJudgments is 1.5; it must be an integer ≥ 0/);
    expect(() => new ReliabilityTracker({ userFactor: 'yes' as never })).toThrow(/userFactor is yes; it must be true or false/);
    const tracker = new ReliabilityTracker();
    expect(() => tracker.observe({ userId: 'u', chosenId: 'a', rejectedId: 'a' })).toThrow(ReliabilityInputError);
    expect(() => tracker.observe({ userId: '', chosenId: 'a', rejectedId: 'b' })).toThrow(/userId must be a non-empty string/);
    expect(() => tracker.observe({ userId: 'u', chosenId: 'a', rejectedId: 'b', position: -1 })).toThrow(/position is -1; it must be an integer ≥ 0/);
    expect(() => new ReliabilityTracker({ epsilon: 0.7 })).toThrow(/epsilon is 0.7; it must lie in \(0, 0.5\)/);
    expect(() => ReliabilityTracker.fromJSON({ version: 2 } as never)).toThrow(/version 2; this build reads version 1/);
    expect(tracker.user('u')).toBeUndefined(); // nothing was half-written
  });
});
