import { describe, expect, it } from 'vitest';
import { DiagonalGaussianLogistic } from './diagonal-gaussian-logistic';
import { binaryObservation, pairwiseObservation, pairwiseObservationOf } from './feedback-observation';
import { itemFeatures } from './item-features';
import { mulberry32 } from '@chorus/random';

const dramaPhi = itemFeatures({ categories: { drama: 3, romance: 1 }, stance: 0.5 });
const docPhi = itemFeatures({ categories: { documentary: 1, drama: 1 } });

function negate(x: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...x].map(([feature, value]) => [feature, -value]));
}

/** An aggregate that has seen some seeded pairwise and binary traffic, so its means are far from 0. */
function trainedAggregate(): DiagonalGaussianLogistic {
  const random = mulberry32(9);
  const model = new DiagonalGaussianLogistic({ priorVariance: 1 });
  for (let i = 0; i < 100; i++) {
    const obs =
      random() < 0.5
        ? binaryObservation(dramaPhi, 'd1', random() < 0.7 ? 1 : 0)
        : binaryObservation(docPhi, 'o1', random() < 0.4 ? 1 : 0);
    model.update(obs.aggregateX, obs.y, obs.weight);
  }
  return model;
}

function expectPosteriorsClose(
  actual: DiagonalGaussianLogistic,
  expected: DiagonalGaussianLogistic,
  tolerance: number,
): void {
  const a = actual.toJSON();
  const e = expected.toJSON();
  expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
  for (const feature of Object.keys(e)) {
    expect(Math.abs(a[feature]![0] - e[feature]![0])).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(a[feature]![1] - e[feature]![1])).toBeLessThanOrEqual(tolerance);
  }
}

describe('binaryObservation', () => {
  it('gives the aggregate φ + item intercept and the user φ without it', () => {
    const obs = binaryObservation(dramaPhi, 'd1', 1, 0.75);
    expect(new Map(obs.aggregateX)).toEqual(new Map([...dramaPhi, ['item:d1', 1]]));
    expect(new Map(obs.userX)).toEqual(new Map(dramaPhi));
    expect(obs.y).toBe(1);
    expect(obs.weight).toBe(0.75);
  });

  it('strips item:* from userX even if the caller passed φ with an intercept', () => {
    const obs = binaryObservation(new Map([['bias', 1], ['item:x', 1]]), 'x', 0);
    expect([...obs.userX.keys()]).toEqual(['bias']);
  });

  it.each([
    [NaN, 1, /label y is NaN/],
    [2, 1, /label y is 2/],
    [1, 0, /weight is 0/],
    [1, NaN, /weight is NaN/],
  ])('rejects y = %s, weight = %s', (y, weight, message) => {
    expect(() => binaryObservation(dramaPhi, 'd1', y, weight)).toThrow(message);
  });
});

describe('pairwiseObservation (Bradley–Terry)', () => {
  it('x = φ(chosen) + item:chosen − φ(rejected) − item:rejected; bias cancels; user part has no items', () => {
    const obs = pairwiseObservation(dramaPhi, 'd1', docPhi, 'o1');
    expect(new Map(obs.aggregateX)).toEqual(
      new Map([
        ['cat:drama', 0.75 - 0.5],
        ['cat:romance', 0.25],
        ['stance', 0.5],
        ['item:d1', 1],
        ['cat:documentary', -0.5],
        ['item:o1', -1],
      ]),
    );
    expect(new Map(obs.userX)).toEqual(new Map([...obs.aggregateX].filter(([f]) => !f.startsWith('item:'))));
    expect(obs.y).toBe(1);
    expect(obs.weight).toBe(1);
  });

  it('from precomputed item vectors (pairwiseObservationOf) it is the same observation, entry order included', () => {
    const items = { d1: dramaPhi, o1: docPhi };
    const vectors = (id: 'd1' | 'o1') => binaryObservation(items[id], id, 1);
    const of = (tie: boolean) => pairwiseObservationOf('d1', { phi: dramaPhi, aggregateX: vectors('d1').aggregateX }, 'o1', { phi: docPhi, aggregateX: vectors('o1').aggregateX }, tie);
    for (const tie of [false, true]) {
      const direct = pairwiseObservation(dramaPhi, 'd1', docPhi, 'o1', tie);
      expect([...of(tie).aggregateX]).toEqual([...direct.aggregateX]);
      expect([...of(tie).userX]).toEqual([...direct.userX]);
      expect([of(tie).y, of(tie).weight]).toEqual([direct.y, direct.weight]);
    }
    expect(() => pairwiseObservationOf('d1', { phi: dramaPhi, aggregateX: dramaPhi }, 'd1', { phi: dramaPhi, aggregateX: dramaPhi })).toThrow(/compared with itself/);
  });

  it('a tie has y = 0.5', () => {
    expect(pairwiseObservation(dramaPhi, 'd1', docPhi, 'o1', true).y).toBe(0.5);
  });

  it('rejects an item compared with itself', () => {
    expect(() => pairwiseObservation(dramaPhi, 'd1', dramaPhi, 'd1')).toThrow(/compared with itself/);
  });

  it('is antisymmetric: P(a ≻ b) = 1 − P(b ≻ a) to 1e-15', () => {
    const model = trainedAggregate();
    const ab = pairwiseObservation(dramaPhi, 'd1', docPhi, 'o1');
    const ba = pairwiseObservation(docPhi, 'o1', dramaPhi, 'd1');
    expect(model.probability(ab.aggregateX)).not.toBeCloseTo(0.5, 2); // the check would be vacuous at ½
    const sum = model.probability(ab.aggregateX) + model.probability(ba.aggregateX);
    expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-15);
  });

  it('learning "a over b" equals learning x negated with y = 0: identical posteriors', () => {
    const ab = pairwiseObservation(dramaPhi, 'd1', docPhi, 'o1');
    const first = trainedAggregate();
    const second = trainedAggregate();
    first.update(ab.aggregateX, 1);
    second.update(negate(ab.aggregateX), 0);
    expect(second.toJSON()).toEqual(first.toJSON());
  });

  it('learning "a over b" equals learning "b over a" with y = 0, to rounding (1e-14)', () => {
    // Listing the items the other way round changes the Map order of x and so the summation order of w·x: equal to
    // rounding, not to the bit.
    const first = trainedAggregate();
    const third = trainedAggregate();
    first.update(pairwiseObservation(dramaPhi, 'd1', docPhi, 'o1').aggregateX, 1);
    third.update(pairwiseObservation(docPhi, 'o1', dramaPhi, 'd1').aggregateX, 0);
    expectPosteriorsClose(third, first, 1e-14);
  });

  it('a tie updates symmetrically: tie(a, b) and tie(b, a) agree to rounding, x and −x to the bit', () => {
    const first = trainedAggregate();
    const second = trainedAggregate();
    const third = trainedAggregate();
    const tieAb = pairwiseObservation(dramaPhi, 'd1', docPhi, 'o1', true);
    const tieBa = pairwiseObservation(docPhi, 'o1', dramaPhi, 'd1', true);
    const before = first.toJSON();
    first.update(tieAb.aggregateX, tieAb.y);
    second.update(tieBa.aggregateX, tieBa.y);
    third.update(negate(tieAb.aggregateX), tieAb.y);
    expectPosteriorsClose(second, first, 1e-14);
    expect(third.toJSON()).toEqual(first.toJSON());
    expect(first.toJSON()).not.toEqual(before);
    // A tie pulls the two items' score difference toward 0.
    expect(Math.abs(first.logit(tieAb.aggregateX))).toBeLessThan(Math.abs(trainedAggregate().logit(tieAb.aggregateX)));
  });
});
