import { describe, expect, it } from 'vitest';
import { conditionShares } from './condition-shares';
import { ReliabilityInputError } from './reliability-input.error';

const posterior = { genuine: 0.3, 'non-attitude': 0.1, constructed: 0.6 };

describe('conditionShares', () => {
  it('posterior: the condition learns P(constructed), the condition-free model 1 − (1 − 0.25)·P(constructed)', () => {
    expect(conditionShares(posterior, 'unknown', 'posterior', 0.25)).toEqual({ generalised: 1 - 0.75 * 0.6, withinCondition: 0.6 });
  });

  it('label: all or nothing by the decided class; unknown is not constructed', () => {
    expect(conditionShares(posterior, 'constructed', 'label', 0.25)).toEqual({ generalised: 0.25, withinCondition: 1 });
    expect(conditionShares(posterior, 'unknown', 'label', 0.25)).toEqual({ generalised: 1, withinCondition: 0 });
    expect(conditionShares(posterior, 'genuine', 'label', 0.25)).toEqual({ generalised: 1, withinCondition: 0 });
  });

  it('refuses what it cannot use, naming it', () => {
    expect(() => conditionShares(posterior, 'unknown', 'posterior', 1.5)).toThrow(new ReliabilityInputError('conditionShares: constructedWeight is 1.5; it must lie in [0, 1]'));
    expect(() => conditionShares(posterior, 'unknown', 'both' as never, 0.25)).toThrow('conditionShares: split is "both"; expected one of label, posterior');
  });
});
