import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classLogLikelihoods, classPosterior, decideClass, logConsistent, logConsistentPlaced, unplacedCounts, type ConditionCounts } from './judgment-class';

const PRIOR = { genuine: 0.6, 'non-attitude': 0.25, constructed: 0.15 };

/** ½ Σ_d Π_j P(outcome_j | d), written out judgment by judgment. */
function consistentByEnumeration(outcomes: readonly number[], epsilon: number): number {
  let forA = 1;
  let forB = 1;
  for (const outcome of outcomes) {
    forA *= outcome === 1 ? 1 - epsilon : epsilon;
    forB *= outcome === 1 ? epsilon : 1 - epsilon;
  }
  return 0.5 * (forA + forB);
}

describe('logConsistent', () => {
  it('equals the likelihood summed over both directions, judgment by judgment', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(0, 1), { maxLength: 30 }), fc.double({ min: 0.01, max: 0.49, noNaN: true }), (outcomes, epsilon) => {
        const a = outcomes.filter((o) => o === 1).length;
        expect(Math.exp(logConsistent(a, outcomes.length - a, epsilon))).toBeCloseTo(consistentByEnumeration(outcomes, epsilon), 12);
      }),
    );
  });
});

describe('logConsistentPlaced', () => {
  it('equals the mixture "favoured position w.p. β, else the preference w.p. 1 − ε", judgment by judgment', () => {
    // A judgment: (a chosen?, where the chosen item was shown: 0, 1 or unknown).
    const judgment = fc.tuple(fc.boolean(), fc.constantFrom(0, 1, undefined));
    fc.assert(
      fc.property(fc.array(judgment, { maxLength: 20 }), fc.double({ min: 0.01, max: 0.49, noNaN: true }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (judgments, epsilon, firstShown) => {
        const beta = Math.abs(2 * firstShown - 1);
        const favoured = firstShown >= 0.5 ? 0 : 1;
        let likelihood = 0;
        for (const preferA of [true, false]) {
          let product = 0.5;
          for (const [aChosen, shown] of judgments) {
            const preferredChosen = aChosen === preferA;
            const follows = preferredChosen ? 1 - epsilon : epsilon;
            product *= shown === undefined ? follows : (shown === favoured ? beta : 0) + (1 - beta) * follows;
          }
          likelihood += product;
        }
        const counts: ConditionCounts = unplacedCounts(judgments.length, judgments.filter(([aChosen]) => aChosen).length);
        for (const [aChosen, shown] of judgments) {
          if (shown === 0) counts[aChosen ? 'aFirst' : 'bFirst']++;
          if (shown === 1) counts[aChosen ? 'aSecond' : 'bSecond']++;
        }
        expect(Math.exp(logConsistentPlaced(counts, epsilon, firstShown))).toBeCloseTo(likelihood, 12);
      }),
    );
  });
});

describe('classPosterior', () => {
  const posterior = (conditions: ConditionCounts[], firstShown = 0.5) => classPosterior(classLogLikelihoods(conditions, 0.1, firstShown), PRIOR);
  const counts = (n: number, a: number) => unplacedCounts(n, a);

  it('sums to 1 and is proportional to prior × likelihood', () => {
    const p = posterior([counts(3, 3), counts(2, 0)]);
    expect(p.genuine + p['non-attitude'] + p.constructed).toBeCloseTo(1, 14);
    // By hand: genuine ½(0.9³·0.1² + 0.1³·0.9²), constructed ½(0.9³ + 0.1³)·½(0.9² + 0.1²), non-attitude 2⁻⁵.
    const g = 0.6 * 0.5 * (0.729 * 0.01 + 0.001 * 0.81);
    const c = 0.15 * 0.5 * (0.729 + 0.001) * 0.5 * (0.81 + 0.01);
    const na = 0.25 / 32;
    expect(p.genuine).toBeCloseTo(g / (g + c + na), 12);
    expect(p.constructed).toBeCloseTo(c / (g + c + na), 12);
  });

  it('calls the same answer under every framing genuine, a flip between framings constructed, a split non-attitude', () => {
    expect(decideClass(posterior([counts(3, 3), counts(3, 3)]), 6, 0.7, 2)).toBe('genuine');
    expect(decideClass(posterior([counts(3, 3), counts(3, 0)]), 6, 0.7, 2)).toBe('constructed');
    expect(decideClass(posterior([counts(3, 1), counts(3, 2)]), 6, 0.7, 2)).toBe('non-attitude');
  });

  it('stays unknown on thin evidence', () => {
    expect(decideClass(posterior([counts(1, 1)]), 1, 0.7, 2)).toBe('unknown');
    expect(decideClass(posterior([counts(2, 2)]), 2, 0.7, 2)).toBe('unknown'); // 0.66 genuine: one condition cannot rule out constructed
  });

  it('lets a position bias explain choices that follow the position: a 3–3 split, all first shown, stops counting against genuine', () => {
    // Six judgments, always the first shown, which was a three times and b three times.
    const positional = [{ ...counts(3, 2), aFirst: 2, bFirst: 1 }, { ...counts(3, 1), aFirst: 1, bFirst: 2 }];
    const unbiased = posterior(positional, 0.5);
    const biased = posterior(positional, 0.9);
    expect(decideClass(unbiased, 6, 0.7, 2)).toBe('non-attitude');
    expect(biased.genuine).toBeGreaterThan(unbiased.genuine);
    // What separates them is the user's choices *against* the bias, which only a genuine preference makes consistently.
    const against = [{ ...counts(3, 3), aFirst: 1, aSecond: 2 }, { ...counts(3, 3), aFirst: 2, aSecond: 1 }];
    expect(posterior(against, 0.9).genuine).toBeGreaterThan(0.8);
    expect(posterior(against, 0.9).genuine).toBeGreaterThan(biased.genuine);
  });
});
