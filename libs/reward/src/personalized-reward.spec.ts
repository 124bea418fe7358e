import { describe, expect, it } from 'vitest';
import { DiagonalGaussianLogistic } from './diagonal-gaussian-logistic';
import { binaryObservation, pairwiseObservation, type FeedbackObservation } from './feedback-observation';
import { itemFeatures } from './item-features';
import { NonFiniteUpdateError } from './non-finite-update.error';
import { deviationNorm, personalizedLogit, updateOnObservation } from './personalized-reward';
import { mulberry32 } from '@chorus/random';

const catalogue = [
  { id: 'd1', phi: itemFeatures({ categories: { drama: 1 }, stance: 0.6 }) },
  { id: 'd2', phi: itemFeatures({ categories: { drama: 2, romance: 1 } }) },
  { id: 'o1', phi: itemFeatures({ categories: { documentary: 1 }, stance: -0.4 }) },
  { id: 'o2', phi: itemFeatures({ categories: { documentary: 1, drama: 1 }, dense: [0.2] }) },
];

/**
 * A seeded stream of binary and pairwise events: the population likes drama, the user of interest likes documentary.
 * `mine` marks that user's events.
 */
function stream(seed: number, n: number): { observation: FeedbackObservation; mine: boolean }[] {
  const random = mulberry32(seed);
  const out: { observation: FeedbackObservation; mine: boolean }[] = [];
  for (let i = 0; i < n; i++) {
    const mine = random() < 0.3;
    const a = catalogue[Math.floor(random() * catalogue.length)]!;
    const b = catalogue[Math.floor(random() * catalogue.length)]!;
    const likes = (item: typeof a): boolean => item.phi.has(mine ? 'cat:documentary' : 'cat:drama');
    if (a.id !== b.id && random() < 0.3) {
      const aWins = likes(a) === likes(b) ? random() < 0.5 : likes(a);
      out.push({
        observation: aWins
          ? pairwiseObservation(a.phi, a.id, b.phi, b.id)
          : pairwiseObservation(b.phi, b.id, a.phi, a.id),
        mine,
      });
    } else {
      out.push({ observation: binaryObservation(a.phi, a.id, random() < (likes(a) ? 0.85 : 0.2) ? 1 : 0), mine });
    }
  }
  return out;
}

function trainedAggregate(): DiagonalGaussianLogistic {
  const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
  for (const { observation } of stream(1, 300)) {
    aggregate.update(observation.aggregateX, observation.y, observation.weight);
  }
  return aggregate;
}

describe('personalizedLogit', () => {
  it('a user without a model, or with a fresh one, gets exactly the aggregate logit', () => {
    const aggregate = trainedAggregate();
    const fresh = new DiagonalGaussianLogistic({ priorVariance: 2 });
    for (const { observation } of stream(2, 50)) {
      const expected = aggregate.logit(observation.aggregateX);
      expect(expected).not.toBe(0);
      expect(personalizedLogit(aggregate, undefined, observation.aggregateX, observation.userX)).toBe(expected);
      expect(personalizedLogit(aggregate, fresh, observation.aggregateX, observation.userX)).toBe(expected);
    }
  });

  it('is the aggregate logit plus the user deviation logit', () => {
    const aggregate = trainedAggregate();
    const user = new DiagonalGaussianLogistic({ priorVariance: 1 });
    for (const { observation } of stream(3, 100)) updateOnObservation(aggregate, user, observation);
    const { aggregateX, userX } = binaryObservation(catalogue[2]!.phi, 'o1', 1);
    expect(personalizedLogit(aggregate, user, aggregateX, userX)).toBeCloseTo(
      aggregate.logit(aggregateX) + user.logit(userX),
      14,
    );
  });
});

describe('updateOnObservation', () => {
  it('returns the logits each model gave the observation before learning it, bit for bit', () => {
    const aggregate = trainedAggregate();
    const user = new DiagonalGaussianLogistic({ priorVariance: 1.5 });
    for (const { observation } of stream(7, 300)) {
      const expectedAggregate = aggregate.logit(observation.aggregateX);
      const expectedPersonalized = user.logit(observation.userX, expectedAggregate);
      const before = updateOnObservation(aggregate, user, observation);
      expect(before.aggregate).toBe(expectedAggregate);
      expect(before.personalized).toBe(expectedPersonalized);
    }
    // The stream moved both models, so the figures above were not all taken at the prior.
    expect(user.featureCount).toBeGreaterThan(0);
  });

  it('refuses a non-finite user vector before touching either model', () => {
    const aggregate = trainedAggregate();
    const user = new DiagonalGaussianLogistic({ priorVariance: 1 });
    const before = JSON.stringify(aggregate);
    const { aggregateX } = binaryObservation(catalogue[0]!.phi, 'd1', 1);
    const bad = { aggregateX, userX: new Map([['cat:drama', Number.NaN]]), y: 1, weight: 1 };
    expect(() => updateOnObservation(aggregate, user, bad)).toThrow(/feature "cat:drama" has value NaN/);
    expect(JSON.stringify(aggregate)).toBe(before);
    expect(user.featureCount).toBe(0);
  });

  it('refuses an observation whose posterior would not be finite, leaving both models byte-identical', () => {
    // A dense feature of 1e200: finite, but its square (the score variance) overflows, and the old update wrote NaN.
    const huge = itemFeatures({ categories: { drama: 1 }, dense: [1e200] });
    const aggregate = trainedAggregate();
    const user = new DiagonalGaussianLogistic({ priorVariance: 1 });
    user.update(catalogue[0]!.phi, 1, 1, 0.3);
    const state = () => [aggregate.toJSONText(), aggregate.featureCount, user.toJSONText(), user.featureCount];
    const before = state();
    for (const observation of [
      binaryObservation(huge, 'huge', 1),
      binaryObservation(huge, 'huge', 0),
      // Only the user's half is refused: the aggregate (prepared first) must not be written either.
      { aggregateX: catalogue[0]!.phi, userX: huge, y: 1, weight: 1 },
    ]) {
      expect(() => updateOnObservation(aggregate, user, observation)).toThrow(NonFiniteUpdateError);
      expect(state()).toEqual(before);
    }
    // And the models still learn afterwards.
    updateOnObservation(aggregate, user, binaryObservation(catalogue[1]!.phi, 'd2', 1));
    expect(user.toJSONText()).not.toBe(before[2]);
  });

  it('with τ² = 0 the deviation never moves and the personalized logit is the aggregate logit for every x', () => {
    const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
    const user = new DiagonalGaussianLogistic({ priorVariance: 0 });
    for (const { observation } of stream(4, 400)) {
      const { aggregate: before, personalized } = updateOnObservation(aggregate, user, observation);
      expect(personalized).toBe(before);
    }
    expect(user.featureCount).toBe(0);
    expect(user.toJSON()).toEqual({});
    for (const { observation } of stream(5, 50)) {
      expect(personalizedLogit(aggregate, user, observation.aggregateX, observation.userX)).toBe(
        aggregate.logit(observation.aggregateX),
      );
    }
    expect(deviationNorm(user, 0)).toBe(0);
  });

  it('takes the user offset from the aggregate before the aggregate learns, and returns prequential logits', () => {
    const aggregate = trainedAggregate();
    const user = new DiagonalGaussianLogistic({ priorVariance: 1 });
    // The same steps by hand, as a learner holding only the user (sharded) would run them with a received offset.
    const shardAggregate = DiagonalGaussianLogistic.fromJSON(aggregate.toJSON(), { priorVariance: 1 });
    const shardUser = new DiagonalGaussianLogistic({ priorVariance: 1 });
    for (const { observation } of stream(6, 100)) {
      const { aggregateX, userX, y, weight } = observation;
      const offset = shardAggregate.logit(aggregateX);
      const expectedPersonalized = shardUser.logit(userX, offset);
      shardAggregate.update(aggregateX, y, weight);
      shardUser.update(userX, y, weight, offset);

      const returned = updateOnObservation(aggregate, user, observation);
      expect(returned).toEqual({ aggregate: offset, personalized: expectedPersonalized });
    }
    expect(user.toJSON()).toEqual(shardUser.toJSON());
    expect(aggregate.toJSON()).toEqual(shardAggregate.toJSON());
  });

  it('learns a user who disagrees with the population (seeded): personal ranking flips, aggregate does not', () => {
    const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
    const user = new DiagonalGaussianLogistic({ priorVariance: 1 });
    for (const { observation, mine } of stream(7, 1500)) {
      if (mine) updateOnObservation(aggregate, user, observation);
      else aggregate.update(observation.aggregateX, observation.y, observation.weight);
    }
    const score = (index: number, withUser: boolean): number => {
      const { aggregateX, userX } = binaryObservation(catalogue[index]!.phi, catalogue[index]!.id, 1);
      return personalizedLogit(aggregate, withUser ? user : undefined, aggregateX, userX);
    };
    // d1 pure drama, o1 pure documentary.
    expect(score(0, false)).toBeGreaterThan(score(2, false));
    expect(score(2, true)).toBeGreaterThan(score(0, true));
    expect(deviationNorm(user, 1)).toBeGreaterThan(0.5);
  });
});

describe('deviationNorm', () => {
  it('is sqrt(Σ m² / τ²), the same from a model and from its JSON', () => {
    const user = DiagonalGaussianLogistic.fromJSON({ bias: [0.6, 1], 'cat:a': [-0.8, 1.5] }, { priorVariance: 4 });
    expect(deviationNorm(user, 4)).toBeCloseTo(Math.sqrt(1 / 4), 15);
    expect(deviationNorm(user.toJSON(), 4)).toBe(deviationNorm(user, 4));
  });

  it('is 0 for no user, a fresh user and τ² = 0', () => {
    expect(deviationNorm(undefined, 1)).toBe(0);
    expect(deviationNorm(new DiagonalGaussianLogistic({ priorVariance: 1 }), 1)).toBe(0);
    expect(deviationNorm({ bias: [3, 1] }, 0)).toBe(0);
  });

  it('rejects a negative or NaN τ², and a NaN mean', () => {
    expect(() => deviationNorm(undefined, -1)).toThrow(/tau2 is -1/);
    expect(() => deviationNorm(undefined, NaN)).toThrow(/tau2 is NaN/);
    expect(() => deviationNorm({ bias: [NaN, 1] }, 1)).toThrow(/mean NaN/);
  });
});
