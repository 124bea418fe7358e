import { CalibrationInputError } from '@chorus/calibration';
import { mulberry32 } from '@chorus/random';
import type { ScoringItem, UserScores } from '@chorus/scoring';
import { describe, expect, it } from 'vitest';
import { computeCalibratedList, type ComputedList } from './calibrated-list';

/**
 * A user's list from catalogue positions (the scorer's `catalogue` and `RankedItem.position`, reranked through a
 * `RerankCatalogue`) against the same user's list from candidate objects (the scores without positions).
 */

const GENRES = ['action', 'comedy', 'drama', 'horror', 'romance', 'war'];
const settings = { lambda: 0.7, n: 8, candidates: 30, alpha: 0.01, priorWeight: 0 };
const request = { domain: 'movies', reason: { kind: 'manual' as const } };

function catalogueOf(size: number, seed: number): ScoringItem[] {
  const random = mulberry32(seed);
  return Array.from({ length: size }, (_, k) => {
    const genres = [...new Set([GENRES[Math.floor(random() * GENRES.length)]!, GENRES[Math.floor(random() * GENRES.length)]!])];
    return { itemId: `m${k}`, categories: Object.fromEntries(genres.map((genre) => [genre, 1 / genres.length])), userX: new Map(), aggregateX: new Map() };
  });
}

function scoresOf(catalogue: ScoringItem[], seed: number, withPositions: boolean): UserScores {
  const random = mulberry32(seed);
  const history = catalogue.slice(0, 5);
  const ranked = catalogue
    .slice(5)
    .map((item, k) => ({ item, logit: Math.round(random() * 40) / 10 - 2, position: k + 5 }))
    .sort((a, b) => b.logit - a.logit || (a.item.itemId < b.item.itemId ? -1 : 1))
    .map(({ item, logit, position }) => (withPositions ? { item, logit, position } : { item, logit }));
  return {
    userId: `u${seed}`,
    domain: 'movies',
    modelVersion: '1.1',
    seen: new Set(history.map(({ itemId }) => itemId)),
    history,
    ranked,
    unseen: ranked.length,
    ...(withPositions ? { catalogue } : {}),
  };
}

const listOf = (computed: ComputedList) => (computed.outcome === 'computed' ? computed.list : computed.reason);

describe('computeCalibratedList from catalogue positions', () => {
  it('stores the list the object form stores, for users sharing one catalogue, with and without a prior', () => {
    const catalogue = catalogueOf(80, 1);
    const prior = { weight: 0.3, distribution: Object.fromEntries(GENRES.map((genre) => [genre, 1 / GENRES.length])) };
    for (let seed = 0; seed < 20; seed++) {
      for (const userPrior of [undefined, prior]) {
        const fromPositions = computeCalibratedList('job', request, scoresOf(catalogue, seed, true), settings, userPrior);
        const fromObjects = computeCalibratedList('job', request, scoresOf(catalogue, seed, false), settings, userPrior);
        expect(fromPositions.outcome).toBe('computed');
        expect(listOf(fromPositions)).toEqual(listOf(fromObjects));
      }
    }
  });

  it('takes the candidates’ categories from the catalogue at their positions (the path the batch job uses)', () => {
    const catalogue = catalogueOf(40, 4);
    const scores = scoresOf(catalogue, 5, true);
    // The same catalogue with every item's categories replaced: only a rerank that reads the catalogue can notice.
    const allWar = catalogue.map((item) => ({ ...item, categories: { war: 1 } }));
    const computed = computeCalibratedList('job', request, { ...scores, catalogue: allWar }, settings, undefined);
    if (computed.outcome !== 'computed') throw new Error(computed.reason);
    // Every candidate all war: every list is the same to the KL, so the list is the top n by score, and q̃ = (1−α)·[war] + α·p.
    expect(computed.list.items.map(({ itemId }) => itemId)).toEqual(scores.ranked.slice(0, settings.n).map(({ item }) => item.itemId));
    const profile = new Map<string, number>();
    for (const { categories } of scores.history) for (const [genre, w] of Object.entries(categories)) profile.set(genre, (profile.get(genre) ?? 0) + w / scores.history.length);
    let kl = 0;
    for (const [genre, p] of profile) kl += p * Math.log(p / ((genre === 'war' ? 1 - settings.alpha : 0) + settings.alpha * p));
    expect(computed.list.klBefore).toBeCloseTo(kl, 12);
  });

  it('a catalogue item the library refuses fails only the users whose candidates include it, as before', () => {
    const catalogue = catalogueOf(40, 2);
    // Never a candidate: a broken catalogue item outside every user's top C.
    const broken = [...catalogue, { itemId: 'broken', categories: { drama: 0.5 }, userX: new Map(), aggregateX: new Map() }];
    const scores = scoresOf(broken.slice(0, 40), 3, true);
    const fine = computeCalibratedList('job', request, { ...scores, catalogue: broken }, settings, undefined);
    expect(listOf(fine)).toEqual(listOf(computeCalibratedList('job', request, scoresOf(catalogue, 3, false), settings, undefined)));
    // Among the candidates: the object form's error, naming the item.
    const withBroken = { ...scores, catalogue: broken, ranked: [{ item: broken[40]!, logit: 5, position: 40 }, ...scores.ranked] };
    expect(() => computeCalibratedList('job', request, withBroken, settings, undefined)).toThrow(CalibrationInputError);
    expect(() => computeCalibratedList('job', request, withBroken, settings, undefined)).toThrow(/id "broken"\) categories must sum to 1/);
  });
});
