import { describe, expect, it } from 'vitest';
import { Homogenization } from './homogenization.metric';
import { MinHashFamily, MinHashSketch, exactJaccard } from './minhash.sketch';
import { mulberry32 } from '@chorus/random';
import { sampleUserPairs } from './user-pair.sampler';

const users = Array.from({ length: 30 }, (_, i) => `u${i}`);

describe('Homogenization', () => {
  it('equals the batch mean of per-pair MinHash estimates after every event, and the exact Jaccard mean within 1/√k', () => {
    const random = mulberry32(71);
    const pairs = sampleUserPairs(users, 40, 7);
    const metric = new Homogenization({ pairs, k: 128, seed: 3 });
    const sketches = new Map(users.map((u) => [u, new MinHashSketch(metric.family)]));
    const consumed = new Map(users.map((u) => [u, [] as string[]]));
    for (let t = 0; t < 3000; t++) {
      const user = users[Math.floor(random() * users.length)] as string;
      // Two taste clusters plus a shared popular head, so pair overlaps vary from ~0 to ~0.5.
      const cluster = Number(user.slice(1)) % 2;
      const item = random() < 0.3 ? `head${Math.floor(random() * 20)}` : `c${cluster}-${Math.floor(random() * 150)}`;
      metric.recordConsumption(user, item);
      sketches.get(user)?.add(item);
      consumed.get(user)?.push(item);
      if (t % 100 === 0 || t < 10) {
        const estimates = pairs
          .map(([a, b]) => (sketches.get(a) as MinHashSketch).estimateJaccard(sketches.get(b) as MinHashSketch))
          .filter((j): j is number => j !== undefined);
        const batch = estimates.reduce((x, y) => x + y, 0) / estimates.length;
        expect(Math.abs((metric.value as number) - batch)).toBeLessThan(1e-12);
      }
    }
    const exact =
      pairs.map(([a, b]) => exactJaccard(consumed.get(a) ?? [], consumed.get(b) ?? []) as number).reduce((x, y) => x + y, 0) /
      pairs.length;
    expect(Math.abs((metric.value as number) - exact)).toBeLessThan(1 / Math.sqrt(128));
  });

  it('rises when users are pushed onto the same items (the effect Chaney et al. measure)', () => {
    const random = mulberry32(72);
    const pairs = sampleUserPairs(users, 60, 8);
    const diverse = new Homogenization({ pairs });
    const homogenized = new Homogenization({ pairs });
    for (const user of users) {
      for (let t = 0; t < 40; t++) {
        diverse.recordConsumption(user, `item${Math.floor(random() * 2000)}`);
        homogenized.recordConsumption(user, `item${Math.floor(random() * 60)}`);
      }
    }
    expect(diverse.value as number).toBeLessThan(0.05);
    expect(homogenized.value as number).toBeGreaterThan(0.25);
  });

  it('n = 0: undefined; a pair with one silent user reads 0; repeats change nothing; users outside the panel are ignored', () => {
    const metric = new Homogenization({ pairs: [['a', 'b'], ['c', 'd']], k: 32 });
    expect(metric.value).toBeUndefined();
    expect(metric.pairJaccard(0)).toBeUndefined();
    metric.recordConsumption('a', 'x');
    expect(metric.pairJaccard(0)).toBe(0);
    expect(metric.value).toBe(0);
    expect(metric.definedPairCount).toBe(1);
    metric.recordConsumption('b', 'x');
    expect(metric.value).toBe(1);
    metric.recordConsumption('b', 'x');
    expect(metric.value).toBe(1);
    expect(metric.recordConsumption('stranger', 'x')).toBe(false);
    expect(() => metric.pairJaccard(2)).toThrow(RangeError);
  });

  it('rejects self pairs, duplicate pairs (in either order) and malformed pairs', () => {
    expect(() => new Homogenization({ pairs: [['a', 'a']] })).toThrow(/itself/);
    expect(() => new Homogenization({ pairs: [['a', 'b'], ['b', 'a']] })).toThrow(/repeats/);
    expect(() => new Homogenization({ pairs: [['a'] as unknown as [string, string]] })).toThrow(/two strings/);
    expect(() => new Homogenization({ pairs: [['a', 'b']], k: 0 })).toThrow(RangeError);
    expect(() => new Homogenization({ pairs: [['a', 'b']] }).recordConsumption('a', Number.NaN as unknown as string)).toThrow(
      RangeError,
    );
  });

  it('survives a JSON round trip and continues identically; refuses users outside the panel', () => {
    const random = mulberry32(73);
    const pairs = sampleUserPairs(users, 25, 9);
    const a = new Homogenization({ pairs, k: 64, seed: 5 });
    for (let t = 0; t < 400; t++) a.recordConsumption(users[Math.floor(random() * 30)] as string, `i${Math.floor(random() * 80)}`);
    const b = Homogenization.fromJSON(JSON.parse(JSON.stringify(a)));
    expect(b.value).toBe(a.value);
    for (let t = 0; t < 400; t++) {
      const user = users[Math.floor(random() * 30)] as string;
      const item = `i${Math.floor(random() * 80)}`;
      a.recordConsumption(user, item);
      b.recordConsumption(user, item);
    }
    expect(b.value).toBe(a.value);
    const state = a.toJSON();
    expect(() => Homogenization.fromJSON({ ...state, users: [['nobody', 1, state.users[0]?.[2]]] })).toThrow(/not in the panel/);
  });

  it('a shared family gives the same values as a private one, and must agree with k and seed if they are given', () => {
    const family = new MinHashFamily({ k: 32, seed: 4 });
    const pairs = sampleUserPairs(users, 30, 3);
    const shared = [new Homogenization({ pairs, family }), new Homogenization({ pairs, family })];
    const own = new Homogenization({ pairs, k: 32, seed: 4 });
    const random = mulberry32(5);
    for (let t = 0; t < 500; t++) {
      const user = users[Math.floor(random() * users.length)] as string;
      const item = `x${Math.floor(random() * 80)}`;
      for (const metric of [...shared, own]) metric.recordConsumption(user, item);
    }
    expect(shared[0]!.value).toBe(own.value);
    expect(shared[1]!.value).toBe(own.value);
    const row = new Uint32Array(32);
    family.hashInto('x7', row);
    expect(Array.from(family.hashRow('x7'))).toEqual(Array.from(row));
    expect(() => new Homogenization({ pairs, family, k: 64 })).toThrow(
      'family (k 32, seed 4) contradicts k 64 / seed undefined; pass the family alone',
    );
  });
});

describe('Homogenization state restore', () => {
  // Persisted state is hostile input: each corruption is refused with what is wrong (literal messages), and the
  // derived counts (matches, empty pairs) are recomputed, not trusted.
  const original = () => {
    const metric = new Homogenization({ pairs: [['a', 'b'], ['c', 'd']], k: 4, seed: 1 });
    metric.recordConsumption('a', 'x');
    return metric;
  };

  it('recomputes the empty pairs: one one-sided pair (J = 0) and one empty pair give 0, not a shifted mean', () => {
    const restored = Homogenization.fromJSON(JSON.parse(JSON.stringify(original())));
    expect(restored.value).toBe(0); // only pair (a, b) counts; a's slots match none of b's empty ones
    expect(restored.pairJaccard(0)).toBe(0);
    expect(restored.pairJaccard(1)).toBeUndefined();
    expect(Homogenization.fromJSON(new Homogenization({ pairs: [['a', 'b']], k: 4, seed: 1 }).toJSON()).value).toBeUndefined();
  });

  it('refuses malformed users entries, each with its own message', () => {
    const state = original().toJSON();
    const signature = state.users[0]![2];
    const restore = (users: unknown[]) => () => Homogenization.fromJSON({ ...state, users });
    const prefix = 'cannot restore homogenization state: ';
    expect(restore([['a', 1]])).toThrow(`${prefix}users[0] must be [userId, additions, signature]`);
    expect(restore(['a'])).toThrow(`${prefix}users[0] must be [userId, additions, signature]`);
    expect(restore([[7, 1, signature]])).toThrow(`${prefix}users[0] must be [userId, additions, signature]`);
    expect(restore([['a', 1, signature], ['a', 1, signature]])).toThrow(`${prefix}users[1] ("a") is not in the panel or repeats`);
    for (const additions of [0, 1.5, '1', -1]) {
      expect(restore([['a', additions, signature]])).toThrow(`${prefix}users[0] must have a positive integer count of items added`);
    }
    expect(restore([['a', 1, [4294967295, 4294967295, 4294967295, 4294967295]]])).toThrow(
      `${prefix}users[0] has items added but an empty signature`,
    );
    expect(restore([['a', 1, signature.slice(0, 3)]])).toThrow(`${prefix}field "signature" must hold 4 unsigned 32-bit integers`);
  });

  it('refuses malformed panels with the pair that is wrong', () => {
    const build = (pairs: unknown) => () => new Homogenization({ pairs: pairs as Array<[string, string]>, k: 4, seed: 1 });
    expect(build('ab')).toThrow('pairs must be an array of [userId, userId]');
    for (const pair of [['a'], ['a', 'b', 'c'], [1, 'b'], ['a', 2], 'ab']) {
      expect(build([['x', 'y'], pair])).toThrow('pairs[1] must be [userId, userId] (two strings)');
    }
    expect(build([['a', 'a']])).toThrow(`pairs[0] pairs user "a" with itself; a user's overlap with themselves is always 1`);
    expect(build([['a', 'b'], ['b', 'a']])).toThrow('pairs[1] repeats the pair ["a","b"]; pairs must be distinct');
    expect(build([['b', 'a'], ['a', 'b']])).toThrow('pairs[1] repeats the pair ["a","b"]; pairs must be distinct');
  });
});

describe('sampleUserPairs', () => {
  it('draws distinct pairs of distinct users, reproducibly, on both the sparse and the dense path', () => {
    for (const [count, pool] of [
      [50, users],
      [400, users],
      [435, users],
    ] as const) {
      const pairs = sampleUserPairs(pool, count, 1);
      expect(pairs).toHaveLength(count);
      expect(new Set(pairs.map(([a, b]) => [a, b].sort().join('|'))).size).toBe(count);
      expect(pairs.every(([a, b]) => a !== b)).toBe(true);
      expect(sampleUserPairs(pool, count, 1)).toEqual(pairs);
    }
    expect(sampleUserPairs(users, 50, 2)).not.toEqual(sampleUserPairs(users, 50, 1));
  });

  it('refuses more pairs than exist, and bad counts or seeds', () => {
    expect(() => sampleUserPairs(['a', 'b', 'c'], 4, 1)).toThrow(/at most 3/);
    expect(() => sampleUserPairs(users, -1, 1)).toThrow(RangeError);
    expect(() => sampleUserPairs(users, 3, Number.NaN)).toThrow(RangeError);
    expect(sampleUserPairs([], 0, 1)).toEqual([]);
  });
});
