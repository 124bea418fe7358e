import { describe, expect, it } from 'vitest';
import { logSigmoid, sigmoid } from './logistic-function';

describe('sigmoid', () => {
  it('is ½ at 0 and symmetric, σ(−z) = 1 − σ(z), to one ulp of 1 (2.2e-16)', () => {
    expect(sigmoid(0)).toBe(0.5);
    for (const z of [-30, -3, -0.1, 0.1, 2, 17]) {
      expect(Math.abs(sigmoid(-z) - (1 - sigmoid(z)))).toBeLessThanOrEqual(2.3e-16);
    }
  });

  it('saturates without NaN', () => {
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(-745)).toBeGreaterThan(0);
  });
});

describe('logSigmoid', () => {
  it('matches log(σ(z)) where that is representable and stays linear beyond', () => {
    for (const z of [-20, -1, 0, 1, 20]) {
      expect(Math.abs(logSigmoid(z) - Math.log(sigmoid(z)))).toBeLessThanOrEqual(1e-14);
    }
    expect(logSigmoid(-1000)).toBe(-1000);
    expect(logSigmoid(1000)).toBe(-0);
  });
});
