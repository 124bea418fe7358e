import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagonalGaussianLogistic } from './diagonal-gaussian-logistic';
import { FeatureDictionary } from './feature-dictionary';
import { FeatureVector } from './sparse-vector';
import { NamedPosteriorReference } from './testing/named-posterior.reference';

// Issue #13: posteriors store their features by index in a dictionary shared by every model, in one plain array,
// instead of a Map from names each. That must change how the model is held, not the model: over random streams the
// interned layout must agree bit for bit with a plain re-implementation of the update over a Map of names.

/** Names never seen by any model before this run (the dictionary is the process's): some vectors start uninterned. */
let run = 0;
const SHARED = ['bias', 'stance', '__proto__', 'constructor', 'dense:0', ...['drama', 'horror', 'comedy', 'scifi'].map((c) => `cat:${c}`), ...Array.from({ length: 24 }, (_, i) => `item:${i}`), 'cat:fixed'];

type Step =
  | { kind: 'update'; vector: number; entries: [number, number][]; y: number; weight: number; offset: number; plain: boolean }
  | { kind: 'logit'; vector: number; entries: [number, number][]; offset: number }
  | { kind: 'copy' }
  | { kind: 'restore' };

const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, -1, 0.5) },
  // Large enough that a score or its variance overflows: the model must refuse, and leave itself unchanged.
  { weight: 1, arbitrary: fc.constantFrom(1e160, -1e200) },
);
const entries = fc.array(fc.tuple(fc.nat(SHARED.length + 5), value), { minLength: 1, maxLength: 10 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      vector: fc.nat(11),
      entries,
      y: fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
      weight: fc.double({ min: 0.01, max: 5, noNaN: true }),
      offset: fc.double({ min: -4, max: 4, noNaN: true }),
      plain: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('logit' as const), vector: fc.nat(11), entries, offset: fc.double({ min: -4, max: 4, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'copy' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restore' as const }) },
);

/** Both models' state as entries; Object.is so that −0 and 0 differ. */
function expectSame(model: DiagonalGaussianLogistic, reference: NamedPosteriorReference, names: readonly string[]): void {
  const json = model.toJSON();
  const stored = Object.keys(json).map((feature) => [feature, json[feature]![0], json[feature]![1]]);
  expect(stored).toEqual(reference.posterior());
  for (const [feature, mean, variance] of reference.posterior()) {
    expect(Object.is(json[feature]![0], mean) && Object.is(json[feature]![1], variance)).toBe(true);
  }
  for (const feature of names) {
    const entry = reference.entries.get(feature);
    expect(Object.is(model.mean(feature), entry ? entry.mean : 0)).toBe(true);
  }
}

describe('interned posterior layout', () => {
  it('learns, scores, copies and restores exactly as a plain update over a Map of names (random streams)', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(0, 0.01, 0.5),
        fc.boolean(),
        (steps, forgetting, perFeaturePrior) => {
          run++;
          const names = [...SHARED, ...Array.from({ length: 6 }, (_, i) => `fresh:${run}:${i}`)];
          // A per-feature prior, as the aggregate's (item intercepts apart, one feature fixed at 0), or one number.
          const prior = (feature: string) => (feature === 'cat:fixed' ? 0 : feature.startsWith('item:') ? 0.7 : 1.3);
          const options = { priorVariance: perFeaturePrior ? prior : 1.3, forgetting };
          let model = new DiagonalGaussianLogistic(options);
          let reference = new NamedPosteriorReference(perFeaturePrior ? prior : () => 1.3, forgetting);
          // Vectors reused across steps, as an item's vector is across events: their indices are cached.
          const vectors: FeatureVector[] = [];
          const vectorOf = (k: number, entries: [number, number][]) => {
            const distinct = new Map(entries.map(([name, x]) => [names[name]!, x]));
            return (vectors[k] ??= new FeatureVector(distinct));
          };
          for (const s of steps) {
            if (s.kind === 'copy') {
              model = model.copy();
              reference = reference.copy();
            } else if (s.kind === 'restore') {
              model = DiagonalGaussianLogistic.fromJSON(model.toJSON(), options);
              reference = reference.copy();
            } else if (s.kind === 'logit') {
              // A new vector's names may be in no model yet: scored without being interned.
              const vector = vectorOf(s.vector, s.entries);
              let expected: number | undefined;
              try {
                expected = reference.logit([...vector], s.offset);
              } catch {
                expected = undefined;
              }
              if (expected === undefined || !Number.isFinite(expected) || [...vector.values()].some((x) => !Number.isFinite(x))) expect(() => model.logit(vector, s.offset)).toThrow(RangeError);
              else expect(Object.is(model.logit(vector, s.offset), expected)).toBe(true);
            } else {
              const vector = vectorOf(s.vector, s.entries);
              const x = s.plain ? new Map(vector) : vector;
              let expected: number | Error;
              try {
                expected = reference.update([...vector], s.y, s.weight, s.offset);
              } catch (error) {
                expected = error as Error;
              }
              if (expected instanceof Error) {
                expect(() => model.update(x, s.y, s.weight, s.offset)).toThrow(RangeError);
              } else {
                expect(Object.is(model.update(x, s.y, s.weight, s.offset), expected)).toBe(true);
              }
            }
            expectSame(model, reference, names);
            expect(model.featureCount).toBe(reference.entries.size);
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);

  it('a copy is independent of its original', () => {
    const model = new DiagonalGaussianLogistic({ priorVariance: 1 });
    const x = new FeatureVector([['bias', 1], ['cat:drama', 0.5]]);
    model.update(x, 1);
    const copy = model.copy();
    copy.update(x, 0);
    expect(copy.mean('bias')).not.toBe(model.mean('bias'));
    model.update(x, 1);
    expect(model.toJSON()).not.toEqual(copy.toJSON());
  });
});

describe('FeatureDictionary', () => {
  it('gives each name one index, in the order interned, and finds without interning', () => {
    const dictionary = new FeatureDictionary();
    expect(dictionary.find('bias')).toBe(-1);
    expect(dictionary.size).toBe(0);
    expect([dictionary.intern('bias'), dictionary.intern('cat:drama'), dictionary.intern('bias')]).toEqual([0, 1, 0]);
    expect(dictionary.find('cat:drama')).toBe(1);
    expect(dictionary.name(1)).toBe('cat:drama');
    expect(dictionary.size).toBe(2);
  });
});
