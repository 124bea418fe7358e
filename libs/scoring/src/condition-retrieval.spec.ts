import { DiagonalGaussianLogistic, itemFeatures, PersonaMixture, type SparseVector } from '@chorus/reward';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CandidateIndex } from './candidate-index';
import { retrieveCandidates } from './personalized-scorer';

/**
 * Retrieval under a framing (issue #15): the served score is d_c·φ(i) added to the personas', and the index walks each
 * persona as b_k + d_c. The oracle is the full scan of that score (each persona's own best by a(i) + (b_k + d_c)·φ(i)
 * for coverage), as candidate-index.spec.ts's for the personas alone.
 */
const PRIOR = { priorVariance: 100 };
const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const weights = fc.dictionary(fc.constantFrom('bias', 'cat:a', 'cat:b', 'cat:c', 'cat:d', 'stance', 'dense:0'), finite(-3, 3), { maxKeys: 7 });
const model = (means: Record<string, number>) => DiagonalGaussianLogistic.fromJSON(Object.fromEntries(Object.entries(means).map(([f, m]) => [f, [m, 1]])), PRIOR);

// Up to 100 items and C ≤ 12, so most cases walk the lists (retrieval scans when C·SCAN_FACTOR ≥ items).
const cases = fc.integer({ min: 1, max: 100 }).chain((size) =>
  fc.record({
    items: fc.tuple(
      ...Array.from({ length: size }, (_, k) =>
        fc
          .record({
            categories: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.double({ min: 0.01, max: 1, noNaN: true }), { minKeys: 1, maxKeys: 3 }),
            stance: fc.option(finite(-1, 1), { nil: undefined }),
            dense: fc.option(fc.array(finite(-2, 2), { minLength: 1, maxLength: 1 }), { nil: undefined }),
          })
          .map(({ categories, stance, dense }) => ({ itemId: `i${String(k).padStart(3, '0')}`, userX: itemFeatures({ categories, stance, dense }) })),
      ),
    ),
    // Offset by k·0.0137 so that no two items tie.
    aggregate: fc.array(finite(-5, 5), { minLength: size, maxLength: size }).map((xs) => xs.map((x, k) => x + k * 0.0137)),
    personas: fc.array(weights, { minLength: 1, maxLength: 3 }),
    condition: weights,
    count: fc.integer({ min: 1, max: Math.min(size + 2, 12) }),
  }),
);

describe('retrieveCandidates under a framing', () => {
  it('returns the full scan of aggregate + personas + the framing’s deviation, coverage included', () => {
    fc.assert(
      fc.property(cases, ({ items, aggregate, personas, condition, count }) => {
        const mixture = PersonaMixture.fromJSON(
          { personas: personas.map((means, id) => ({ id, mass: 1, share: 1 / personas.length, weights: model(means).toJSON() })), evidence: 0, eventsSeen: 0, nextId: personas.length, decisions: [] },
          { maxPersonas: personas.length, deviation: PRIOR },
        );
        const d = model(condition);
        const index = CandidateIndex.build(items, (_item, k) => aggregate[k]!);
        const { candidates, coverage } = retrieveCandidates(index, mixture, new Set(), count, d);

        const byScore = (score: (x: SparseVector, a: number) => number) =>
          items.map((it, k) => ({ itemId: it.itemId, logit: score(it.userX, aggregate[k]!) })).sort((x, y) => y.logit - x.logit || (x.itemId < y.itemId ? -1 : 1));
        const served = byScore((x, a) => d.logit(x, mixture.logit(x, a)));
        const top = served.slice(0, count);
        const chosen = new Set<string>();
        if (personas.length > 1) {
          for (const { model: persona } of mixture.personas) for (const c of byScore((x, a) => d.logit(x, persona.logit(x, a))).slice(0, Math.ceil(count / personas.length))) chosen.add(c.itemId);
        }
        const plain = (xs: readonly { itemId: string; logit: number }[]) => xs.map(({ itemId, logit }) => ({ itemId, logit }));
        expect(plain(candidates).map((c) => c.itemId)).toEqual(top.map((c) => c.itemId));
        for (const [k, c] of plain(candidates).entries()) expect(c.logit).toBeCloseTo(top[k]!.logit, 9);
        expect(plain(coverage).map((c) => c.itemId)).toEqual(served.filter((c) => chosen.has(c.itemId) && !top.includes(c)).map((c) => c.itemId));
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});
