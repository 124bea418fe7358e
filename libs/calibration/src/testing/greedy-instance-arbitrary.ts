/**
 * Random rerank instances for the greedy's property tests, where ties, repeated category rows, shared weights and
 * categories outside the target are common — the cases where a change of arithmetic or of visiting order would show.
 * Test code only.
 */
import fc from 'fast-check';

export const CATEGORIES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

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

export const instanceArbitrary = fc
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
