import { gaussian, mulberry32 } from '@chorus/random';
import { describe, expect, it } from 'vitest';
import { BorrowingEvidence, DEFAULT_BORROWING_GUARD } from './borrowing-guard';
import { DonorPool, donorDistance, profileLogit } from './borrowing-donors';
import { DiagonalGaussianLogistic } from './diagonal-gaussian-logistic';

const ON = { ...DEFAULT_BORROWING_GUARD, enabled: true };
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const OPTIONS = { capacity: 3, minEvents: 5, refreshEvents: 10 };
const posterior = (means: Record<string, number>) => Object.fromEntries(Object.entries(means).map(([f, m]) => [f, [m, 0.5] as [number, number]]));

describe('donorDistance: how probable a donor profile is under the user’s posterior', () => {
  it('is Σ_f (m_d − m_u)² / v_u over the features either holds, untouched ones at the prior (worked by hand)', () => {
    const user = DiagonalGaussianLogistic.fromJSON({ 'cat:a': [1, 0.5], 'cat:b': [-2, 0.25] }, { priorVariance: 4 });
    // a: (0.5 − 1)²/0.5 = 0.5; b: donor silent, (0 − (−2))²/0.25 = 16; c: user at the prior, (3 − 0)²/4 = 2.25.
    expect(donorDistance(user, { 'cat:a': 0.5, 'cat:c': 3 })).toBeCloseTo(18.75, 12);
    // A user with no events: the donor's distance from the aggregate in prior sds.
    expect(donorDistance(new DiagonalGaussianLogistic({ priorVariance: 4 }), { 'cat:a': 2 })).toBeCloseTo(1, 12);
  });
});

describe('profileLogit', () => {
  it('is offset + m_d·x, features the donor lacks counting 0', () => {
    expect(profileLogit({ 'cat:a': 2, bias: -1 }, new Map([['cat:a', 0.5], ['cat:z', 1], ['bias', 1]]), 0.25)).toBeCloseTo(0.25, 12);
  });
});

describe('DonorPool: the partition’s best-known users, bounded', () => {
  it('takes users from minEvents on, keeps the most-seen up to capacity, ties going to the smaller id', () => {
    const pool = new DonorPool(OPTIONS);
    const profile = () => posterior({ bias: 1 });
    expect(pool.offer('u0', 4, profile)).toBe(false);
    expect(pool.offer('u1', 5, profile)).toBe(true);
    expect(pool.offer('u2', 9, profile)).toBe(true);
    expect(pool.offer('u3', 7, profile)).toBe(true);
    expect(pool.offer('u4', 5, profile)).toBe(false); // as many as u1, larger id: u1 stays
    expect(pool.offer('u0', 6, profile)).toBe(true); // more than u1: u1 gives way
    expect(pool.toJSON().map((d) => d.userId).sort()).toEqual(['u0', 'u2', 'u3']);
  });

  it('copies a member’s profile again only after refreshEvents more of their events', () => {
    const pool = new DonorPool(OPTIONS);
    let calls = 0;
    const profile = () => (calls++, posterior({ bias: calls }));
    pool.offer('u1', 5, profile);
    for (let events = 6; events < 15; events++) expect(pool.offer('u1', events, profile)).toBe(false);
    expect(pool.offer('u1', 15, profile)).toBe(true);
    expect(calls).toBe(2);
    expect(pool.toJSON()[0]).toMatchObject({ eventsSeen: 15, means: { bias: 2 } });
  });

  it('picks the donor most probable under the user’s posterior, never the user, ties by id', () => {
    const pool = new DonorPool(OPTIONS);
    pool.offer('near', 9, () => posterior({ 'cat:a': 1.8 }));
    pool.offer('far', 9, () => posterior({ 'cat:a': -2 }));
    pool.offer('me', 9, () => posterior({ 'cat:a': 2 }));
    const user = DiagonalGaussianLogistic.fromJSON({ 'cat:a': [2, 0.3] }, { priorVariance: 1 });
    expect(pool.closest(user, 'me')?.userId).toBe('near');
    expect(new DonorPool(OPTIONS).closest(user, 'me')).toBeUndefined();
    const twins = new DonorPool(OPTIONS);
    twins.offer('b', 9, () => posterior({ 'cat:a': 1 }));
    twins.offer('a', 9, () => posterior({ 'cat:a': 1 }));
    expect(twins.closest(user, 'me')?.userId).toBe('a');
  });

  it('round-trips through JSON and refuses a malformed stored pool, saying what is wrong', () => {
    const pool = new DonorPool(OPTIONS);
    pool.offer('u1', 6, () => posterior({ 'cat:a': 0.5 }));
    const restored = DonorPool.fromJSON(JSON.parse(JSON.stringify(pool)), OPTIONS);
    expect(restored.toJSON()).toEqual(pool.toJSON());
    expect(() => DonorPool.fromJSON([{ userId: 'x', eventsSeen: 1.5, means: {} }] as never, OPTIONS)).toThrow(/donor #0 needs a userId, an integer eventsSeen/);
    expect(() => DonorPool.fromJSON([{ userId: 'x', eventsSeen: 1, means: { bias: null } }] as never, OPTIONS)).toThrow(/mean null on "bias"/);
    expect(() => new DonorPool({ ...OPTIONS, capacity: 0 })).toThrow(/integers ≥ 1/);
  });
});

/**
 * Planted population: two tastes over four genres. Donors of both tastes fill the pool; a cold user of taste A (or of
 * a taste no donor holds) rates items one at a time. Before each event the donor is the closest under the user's own
 * posterior so far, and the event is scored with aggregate vs aggregate + donor: the guard's evidence, as the learner
 * keeps it.
 */
function coldUser(taste: number[], seed: number, events: number) {
  const random = mulberry32(seed);
  const tastes = { a: [3, -3, 2, -2], b: [-3, 3, -2, 2] };
  const pool = new DonorPool({ capacity: 8, minEvents: 1, refreshEvents: 1 });
  for (let d = 0; d < 8; d++) {
    const truth = d % 2 === 0 ? tastes.a : tastes.b;
    pool.offer(`donor-${d}`, 50, () => Object.fromEntries(truth.map((t, g) => [`cat:${g}`, [t + 0.3 * gaussian(random), 0.1] as [number, number]])));
  }
  const user = new DiagonalGaussianLogistic({ priorVariance: 4 });
  const evidence = new BorrowingEvidence();
  for (let i = 0; i < events; i++) {
    const genre = Math.floor(random() * 4);
    const x = new Map([[`cat:${genre}`, 1]]);
    const aggregate = 0.3 * gaussian(random);
    const y = random() < sigmoid(aggregate + taste[genre]!) ? 1 : 0;
    const donor = pool.closest(user, 'cold');
    if (donor) evidence.record(aggregate, profileLogit(donor.means, x, aggregate), y);
    user.update(x, y, 1, aggregate);
  }
  return evidence.decide(ON);
}

describe('cold-start borrowing on planted users: donor choice + guard together', () => {
  const seeds = Array.from({ length: 20 }, (_, k) => k + 1);

  it('borrows for a user whose taste a donor holds: within 30 events on most seeds, within 60 on every one', () => {
    // The 95% bound is one-sided per user: a few users need more than 30 events before their gain clears it.
    expect(seeds.filter((seed) => coldUser([3, -3, 2, -2], seed, 30).borrow).length).toBeGreaterThanOrEqual(16);
    for (const seed of seeds) expect(coldUser([3, -3, 2, -2], seed, 60), `seed ${seed}`).toMatchObject({ borrow: true, reason: 'better-beyond-uncertainty' });
  });

  it('refuses for a user no donor resembles, however many events (every donor is wrong on half of them)', () => {
    // Truth: likes genres 0 and 1 alike; each donor loves one and hates the other.
    for (const seed of seeds) {
      for (const events of [4, 10, 30, 60]) expect(coldUser([2, 2, 0, 0], seed, events).borrow, `seed ${seed}, ${events} events`).toBe(false);
    }
  });
});
