import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@chorus/random';
import { DiagonalGaussianLogistic } from './diagonal-gaussian-logistic';
import { binaryObservation, type FeedbackObservation } from './feedback-observation';
import { itemFeatures } from './item-features';
import { DEFAULT_PERSONA_OPTIONS, PersonaMixture, personaLabel, rebasedMixtureLogits, rebasePersonas, updateOnObservationWithPersonas } from './persona-mixture';
import { rebasedLogits, rebasePosterior } from './pooling-strength';
import { updateOnObservation } from './personalized-reward';
import { plantedTwoTasteEvents } from './testing/planted-tastes.fixture';

const CATEGORIES = ['drama', 'horror', 'romance', 'documentary', 'comedy'];

/** A random stream of binary observations over random items, weights and soft labels. */
const observations = fc.array(
  fc.record({
    categories: fc.uniqueArray(fc.constantFrom(...CATEGORIES), { minLength: 1, maxLength: 3 }),
    stance: fc.double({ min: -1, max: 1, noNaN: true }),
    item: fc.integer({ min: 0, max: 30 }),
    y: fc.oneof(fc.constantFrom(0, 1, 0.5), fc.double({ min: 0, max: 1, noNaN: true })),
    weight: fc.double({ min: 0.05, max: 5, noNaN: true }),
  }),
  { minLength: 1, maxLength: 120 },
);

function observationOf(event: { categories: string[]; stance: number; item: number; y: number; weight: number }): FeedbackObservation {
  const phi = itemFeatures({ categories: Object.fromEntries(event.categories.map((c) => [c, 1])), stance: event.stance });
  return binaryObservation(phi, `i${event.item}`, event.y, event.weight);
}

describe('updateOnObservationWithPersonas with a weight per model (issue #15)', () => {
  it('learns the aggregate under aggregateWeight and the user under userWeight, as two separately weighted updates would', () => {
    fc.assert(
      fc.property(observations, fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), (events, wa, wu) => {
        const deviation = { priorVariance: 1, forgetting: 0 };
        const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
        const user = new PersonaMixture({ maxPersonas: 1, deviation });
        const aggregateAlone = new DiagonalGaussianLogistic({ priorVariance: 1 });
        const userAlone = new DiagonalGaussianLogistic(deviation);
        for (const event of events) {
          const observation = observationOf(event);
          const offset = aggregateAlone.update(observation.aggregateX, observation.y, wa);
          userAlone.update(observation.userX, observation.y, wu, offset);
          expect(updateOnObservationWithPersonas(aggregate, user, observation, wa, wu).aggregate).toBe(offset);
        }
        expect(aggregate.toJSON()).toEqual(aggregateAlone.toJSON());
        expect(user.personas[0]!.model.toJSON()).toEqual(userAlone.toJSON());
      }),
      { numRuns: 40, seed: 15 },
    );
  });
});

describe('PersonaMixture: one persona is today’s single deviation', () => {
  it('K = 1: the same prequential logits and the same posteriors, to the bit, on random streams', () => {
    fc.assert(
      fc.property(observations, fc.double({ min: 0.05, max: 20, noNaN: true }), fc.double({ min: 0, max: 0.05, noNaN: true }), (events, tau2, forgetting) => {
        const deviation = { priorVariance: tau2, forgetting };
        const aggregateA = new DiagonalGaussianLogistic({ priorVariance: 1 });
        const aggregateB = new DiagonalGaussianLogistic({ priorVariance: 1 });
        const single = new DiagonalGaussianLogistic(deviation);
        const user = new PersonaMixture({ maxPersonas: 1, deviation });
        for (const event of events) {
          const observation = observationOf(event);
          expect(user.logit(observation.userX, 0.3)).toBe(single.logit(observation.userX, 0.3));
          expect(updateOnObservationWithPersonas(aggregateB, user, observation)).toEqual(updateOnObservation(aggregateA, single, observation));
        }
        expect(user.personas).toHaveLength(1);
        expect(user.personas[0]!.model.toJSON()).toEqual(single.toJSON());
        expect(aggregateB.toJSON()).toEqual(aggregateA.toJSON());
      }),
      { numRuns: 60, seed: 16 },
    );
  });

  it('K = 3: a user whose events one persona explains learns exactly as the single deviation until a persona opens', () => {
    fc.assert(
      fc.property(observations, (events) => {
        const deviation = { priorVariance: 4 };
        const single = new DiagonalGaussianLogistic(deviation);
        const user = new PersonaMixture({ maxPersonas: 3, deviation });
        for (const event of events) {
          const { userX, y, weight } = observationOf(event);
          const opened = user.personas.length > 1;
          const before = user.update(userX, y, weight, 0.2);
          if (opened) return; // from here on the user is not a single-taste user
          expect(before).toBe(single.update(userX, y, weight, 0.2));
        }
        if (user.personas.length === 1) expect(user.personas[0]!.model.toJSON()).toEqual(single.toJSON());
      }),
      { numRuns: 60, seed: 17 },
    );
  });

  it('a stored single deviation loads as one persona with the same scores', () => {
    const single = new DiagonalGaussianLogistic({ priorVariance: 4 });
    const x = itemFeatures({ categories: { drama: 1 } });
    single.update(x, 1, 2, -0.5);
    const user = PersonaMixture.fromSingleDeviation(single.toJSON(), 1, { maxPersonas: 3, deviation: { priorVariance: 4 } });
    expect(user.logit(x, 0.1)).toBe(single.logit(x, 0.1));
    expect(user.eventsSeen).toBe(1);
  });
});

describe('PersonaMixture: a planted two-taste user (a household)', () => {
  // Taste A (70% of events) likes horror and thriller and dislikes romance and comedy; taste B the reverse.
  const deviation = { priorVariance: 4 };

  function learned(seed: number): PersonaMixture {
    const user = new PersonaMixture({ maxPersonas: 3, deviation });
    for (const { x, y } of plantedTwoTasteEvents(seed, 600)) user.update(x, y, 1, 0);
    return user;
  }

  it('opens a second persona, with its evidence, and attention gives each taste’s items to a different persona', () => {
    // Seeds 1–10, 600 events each (180 of them B's, in sessions of ~5). Measured: 8 of 10 keep a second persona
    // (seed 5 opens none; seed 10 opens one at event 36, near the prior, and merges it back the next event); every
    // one separates horror from romance (seed 7 also opens a third, noisier persona).
    let opened = 0;
    let named = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const user = learned(seed);
      if (user.personas.length < 2) continue;
      opened++;
      const open = user.decisions.find((d) => d.kind === 'open');
      expect(open && open.kind === 'open' && open.evidence).toBeGreaterThan(DEFAULT_PERSONA_OPTIONS.openEvidence);
      const serving = (category: string) => user.servingPersona(itemFeatures({ categories: { [category]: 1 } }));
      expect(serving('romance'), `seed ${seed}`).not.toBe(serving('horror'));
      // Most of the attention, not an even blend (measured: 0.51 at the least, seed 7 with three personas).
      expect(Math.max(...user.attention(itemFeatures({ categories: { romance: 1 } }))), `seed ${seed}`).toBeGreaterThan(0.5);
      expect(Math.max(...user.attention(itemFeatures({ categories: { horror: 1 } }))), `seed ${seed}`).toBeGreaterThan(0.5);
      // Each persona is named from its strongest categories.
      const label = new Map(user.personas.map((p) => [p.id, personaLabel(p.model)]));
      if (/horror|thriller/.test(label.get(serving('horror'))!) && /romance|comedy/.test(label.get(serving('romance'))!)) named++;
    }
    expect(opened).toBeGreaterThanOrEqual(8);
    // Measured 7 of 8: the personas serving horror and romance are named after one of their taste's categories (not
    // seed 7, whose third persona, documentary · drama, takes some of the attention).
    expect(named).toBeGreaterThanOrEqual(opened - 1);
  });

  it('the smaller taste’s items score above neutral ones with personas, and below them with one deviation', () => {
    const single = new DiagonalGaussianLogistic(deviation);
    const user = new PersonaMixture({ maxPersonas: 3, deviation });
    for (const { x, y } of plantedTwoTasteEvents(9, 600)) user.update(x, y), single.update(x, y);
    const romance = itemFeatures({ categories: { romance: 1 } });
    const neutral = itemFeatures({ categories: { drama: 1 } });
    expect(single.logit(romance)).toBeLessThan(single.logit(neutral));
    expect(user.logit(romance)).toBeGreaterThan(user.logit(neutral));
  });

  it('two personas that learned the same taste are merged, with the evidence', () => {
    const deviationOptions = { priorVariance: 1 };
    const twin = new DiagonalGaussianLogistic(deviationOptions);
    const x = itemFeatures({ categories: { drama: 1 } });
    twin.update(x, 1);
    const user = PersonaMixture.fromJSON(
      { personas: [{ id: 0, mass: 1, share: 0.5, weights: twin.toJSON() }, { id: 3, mass: 1, share: 0.5, weights: twin.toJSON() }], evidence: 0, eventsSeen: 2, nextId: 4, decisions: [] },
      { maxPersonas: 3, deviation: deviationOptions },
    );
    user.update(x, 1);
    expect(user.personas.map((p) => p.id)).toEqual([0]);
    expect(user.personas[0]!.mass).toBeCloseTo(3, 12);
    expect(user.decisions).toEqual([expect.objectContaining({ kind: 'merge', persona: 3, into: 0, atEvent: 3 })]);
    const merge = user.decisions[0]!;
    expect(merge.kind === 'merge' && merge.maxZ).toBeLessThan(1);
  });
});

describe('PersonaMixture: state', () => {
  it('round-trips through JSON to the same scores and the same next update', () => {
    const options = { maxPersonas: 3, deviation: { priorVariance: 4 } };
    const user = new PersonaMixture(options);
    const events = plantedTwoTasteEvents(4, 300);
    for (const { x, y } of events.slice(0, 250)) user.update(x, y);
    const copy = PersonaMixture.fromJSON(JSON.parse(JSON.stringify(user.toJSON())), options);
    for (const { x, y } of events.slice(250)) expect(copy.update(x, y)).toBe(user.update(x, y));
    expect(copy.toJSON()).toEqual(user.toJSON());
  });

  it('refuses malformed state and options, naming what is wrong', () => {
    const deviation = { priorVariance: 1 };
    expect(() => new PersonaMixture({ maxPersonas: 0, deviation })).toThrow(/maxPersonas is 0/);
    expect(() => new PersonaMixture({ maxPersonas: 2, deviation, openEvidence: -1 })).toThrow(/openEvidence/);
    expect(() => PersonaMixture.fromJSON({ personas: [], evidence: 0, eventsSeen: 0, nextId: 0, decisions: [] }, { maxPersonas: 2, deviation })).toThrow(/non-empty/);
    const two = { personas: [{ id: 0, mass: 1, share: 1, weights: {} }, { id: 1, mass: 1, share: 0, weights: {} }], evidence: 0, eventsSeen: 0, nextId: 2, decisions: [] };
    expect(() => PersonaMixture.fromJSON(two, { maxPersonas: 1, deviation })).toThrow(/maxPersonas is 1/);
    expect(() => PersonaMixture.fromJSON({ ...two, personas: [two.personas[0]!, { ...two.personas[1]!, id: 0 }] }, { maxPersonas: 2, deviation })).toThrow(/each once/);
    expect(() => PersonaMixture.fromJSON({ ...two, personas: [{ id: 0, mass: -1, share: 1, weights: {} }] }, { maxPersonas: 2, deviation })).toThrow(/mass is -1/);
    expect(() => PersonaMixture.fromJSON({ ...two, personas: [{ id: 0, mass: 1, share: 2, weights: {} }] }, { maxPersonas: 2, deviation })).toThrow(/share is 2/);
    expect(() => PersonaMixture.fromJSON({ ...two, shadow: [] }, { maxPersonas: 3, deviation })).toThrow(/shadow must hold the 2 personas and a candidate/);
  });

  it('an update the model refuses leaves every persona as it was', () => {
    const user = new PersonaMixture({ maxPersonas: 3, deviation: { priorVariance: 4 } });
    for (const { x, y } of plantedTwoTasteEvents(2, 300)) user.update(x, y);
    const before = JSON.stringify(user.toJSON());
    expect(() => user.update(new Map([['cat:horror', Number.NaN]]), 1)).toThrow(RangeError);
    expect(() => user.update(new Map([['cat:horror', 1]]), 2)).toThrow(/label y is 2/);
    expect(JSON.stringify(user.toJSON())).toBe(before);
  });

  it('attention sums to 1 and the served logit lies between the personas’ scores', () => {
    const random = mulberry32(5);
    const user = new PersonaMixture({ maxPersonas: 3, deviation: { priorVariance: 4 } });
    for (const { x, y } of plantedTwoTasteEvents(5, 400)) user.update(x, y);
    for (let i = 0; i < 50; i++) {
      const x = itemFeatures({ categories: Object.fromEntries(CATEGORIES.filter(() => random() < 0.5).concat('thriller').map((c) => [c, random() + 0.1])) });
      const a = user.attention(x);
      expect(a.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
      const scores = user.personas.map((p) => p.model.logit(x));
      expect(user.logit(x)).toBeGreaterThanOrEqual(Math.min(...scores) - 1e-12);
      expect(user.logit(x)).toBeLessThanOrEqual(Math.max(...scores) + 1e-12);
    }
  });
});

describe('PersonaMixture under a moved τ² (learned pooling)', () => {
  const household = () => {
    const user = new PersonaMixture({ maxPersonas: 3, deviation: { priorVariance: 4 } });
    for (const { x, y } of plantedTwoTasteEvents(1, 600)) user.update(x, y, 1, 0);
    return user;
  };

  it('rebasePersonas rebases every persona and every shadow member as rebasePosterior does, and nothing else', () => {
    const json = household().toJSON();
    expect(json.personas.length).toBeGreaterThan(1);
    expect(json.shadow).toBeDefined();
    const rebased = rebasePersonas(json, 4, 1);
    expect(rebased.personas.map((p) => p.weights)).toEqual(json.personas.map((p) => rebasePosterior(p.weights, 4, 1)));
    expect(rebased.shadow!.map((p) => p.weights)).toEqual(json.shadow!.map((p) => rebasePosterior(p.weights, 4, 1)));
    const rest = ({ weights: _weights, ...persona }: (typeof json.personas)[number]) => persona;
    expect(rebased.personas.map(rest)).toEqual(json.personas.map(rest));
    expect(rebased.shadow!.map(rest)).toEqual(json.shadow!.map(rest));
    expect([rebased.evidence, rebased.eventsSeen, rebased.nextId, rebased.decisions]).toEqual([json.evidence, json.eventsSeen, json.nextId, json.decisions]);
  });

  it('rebased is fromJSON(rebasePersonas(toJSON)) to the bit, and learns on as it does (random streams, K = 3)', () => {
    fc.assert(
      fc.property(observations, observations, fc.constantFrom(0.25, 1, 4), fc.constantFrom(0.5, 2, 8), (before, after, from, to) => {
        const options = (tau2: number) => ({ maxPersonas: 3, deviation: { priorVariance: tau2 } });
        const user = new PersonaMixture(options(from));
        for (const event of before) {
          const { userX, y, weight } = observationOf(event);
          user.update(userX, y, weight, 0.1);
        }
        const stored = user.toJSON();
        const direct = user.rebased(from, to, options(to));
        const throughJson = PersonaMixture.fromJSON(rebasePersonas(user.toJSON(), from, to), options(to));
        expect(direct.toJSON()).toEqual(throughJson.toJSON());
        for (const event of after) {
          const { userX, y, weight } = observationOf(event);
          expect(direct.update(userX, y, weight, -0.2)).toBe(throughJson.update(userX, y, weight, -0.2));
        }
        expect(direct.toJSON()).toEqual(throughJson.toJSON());
        expect(user.toJSON()).toEqual(stored); // the original is left as it was
      }),
      { numRuns: 40, seed: 18 },
    );
  });

  it('rebasedMixtureLogits: one persona is rebasedLogits to the bit', () => {
    const user = new PersonaMixture({ maxPersonas: 1, deviation: { priorVariance: 2 } });
    for (const { x, y } of plantedTwoTasteEvents(2, 50)) user.update(x, y, 1, 0.2);
    const x = itemFeatures({ categories: { horror: 1 } });
    const grid = [0.5, 1, 2, 4];
    expect(Array.from(rebasedMixtureLogits(grid, user, 2, x, 0.3, 0.1))).toEqual(Array.from(rebasedLogits(grid, user.personas[0]!.model, 2, x, 0.3, 0.1)));
  });

  it('rebasedMixtureLogits: logits so confident that exp(−|z|) underflows are summed in log space, not lost', () => {
    const personas = [1500, 1700].map((mean, id) => ({ id, mass: 5, share: 0.5, weights: { 'cat:a': [mean, 1e-9] as [number, number] } }));
    const user = PersonaMixture.fromJSON({ personas, evidence: 0, eventsSeen: 10, nextId: 2, decisions: [] }, { maxPersonas: 3, deviation: { priorVariance: 4 } });
    const x = itemFeatures({ categories: { a: 1 } });
    const shares = user.predictedShares();
    const z = user.personas.map((persona) => rebasedLogits([4], persona.model, 4, x, 0, 0)[0]!);
    // logit = log p⁺ − log p⁻ with p⁺ ≈ 1 and log p⁻ = log Σ π_j σ(−z_j) ≈ log Σ π_j e^{−z_j}: dominated by the smaller z.
    const logNegative = Math.log(shares[0]!) - z[0]! + Math.log1p((shares[1]! / shares[0]!) * Math.exp(z[0]! - z[1]!));
    const logit = rebasedMixtureLogits([4], user, 4, x, 0, 0)[0]!;
    expect(Math.exp(-z[0]!)).toBe(0); // the fast path would have lost it
    expect(logit).toBeCloseTo(-logNegative, 9);
  });

  it('rebasedMixtureLogits: several personas score the learner’s predictive mixture Σ π_j σ(z_j) of their moderated logits', () => {
    const user = household();
    const shares = user.predictedShares();
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const category of ['horror', 'romance', 'drama']) {
      const x = itemFeatures({ categories: { [category]: 1 } });
      // Under the τ² the personas were learned under (4), each persona's posterior is its own: the oracle needs no rebase.
      const p = user.personas.reduce((sum, persona, j) => {
        const mu = 0.3 + persona.model.logit(x);
        const s = 0.1 + persona.model.predictiveVariance(x);
        return sum + shares[j]! / (1 + Math.exp(-mu / Math.sqrt(1 + (Math.PI * s) / 8)));
      }, 0);
      const logits = rebasedMixtureLogits([1, 4, 16], user, 4, x, 0.3, 0.1);
      expect(logits[1], category).toBeCloseTo(Math.log(p / (1 - p)), 10);
    }
  });
});
