import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classLogLikelihoods, classPosterior, decideClass, logConsistent } from './judgment-class';

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

describe('classPosterior', () => {
  const posterior = (conditions: { n: number; a: number }[], positions = { first: 0, second: 0, unknown: 0 }, firstShown = 0.5) => {
    const unknown = positions.first + positions.second + positions.unknown === 0 ? conditions.reduce((s, c) => s + c.n, 0) : positions.unknown;
    return classPosterior(classLogLikelihoods(conditions, { ...positions, unknown }, 0.1, firstShown), PRIOR);
  };

  it('sums to 1 and is proportional to prior × likelihood', () => {
    const p = posterior([{ n: 3, a: 3 }, { n: 2, a: 0 }]);
    expect(p.genuine + p['non-attitude'] + p.constructed).toBeCloseTo(1, 14);
    // By hand: genuine ½(0.9³·0.1² + 0.1³·0.9²), constructed ½(0.9³ + 0.1³)·½(0.9² + 0.1²), non-attitude 2⁻⁵.
    const g = 0.6 * 0.5 * (0.729 * 0.01 + 0.001 * 0.81);
    const c = 0.15 * 0.5 * (0.729 + 0.001) * 0.5 * (0.81 + 0.01);
    const na = 0.25 / 32;
    expect(p.genuine).toBeCloseTo(g / (g + c + na), 12);
    expect(p.constructed).toBeCloseTo(c / (g + c + na), 12);
  });

  it('calls the same answer under every framing genuine, a flip between framings constructed, a split non-attitude', () => {
    expect(decideClass(posterior([{ n: 3, a: 3 }, { n: 3, a: 3 }]), 6, 0.7, 2)).toBe('genuine');
    expect(decideClass(posterior([{ n: 3, a: 3 }, { n: 3, a: 0 }]), 6, 0.7, 2)).toBe('constructed');
    expect(decideClass(posterior([{ n: 3, a: 1 }, { n: 3, a: 2 }]), 6, 0.7, 2)).toBe('non-attitude');
  });

  it('stays unknown on thin evidence', () => {
    expect(decideClass(posterior([{ n: 1, a: 1 }]), 1, 0.7, 2)).toBe('unknown');
    expect(decideClass(posterior([{ n: 2, a: 2 }]), 2, 0.7, 2)).toBe('unknown'); // 0.66 genuine: one condition cannot rule out constructed
  });

  it('reads answers that always follow the first-shown position as a non-attitude of a biased user', () => {
    const positional = [{ n: 3, a: 2 }, { n: 3, a: 1 }];
    const biased = posterior(positional, { first: 6, second: 0, unknown: 0 }, 0.9);
    const unbiased = posterior(positional, { first: 6, second: 0, unknown: 0 }, 0.5);
    expect(biased['non-attitude']).toBeGreaterThan(unbiased['non-attitude']);
    expect(decideClass(biased, 6, 0.7, 2)).toBe('non-attitude');
  });
});
