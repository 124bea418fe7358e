/**
 * The catalogue form of `calibratedRerank` (positions in a `RerankCatalogue` plus scores) against the object form and
 * against the reference greedy (`testing/reference-steck-greedy.ts`, the greedy before its fast version, fed the object
 * form's rows): the same items in the same order, and the same result in every field, on random instances with
 * categories outside the target, catalogue items that are not candidates, and catalogue orders unrelated to the
 * candidates' order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibratedRerank } from './calibrated-rerank';
import { CalibrationInputError } from './calibration-input.error';
import { candidateRows, internTargetCategories, type RerankCandidate } from './candidate-rows';
import { catalogueCandidateRows, RerankCatalogue, type RerankCatalogueItem } from './rerank-catalogue';
import { ScratchArena } from './scratch-arena';
import { groupIdenticalRows, steckGreedyOrder } from './steck-greedy';
import { CATEGORIES, instanceArbitrary } from './testing/greedy-instance-arbitrary';
import * as reference from './testing/reference-steck-greedy';

/** Catalogue items that are never candidates, with categories that sort before, between and after the candidates'. */
const distractorArbitrary = fc.array(
  fc.uniqueArray(fc.constantFrom('A', 'cc', 'z', ...CATEGORIES), { minLength: 1, maxLength: 3 }),
  { maxLength: 12 },
);

/** A prior over some of the categories; weight 1 often, so profile categories can fall outside the target. */
const priorArbitrary = fc.option(
  fc.record({
    weight: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
    weights: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 1, noNaN: true })), { minLength: CATEGORIES.length, maxLength: CATEGORIES.length }),
  }),
  { nil: undefined },
);

const caseArbitrary = fc.record({
  instance: instanceArbitrary,
  distractors: distractorArbitrary,
  /** Sort keys for the catalogue's order. */
  order: fc.array(fc.double({ noNaN: true }), { minLength: 80, maxLength: 80 }),
  prior: priorArbitrary,
});

const normalised = (names: readonly string[], weights: readonly number[]): Record<string, number> => {
  const total = weights.reduce((a, b) => a + b, 0);
  return Object.fromEntries(names.flatMap((name, k) => (weights[k]! > 0 ? [[name, weights[k]! / total]] : [])));
};

type Case = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** The case's candidates as objects, and as positions in a shuffled catalogue that also holds the distractors. */
function buildCase({ instance, distractors, order, prior }: Case) {
  const { items, profileWeights, lambda, alpha, nShare } = instance;
  const candidates: RerankCandidate[] = items.map((item, i) => ({ id: `i${i % 7}-${i}`, ...item }));
  const others: RerankCatalogueItem[] = distractors.map((names, k) => ({ id: `x${k}`, categories: Object.fromEntries(names.map((name) => [name, 1 / names.length])) }));
  const shuffled = [...candidates.map(({ id, categories }) => ({ id, categories })), ...others]
    .map((item, k) => ({ item, key: order[k % order.length]! + k * 1e-9 }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
  const catalogue = RerankCatalogue.of(shuffled);
  const positions = Int32Array.from(candidates, ({ id }) => catalogue.positionOf(id)!);
  const scores = Float64Array.from(candidates, ({ score }) => score);
  const profile = normalised(CATEGORIES, profileWeights);
  const priorDistribution = prior !== undefined && prior.weights.some((w) => w > 0) ? { weight: prior.weight, distribution: normalised(CATEGORIES, prior.weights) } : undefined;
  const n = 1 + Math.floor(nShare * (candidates.length - 1));
  return { candidates, catalogue, positions, scores, profile, prior: priorDistribution, n, lambda, alpha };
}

describe('calibratedRerank on catalogue positions', () => {
  it('the greedy picks what the reference greedy picks from the object form’s rows, to the last item (fast-check)', () => {
    fc.assert(
      fc.property(caseArbitrary, (generated) => {
        const { candidates, catalogue, positions, scores, profile, n, lambda, alpha } = buildCase(generated);
        const target = internTargetCategories(profile, alpha);
        const settings = { n, lambda, alpha };
        const arena = new ScratchArena();
        const rows = catalogueCandidateRows({ catalogue, positions, scores }, target, arena);
        const fast = steckGreedyOrder(rows, groupIdenticalRows(rows, arena), target, settings, arena);
        const objectRows = candidateRows(candidates, target.index, new ScratchArena());
        const oracle = reference.steckGreedyOrder(objectRows, reference.groupIdenticalRows(objectRows), target, settings);
        expect(fast).toEqual(oracle);
      }),
      { numRuns: 1500, seed: 15 },
    );
    // 1,500 instances against an oracle: several seconds on the shared 2-core machine under load.
  }, 60_000);

  it('returns exactly the object form’s result, every field, with and without a prior (fast-check)', () => {
    let outsideTarget = 0;
    fc.assert(
      fc.property(caseArbitrary, (generated) => {
        const { candidates, catalogue, positions, scores, profile, prior, n, lambda, alpha } = buildCase(generated);
        const options = { profile, prior, n, lambda, alpha };
        const fromObjects = calibratedRerank({ candidates, ...options });
        const fromCatalogue = calibratedRerank({ catalogue, positions, scores, ...options });
        expect(fromCatalogue).toEqual(fromObjects);
        // Plain arrays work as well as typed arrays.
        expect(calibratedRerank({ catalogue, positions: [...positions], scores: [...scores], ...options })).toEqual(fromObjects);
        if (fromObjects.minorityShare.categories.some((category) => !(category in fromObjects.target))) outsideTarget++;
      }),
      { numRuns: 1500, seed: 16 },
    );
    // The minority share's lookup of categories outside the target (prior weight 1) was exercised, not only the row path.
    expect(outsideTarget).toBeGreaterThan(10);
  }, 60_000);
});

describe('RerankCatalogue', () => {
  const items: RerankCatalogueItem[] = [
    { id: 'war', categories: { War: 0.5, Drama: 0.5 } },
    { id: 'doc', categories: { Documentary: 1, Drama: 0 } },
    { id: 'drama', categories: { Drama: 1 } },
  ];

  it('interns categories in sorted order and rows by category, leaving zero weights out', () => {
    const catalogue = RerankCatalogue.of(items);
    expect(catalogue.categoryNames).toEqual(['Documentary', 'Drama', 'War']);
    expect([...catalogue.itemStart]).toEqual([0, 2, 3, 4]);
    expect([...catalogue.entryCategory]).toEqual([1, 2, 0, 1]);
    expect([...catalogue.entryWeight]).toEqual([0.5, 0.5, 1, 1]);
    expect(catalogue.positionOf('doc')).toBe(1);
    expect(catalogue.positionOf('nope')).toBeUndefined();
    expect(catalogue.normalisedWeight(0, 'War')).toBe(0.5);
    expect(catalogue.normalisedWeight(1, 'War')).toBe(0);
    expect(catalogue.normalisedWeight(1, 'Horror')).toBe(0);
  });

  it('refuses items the object form would refuse, naming the item', () => {
    const refused = (bad: unknown[]) => () => RerankCatalogue.of(bad as RerankCatalogueItem[]);
    expect(refused([...items, { id: 'war', categories: { Drama: 1 } }])).toThrow(/catalogue\[3\] repeats the id "war" of catalogue\[0\]/);
    expect(refused([{ id: '', categories: { Drama: 1 } }])).toThrow(/catalogue\[0\]\.id must be a non-empty string/);
    expect(refused([null])).toThrow(/catalogue\[0\] must be an object/);
    expect(refused([{ id: 'a', categories: { Drama: 0.5 } }])).toThrow(/catalogue\[0\] \(id "a"\) categories must sum to 1/);
    expect(refused([{ id: 'a', categories: { Drama: -1, War: 2 } }])).toThrow(/weights must be finite numbers ≥ 0/);
    expect(refused([{ id: 'a', categories: ['Drama'] }])).toThrow(CalibrationInputError);
    expect(() => RerankCatalogue.of('items' as unknown as RerankCatalogueItem[])).toThrow(/built from an array/);
  });

  it('calibratedRerank refuses bad positions and scores, and says what to give instead', () => {
    const catalogue = RerankCatalogue.of(items);
    const rerank = (input: Record<string, unknown>) => () =>
      calibratedRerank({ profile: { Drama: 0.6, War: 0.4 }, n: 1, lambda: 0.5, catalogue, positions: [0, 1], scores: [0.5, 0.4], ...input } as never);
    expect(rerank({})).not.toThrow();
    expect(rerank({ positions: [0, 3] })).toThrow(/positions\[1\] must be an integer position in the catalogue, 0 … 2; got 3/);
    expect(rerank({ positions: [0, 0.5] })).toThrow(/positions\[1\] must be an integer/);
    expect(rerank({ positions: [2, 2] })).toThrow(/positions\[1\] repeats catalogue position 2 \(id "drama"\) of positions\[0\]/);
    expect(rerank({ positions: [] })).toThrow(/positions must be a non-empty array/);
    expect(rerank({ scores: [0.5] })).toThrow(/one score per position \(2\); got 1 scores/);
    expect(rerank({ scores: [0.5, NaN] })).toThrow(/scores\[1\] \(id "doc"\) must be a finite number; got NaN/);
    expect(rerank({ catalogue: items })).toThrow(/catalogue must be a RerankCatalogue/);
    expect(rerank({ candidates: [{ id: 'a', score: 1, categories: { Drama: 1 } }] })).toThrow(/not both/);
    expect(rerank({ n: 3 })).toThrow(/n must be an integer between 1 and positions\.length \(2\)/);
  });
});
