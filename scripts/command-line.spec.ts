import { describe, expect, it } from 'vitest';
import { numberFlag, UsageError } from './command-line';

describe('numberFlag', () => {
  it('accepts a value inside the range, integers where asked', () => {
    expect(numberFlag('n', '10', { min: 1, max: 10, integer: true })).toBe(10);
    expect(numberFlag('tau2', '0.25', { min: 0, max: 1e6 })).toBe(0.25);
    expect(numberFlag('tau2', '0', { min: 0, max: 1e6 })).toBe(0);
  });

  it.each([
    ['n', '11', { min: 1, max: 10, integer: true }, '--n must be an integer in [1, 10], got "11"'],
    ['n', '2.5', { min: 1, max: 10, integer: true }, '--n must be an integer in [1, 10], got "2.5"'],
    ['tau2', '-1', { min: 0, max: 1e6 }, '--tau2 must be a number in [0, 1000000], got "-1"'],
    ['tau2', '1e308', { min: 0, max: 1e6 }, '--tau2 must be a number in [0, 1000000], got "1e308"'],
    ['tau2', 'NaN', { min: 0, max: 1e6 }, '--tau2 must be a number in [0, 1000000], got "NaN"'],
    ['tau2', '', { min: 0, max: 1e6 }, '--tau2 must be a number in [0, 1000000], got ""'],
    ['tau2', ' ', { min: 0, max: 1e6 }, '--tau2 must be a number in [0, 1000000], got " "'],
  ])('refuses --%s %j, naming the flag, the range and the value', (name, text, range, message) => {
    expect(() => numberFlag(name, text, range)).toThrow(new UsageError(message));
    expect(() => numberFlag(name, text, range)).toThrow(UsageError);
  });
});
