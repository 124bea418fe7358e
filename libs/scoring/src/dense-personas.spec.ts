import { DiagonalGaussianLogistic, itemFeatures, PersonaMixture } from '@chorus/reward';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CandidateIndex } from './candidate-index';
import { DenseFeatures, DensePersonas } from './dense-personas';
import { retrieveCandidates } from './personalized-scorer';

/**
 * The oracle is the PersonaMixture the dense form is read from: every score must be the same number to the last bit
 * (toBe, not toBeCloseTo), since serving and reranking rank by these scores and break ties by them. The one difference
 * allowed is the sign of a zero (`+ 0` below): where the model skips a feature it has no weight for, the dense form
 * adds an exact 0, which turns a −0 sum into +0 — equal under every comparison a ranking makes.
 */

const PRIOR = { priorVariance: 100 };
const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const items = fc.array(
  fc.record({
    categories: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.double({ min: 0.01, max: 1, noNaN: true }), { minKeys: 1, maxKeys: 3 }),
    stance: fc.option(finite(-1, 1), { nil: undefined }),
    dense: fc.option(fc.array(finite(-2, 2), { minLength: 2, maxLength: 2 }), { nil: undefined }),
  }),
  { minLength: 1, maxLength: 40 },
);
// Weights on features no item has ('cat:z') too: the dense form must ignore them as the model's logit does.
const weights = fc.dictionary(fc.constantFrom('bias', 'cat:a', 'cat:b', 'cat:c', 'cat:e', 'cat:z', 'stance', 'dense:1'), finite(-3, 3), { maxKeys: 8 });

function mixtureOf(personas: Record<string, number>[]): PersonaMixture {
  const json = (means: Record<string, number>) => DiagonalGaussianLogistic.fromJSON(Object.fromEntries(Object.entries(means).map(([f, m]) => [f, [m, 1]])), PRIOR).toJSON();
  return PersonaMixture.fromJSON(
    { personas: personas.map((means, id) => ({ id: id + 7, mass: 1, share: 1 / personas.length, weights: json(means) })), evidence: 0, eventsSeen: 0, nextId: personas.length + 7, decisions: [] },
    { maxPersonas: personas.length, deviation: PRIOR },
  );
}

describe('DensePersonas', () => {
  it('scores every item exactly as the mixture does: served logit, each persona’s logit, the serving persona', () => {
    fc.assert(
      fc.property(items, fc.array(weights, { minLength: 1, maxLength: 3 }), finite(-5, 5), (specs, personas, offset) => {
        const catalogue = specs.map((spec) => ({ userX: itemFeatures(spec) }));
        const mixture = mixtureOf(personas);
        const dense = new DensePersonas(new DenseFeatures(catalogue), mixture);
        catalogue.forEach(({ userX }, position) => {
          expect(dense.served(userX, offset, position) + 0).toBe(mixture.logit(userX, offset) + 0);
          expect(dense.servingPersona(userX, position)).toBe(mixture.servingPersona(userX));
          mixture.personas.forEach((persona, k) => expect(dense.personas[k]!.logit(userX, offset, position) + 0).toBe(persona.model.logit(userX, offset) + 0));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('retrieves the same candidates and coverage, in the same order, as retrieval through the mixture', () => {
    fc.assert(
      fc.property(items, fc.array(weights, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 12 }), (specs, personas, count) => {
        const catalogue = specs.map((spec, k) => ({ itemId: `i${k}`, userX: itemFeatures(spec) }));
        const index = CandidateIndex.build(catalogue, (_item, k) => Math.sin(k) * 3);
        const mixture = mixtureOf(personas);
        const seen = new Set(['i0', 'i3']);
        const dense = new DensePersonas(new DenseFeatures(catalogue), mixture);
        expect(retrieveCandidates(index, dense, seen, count)).toEqual(retrieveCandidates(index, mixture, seen, count));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a score that is not finite, as the model’s logit does', () => {
    const catalogue = [{ userX: itemFeatures({ categories: { a: 1 } }) }];
    const mixture = mixtureOf([{ 'cat:a': 1e308 }, { 'cat:a': 1e308, bias: 1e308 }]);
    expect(() => mixture.logit(catalogue[0]!.userX, 0)).toThrow(RangeError);
    expect(() => new DensePersonas(new DenseFeatures(catalogue), mixture).served(catalogue[0]!.userX, 0, 0)).toThrow(/not finite/);
  });
});
