import { DiagonalGaussianLogistic, itemFeatures, PersonaMixture, type SparseVector } from '@chorus/reward';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bestPositions, CandidateIndex, type CandidateQuery, type IndexableItem } from './candidate-index';

/**
 * The oracle is the full scan serving did before the index: score every unseen item with the same scoring and sort,
 * ties by item id; with personas, each persona's own best items too. The index must return the same items in the same
 * order (scores are continuous here, so there are no ties; ties have a test of their own).
 */

const PRIOR = { priorVariance: 100 };

interface Case {
  items: IndexableItem[];
  aggregate: number[];
  personas: Record<string, number>[];
  excluded: Set<string>;
  count: number;
}

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const item = (k: number, minCategories = 1) =>
  fc
    .record({
      categories: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.double({ min: 0.01, max: 1, noNaN: true }), { minKeys: minCategories, maxKeys: 3 }),
      stance: fc.option(finite(-1, 1), { nil: undefined }),
      dense: fc.option(fc.array(finite(-2, 2), { minLength: 2, maxLength: 2 }), { nil: undefined }),
    })
    .map(({ categories, stance, dense }) => ({ itemId: `i${String(k).padStart(3, '0')}`, userX: itemFeatures({ categories, stance, dense }) }));

const weights = fc.dictionary(fc.constantFrom('bias', 'cat:a', 'cat:b', 'cat:c', 'cat:d', 'cat:e', 'stance', 'dense:0', 'dense:1'), finite(-3, 3), { maxKeys: 9 });

const cases = (maxPersonas: number): fc.Arbitrary<Case> =>
  fc.integer({ min: 1, max: 60 }).chain((size) =>
    fc.record({
      items: fc.tuple(...Array.from({ length: size }, (_, k) => item(k))),
      // Item k's aggregate logit is offset by k·0.0137 so that no two items tie (shrinking would make them all 0).
      aggregate: fc.array(finite(-5, 5), { minLength: size, maxLength: size }).map((xs) => xs.map((x, k) => x + k * 0.0137)),
      personas: fc.array(weights, { minLength: 0, maxLength: maxPersonas }),
      excluded: fc.array(fc.integer({ min: 0, max: size - 1 }), { maxLength: size }).map((ks) => new Set(ks.map((k) => `i${String(k).padStart(3, '0')}`))),
      count: fc.integer({ min: 1, max: size + 3 }),
    }),
  );

function model(means: Record<string, number>): DiagonalGaussianLogistic {
  return DiagonalGaussianLogistic.fromJSON(Object.fromEntries(Object.entries(means).map(([feature, mean]) => [feature, [mean, 1]])), PRIOR);
}

/** The served score as the scorer computes it: the aggregate alone, one deviation, or attention over personas. */
function servedBy(personas: Record<string, number>[]): { query: Pick<CandidateQuery, 'personas' | 'served'>; own: ((x: SparseVector, a: number) => number)[] } {
  if (personas.length === 0) return { query: { personas: [], served: (_x, a) => a }, own: [] };
  const mixture = PersonaMixture.fromJSON(
    { personas: personas.map((means, id) => ({ id, mass: 1, share: 1 / personas.length, weights: model(means).toJSON() })), evidence: 0, eventsSeen: 0, nextId: personas.length, decisions: [] },
    { maxPersonas: Math.max(personas.length, 1), deviation: PRIOR },
  );
  const models = mixture.personas.map((persona) => persona.model);
  return { query: { personas: models, served: (x, a) => mixture.logit(x, a) }, own: models.map((m) => (x, a) => m.logit(x, a)) };
}

type Ranked = { itemId: string; logit: number }[];

function fullScan({ items, aggregate, personas, excluded, count }: Case): { candidates: Ranked; coverage: Ranked } {
  const { query, own } = servedBy(personas);
  const unseen = items.map((it, k) => ({ it, a: aggregate[k]! })).filter(({ it }) => !excluded.has(it.itemId));
  const byScore = (score: (x: SparseVector, a: number) => number) =>
    unseen.map(({ it, a }) => ({ itemId: it.itemId, logit: score(it.userX, a) })).sort((x, y) => y.logit - x.logit || (x.itemId < y.itemId ? -1 : 1));
  const served = byScore(query.served);
  const chosen = new Set<string>();
  const perPersona = Math.ceil(count / personas.length);
  if (personas.length > 1) for (const score of own) for (const c of byScore(score).slice(0, perPersona)) chosen.add(c.itemId);
  const top = served.slice(0, count);
  return { candidates: top, coverage: served.filter((c) => chosen.has(c.itemId) && !top.includes(c)) };
}

/** The walk unless told otherwise: `auto` would scan most of these small catalogues. */
function retrieve({ items, aggregate, personas, excluded, count }: Case, strategy: 'walk' | 'scan' = 'walk') {
  const index = CandidateIndex.build(items, (_item, k) => aggregate[k]!);
  return index.retrieve({ ...servedBy(personas).query, excluded: (id) => excluded.has(id), count, strategy });
}

function retrieved(c: Case, strategy: 'walk' | 'scan' = 'walk'): { candidates: Ranked; coverage: Ranked } {
  const { candidates, coverage } = retrieve(c, strategy);
  const plain = (xs: Ranked) => xs.map(({ itemId, logit }) => ({ itemId, logit }));
  return { candidates: plain(candidates), coverage: plain(coverage) };
}

// Properties run hundreds of cases; on a loaded machine that passes vitest's 5 s default.
const PROPERTY_TIMEOUT_MS = 120_000;

describe('CandidateIndex against a full scan', () => {
  it.each([
    { personas: 1, what: 'the top C of a single deviation (or the aggregate alone), any signs of the weights' },
    { personas: 3, what: 'with personas, the attention top C and each persona’s own best ⌈C/K⌉, ranked by the served score' },
  ])('returns the full scan’s answer: $what', ({ personas }) => {
    fc.assert(
      fc.property(cases(personas), (c) => {
        expect(retrieved(c)).toEqual(fullScan(c));
      }),
      { numRuns: 400 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('scans to the same answer', () => {
    fc.assert(
      fc.property(cases(3), (c) => {
        expect(retrieved(c, 'scan')).toEqual(fullScan(c));
      }),
      { numRuns: 100 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('stops at the right depth when categories decide (positive category weights, a small C, a flat aggregate)', () => {
    // Here the walk stops early, on the category bound: a bound too low would stop too soon. Items of two or three
    // categories, so an item's score sits below its best category's bound and the order of meeting matters.
    const large = fc.integer({ min: 50, max: 300 }).chain((size) =>
      fc.record({
        items: fc.tuple(...Array.from({ length: size }, (_, k) => item(k, 2))),
        aggregate: fc.array(finite(-0.3, 0.3), { minLength: size, maxLength: size }).map((xs) => xs.map((x, k) => x + k * 0.00137)),
        personas: fc.array(fc.dictionary(fc.constantFrom('cat:a', 'cat:b', 'cat:c', 'cat:d'), finite(0, 3), { minKeys: 2 }), { minLength: 1, maxLength: 2 }),
        excluded: fc.constant(new Set<string>()),
        count: fc.integer({ min: 1, max: 8 }),
      }),
    );
    fc.assert(
      fc.property(large, (c) => {
        expect(retrieved(c)).toEqual(fullScan(c));
      }),
      { numRuns: 150 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('keeps the full scan scores when many items tie at the C-th score; only tied items may differ', () => {
    // 200 items of four kinds, no item intercepts: every kind is one score, shared by 50 items.
    const items = Array.from({ length: 200 }, (_, k) => ({ itemId: `i${String(k).padStart(3, '0')}`, userX: itemFeatures({ categories: { [`g${k % 4}`]: 1 } }) }));
    const c: Case = { items, aggregate: items.map((_, k) => 0.1 * (k % 4)), personas: [{ 'cat:g1': 2, 'cat:g2': -1 }], excluded: new Set(['i001']), count: 70 };
    const got = retrieve(c).candidates;
    const expected = fullScan(c).candidates;
    expect(got.map((x) => x.logit)).toEqual(expected.map((x) => x.logit));
    const cth = expected.at(-1)!.logit;
    expect(got.filter((x) => x.logit > cth).map((x) => x.itemId)).toEqual(expected.filter((x) => x.logit > cth).map((x) => x.itemId));
  });
});

describe('bestPositions', () => {
  // The oracle is the comparator sort the scan used before: score descending, then item id, sliced.
  it('orders like a comparator sort by score then id, ties and signed zeros included', () => {
    const scores = fc.oneof(fc.constantFrom(0, -0, 1, -1, 2.5), finite(-10, 10));
    fc.assert(
      fc.property(
        fc.array(scores, { minLength: 1, maxLength: 80 }).chain((xs) =>
          fc.record({
            xs: fc.constant(xs),
            ids: fc.shuffledSubarray(Array.from({ length: xs.length }, (_, k) => `item-${k}`), { minLength: xs.length, maxLength: xs.length }),
            positions: fc.shuffledSubarray(Array.from(xs.keys()), { minLength: 0, maxLength: xs.length }),
            size: fc.integer({ min: 0, max: xs.length + 2 }),
          }),
        ),
        ({ xs, ids, positions, size }) => {
          const byId = Array.from(ids.keys()).sort((x, y) => (ids[x]! < ids[y]! ? -1 : 1));
          const idRanks = new Int32Array(ids.length);
          byId.forEach((position, rank) => (idRanks[position] = rank));
          const expected = positions
            .slice()
            .sort((x, y) => xs[y]! - xs[x]! || (ids[x]! < ids[y]! ? -1 : 1))
            .slice(0, size);
          expect(bestPositions(Float64Array.from(xs), positions, size, idRanks)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('scans to the full scan’s answer when many items tie, ties by item id', () => {
    const items = Array.from({ length: 120 }, (_, k) => ({ itemId: `i${String((k * 37) % 120).padStart(3, '0')}`, userX: itemFeatures({ categories: { [`g${k % 3}`]: 1 } }) }));
    const c: Case = { items, aggregate: items.map((_, k) => 0.5 * (k % 2)), personas: [{ 'cat:g1': 1 }], excluded: new Set(['i005']), count: 50 };
    expect(retrieved(c, 'scan')).toEqual(fullScan(c));
  });
});

describe('CandidateIndex stops early', () => {
  it('scores a small part of a large catalogue when the weights are positive', () => {
    const items = Array.from({ length: 20_000 }, (_, k) => ({ itemId: `i${k}`, userX: itemFeatures({ categories: { [`g${k % 20}`]: 1, [`g${(k * 7) % 20}`]: 0.5 } }) }));
    let seed = 1;
    const noise = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 4;
    const index = CandidateIndex.build(items, () => noise());
    const persona = model({ 'cat:g3': 1.5, 'cat:g11': 0.8, bias: 0.2 });
    const { candidates, scored } = index.retrieve({ personas: [persona], served: (x, a) => persona.logit(x, a), excluded: () => false, count: 100 });
    expect(candidates).toHaveLength(100);
    // Not a timing: the count of items scored, against the 20,000 a full scan scores.
    expect(scored).toBeLessThan(4_000);
  });
});

describe('CandidateIndex refuses what it cannot index', () => {
  const items = [{ itemId: 'x', userX: itemFeatures({ categories: { a: 1 } }) }];

  it('names a duplicate item id', () => {
    expect(() => CandidateIndex.build([...items, ...items], () => 0)).toThrow(/item id twice/);
  });

  it('names an item whose aggregate logit is not finite', () => {
    expect(() => CandidateIndex.build(items, () => Number.NaN)).toThrow(/aggregate logit of "x" is NaN/);
  });

  it('names a count that is not a positive integer', () => {
    const index = CandidateIndex.build(items, () => 0);
    expect(() => index.retrieve({ personas: [], served: (_x, a) => a, excluded: () => false, count: 0 })).toThrow(/count is 0/);
  });

  it('keeps its lists when only the aggregate changes', () => {
    const index = CandidateIndex.build(items, () => 0);
    const next = index.withAggregate(() => 2);
    expect(next.catalogue).toBe(index.catalogue);
    expect(next.retrieve({ personas: [], served: (_x, a) => a, excluded: () => false, count: 1 }).candidates).toEqual([{ position: 0, itemId: 'x', logit: 2 }]);
  });
});
