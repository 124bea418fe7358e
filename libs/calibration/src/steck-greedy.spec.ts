/**
 * The fast greedy (term-interned increments, open-addressed grouping, arena arrays) against the reference greedy it
 * replaced (`testing/reference-steck-greedy.ts`, the previous code unchanged): the same candidate indices in the same
 * order, on random instances where ties, repeated category rows, shared weights and categories outside the target are
 * common — the cases where a change of arithmetic or of visiting order would show.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidateRows, internTargetCategories, type RerankCandidate } from './candidate-rows';
import { ScratchArena } from './scratch-arena';
import { groupIdenticalRows, steckGreedyOrder } from './steck-greedy';
import * as reference from './testing/reference-steck-greedy';

const CATEGORIES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

/** Weights drawn from a few fractions (so rows and terms repeat) or free; scores from a coarse grid (so gains tie). */
const categoriesArbitrary = fc
  .uniqueArray(fc.constantFrom(...CATEGORIES), { minLength: 1, maxLength: 4 })
  .chain((names) =>
    fc
      .array(fc.oneof(fc.constantFrom(1, 2, 3), fc.double({ min: 0.01, max: 5, noNaN: true })), { minLength: names.length, maxLength: names.length })
      .map((raw) => {
        const sum = raw.reduce((a, b) => a + b, 0);
        return Object.fromEntries(names.map((name, k) => [name, raw[k] / sum]));
      }),
  );

const instanceArbitrary = fc
  .record({
    items: fc.array(
      fc.record({ score: fc.oneof(fc.integer({ min: -2, max: 10 }).map((s) => s / 10), fc.double({ min: -1, max: 2, noNaN: true })), categories: categoriesArbitrary }),
      { minLength: 1, maxLength: 60 },
    ),
    profileWeights: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 1, noNaN: true })), { minLength: CATEGORIES.length, maxLength: CATEGORIES.length }),
    lambda: fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
    alpha: fc.oneof(fc.constant(0.01), fc.double({ min: 0.001, max: 0.999, noNaN: true })),
    nShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .filter(({ profileWeights }) => profileWeights.some((w) => w > 0));

describe('steckGreedyOrder', () => {
  it('picks the same candidates in the same order as the reference greedy (fast-check)', () => {
    fc.assert(
      fc.property(instanceArbitrary, ({ items, profileWeights, lambda, alpha, nShare }) => {
        const candidates: RerankCandidate[] = items.map((item, i) => ({ id: `i${i % 7}-${i}`, ...item }));
        const total = profileWeights.reduce((a, b) => a + b, 0);
        const target = Object.fromEntries(CATEGORIES.flatMap((name, k) => (profileWeights[k] > 0 ? [[name, profileWeights[k] / total]] : [])));
        const n = 1 + Math.floor(nShare * (candidates.length - 1));
        const categories = internTargetCategories(target, alpha);
        const settings = { n, lambda, alpha };
        const arena = new ScratchArena();
        const rows = candidateRows(candidates, categories.index, arena);
        const fast = steckGreedyOrder(rows, groupIdenticalRows(rows, arena), categories, settings, arena);
        const oracle = reference.steckGreedyOrder(rows, reference.groupIdenticalRows(rows), categories, settings);
        expect(fast).toEqual(oracle);
      }),
      { numRuns: 2000, seed: 14 },
    );
    // 2,000 instances against an oracle: about 10 s on the shared 2-core machine under load, past vitest's 5 s default.
  }, 60_000);
});
