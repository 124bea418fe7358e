import { describe, expect, it } from 'vitest';
import { ConditionDeviations } from './condition-deviations';
import { DiagonalGaussianLogistic } from './diagonal-gaussian-logistic';

const x = new Map([
  ['bias', 1],
  ['cat:drama', 0.5],
]);

describe('ConditionDeviations', () => {
  it('scores with the offset alone without a condition or under one never learned', () => {
    const deviations = new ConditionDeviations({ priorVariance: 1, maxConditions: 4 });
    deviations.update('short', x, 1, 1, 0.3);
    expect(deviations.logit(undefined, x, 0.7)).toBe(0.7);
    expect(deviations.logit('long', x, 0.7)).toBe(0.7);
    expect(deviations.logit('short', x, 0.7)).not.toBe(0.7);
  });

  it('learns under a condition exactly as one DiagonalGaussianLogistic of prior κ² learning around the offset, and only there', () => {
    const deviations = new ConditionDeviations({ priorVariance: 0.5, maxConditions: 4 });
    const oracle = new DiagonalGaussianLogistic({ priorVariance: 0.5 });
    expect(deviations.update('short', x, 1, 0.8, -0.4)).toBe(oracle.update(x, 1, 0.8, -0.4));
    expect(deviations.update('short', x, 0, 0.3, 0.2)).toBe(oracle.update(x, 0, 0.3, 0.2));
    expect(deviations.deviation('short')!.toJSON()).toEqual(oracle.toJSON());
    expect(deviations.logit('short', x, 0.1)).toBe(oracle.logit(x, 0.1));
    expect(deviations.deviation('long')).toBeUndefined();
    expect([...deviations.conditions()]).toEqual(['short']);
  });

  it('round-trips exactly through JSON, a condition named "__proto__" included, with the κ² it was learned under', () => {
    const deviations = new ConditionDeviations({ priorVariance: 2, maxConditions: 4 });
    deviations.update('__proto__', x, 1, 1, 0.1);
    deviations.update('long', x, 0, 0.37, -1.3);
    deviations.recordSplit(0.25);
    deviations.recordSplit(0.7);
    const text = JSON.stringify(deviations);
    const restored = ConditionDeviations.fromJSON(JSON.parse(text));
    expect(JSON.stringify(restored)).toBe(text);
    expect(restored.options.priorVariance).toBe(2);
    expect(restored.split).toEqual([2, 0.95]);
    // A row from before the tally reads as none.
    expect(ConditionDeviations.fromJSON({ priorVariance: 1, conditions: {} }).split).toEqual([0, 0]);
    expect(restored.logit('__proto__', x, 0)).toBe(deviations.logit('__proto__', x, 0));
    // Learning on after the round trip is learning on without it.
    expect(restored.update('long', x, 1, 1, 0)).toBe(deviations.update('long', x, 1, 1, 0));
    expect(JSON.stringify(restored)).toBe(JSON.stringify(deviations));
  });

  it('keeps at most maxConditions: a new condition beyond the cap is not learned, the others still are', () => {
    const deviations = new ConditionDeviations({ priorVariance: 1, maxConditions: 2 });
    deviations.update('a', x, 1, 1, 0);
    deviations.update('b', x, 1, 1, 0);
    expect(deviations.update('c', x, 1, 1, 0)).toBeUndefined();
    expect(deviations.size).toBe(2);
    expect(deviations.logit('c', x, 0.5)).toBe(0.5);
    expect(deviations.update('a', x, 1, 1, 0)).toBeTypeOf('number');
  });

  it('refuses bad options and input, saying what is expected, and a refused first update leaves no condition', () => {
    expect(() => new ConditionDeviations({ priorVariance: 0, maxConditions: 1 })).toThrow('ConditionDeviations: priorVariance is 0; it must be a finite number > 0 (κ², the prior variance of a condition\'s deviation)');
    expect(() => new ConditionDeviations({ priorVariance: 1, maxConditions: 0.5 })).toThrow('ConditionDeviations: maxConditions is 0.5; it must be an integer ≥ 1');
    const deviations = new ConditionDeviations();
    expect(() => deviations.update('', x, 1, 1, 0)).toThrow('ConditionDeviations.update: condition is ""; it must be a non-empty string (a framing id)');
    expect(() => deviations.update('short', x, 1, 0, 0)).toThrow(/weight is 0/);
    expect(deviations.size).toBe(0);
    expect(() => deviations.recordSplit(1.5)).toThrow('ConditionDeviations.recordSplit: generalised is 1.5; it must lie in [0, 1]');
  });
});
