import { describe, expect, it } from 'vitest';
import { MetricInputError } from './metric-input.error';
import { readArray, readFiniteNumber, readFiniteNumberArray, readStateRecord } from './metric-state.guard';

// Persisted metric state arrives from Postgres as `unknown`: each refusal is pinned with its literal message, so a
// corrupt row keeps saying what is wrong (the mutation run found every branch here reachable without a spec).
function refusal(read: () => unknown): { name: string; code: string; message: string } {
  try {
    read();
  } catch (error) {
    const e = error as MetricInputError;
    return { name: e.name, code: e.code, message: e.message };
  }
  throw new Error('expected a refusal');
}

const refused = (message: string) => ({ name: 'MetricInputError', code: 'METRICS.INVALID_STATE', message });

describe('metric state guard', () => {
  it('readStateRecord takes an object with the kind and version tags, and refuses anything else by name', () => {
    const state = { kind: 'gini', version: 2, n: 1 };
    expect(readStateRecord(state, 'gini', 2)).toBe(state);
    expect(refusal(() => readStateRecord(null, 'gini', 2))).toEqual(refused('cannot restore gini state: expected an object, got null'));
    expect(refusal(() => readStateRecord([], 'gini', 2))).toEqual(refused('cannot restore gini state: expected an object, got an array'));
    expect(refusal(() => readStateRecord('{}', 'gini', 2))).toEqual(refused('cannot restore gini state: expected an object, got "{}"'));
    expect(refusal(() => readStateRecord(7, 'gini', 2))).toEqual(refused('cannot restore gini state: expected an object, got number 7'));
    expect(refusal(() => readStateRecord({ kind: 'mix', version: 2 }, 'gini', 2))).toEqual(
      refused('cannot restore gini state: kind is "mix"; this state belongs to another metric'),
    );
    expect(refusal(() => readStateRecord({ kind: 'gini', version: 1 }, 'gini', 2))).toEqual(
      refused('cannot restore gini state: version number 1 is not supported (expected 2)'),
    );
    expect(refusal(() => readStateRecord({ kind: 'gini' }, 'gini', 2))).toEqual(
      refused('cannot restore gini state: version undefined undefined is not supported (expected 2)'),
    );
  });

  it('readFiniteNumber refuses NaN, ±Infinity, strings and missing fields', () => {
    expect(readFiniteNumber({ n: -0.5 }, 'gini', 'n')).toBe(-0.5);
    expect(refusal(() => readFiniteNumber({ n: Number.NaN }, 'gini', 'n'))).toEqual(
      refused('cannot restore gini state: field "n" must be a finite number, got number NaN'),
    );
    expect(refusal(() => readFiniteNumber({ n: Number.POSITIVE_INFINITY }, 'gini', 'n')).message).toBe(
      'cannot restore gini state: field "n" must be a finite number, got number Infinity',
    );
    expect(refusal(() => readFiniteNumber({ n: '3' }, 'gini', 'n')).message).toBe(
      'cannot restore gini state: field "n" must be a finite number, got "3"',
    );
    expect(refusal(() => readFiniteNumber({}, 'gini', 'n')).message).toBe(
      'cannot restore gini state: field "n" must be a finite number, got undefined undefined',
    );
  });

  it('readFiniteNumberArray takes only arrays whose every element is a finite number', () => {
    expect(readFiniteNumberArray({ w: [1, 0, -2.5] }, 'mix', 'w')).toEqual([1, 0, -2.5]);
    expect(readFiniteNumberArray({ w: [] }, 'mix', 'w')).toEqual([]);
    const message = 'cannot restore mix state: field "w" must be an array of finite numbers';
    expect(refusal(() => readFiniteNumberArray({ w: [1, Number.NaN] }, 'mix', 'w'))).toEqual(refused(message));
    expect(refusal(() => readFiniteNumberArray({ w: [1, '2'] }, 'mix', 'w')).message).toBe(message);
    expect(refusal(() => readFiniteNumberArray({ w: ['1', '2'] }, 'mix', 'w')).message).toBe(message);
    expect(refusal(() => readFiniteNumberArray({ w: { 0: 1, length: 1 } }, 'mix', 'w')).message).toBe(message);
  });

  it('readArray takes any array and refuses the rest with what it got', () => {
    expect(readArray({ a: [null, 'x'] }, 'minhash', 'a')).toEqual([null, 'x']);
    expect(refusal(() => readArray({ a: 'x' }, 'minhash', 'a'))).toEqual(
      refused('cannot restore minhash state: field "a" must be an array, got "x"'),
    );
    expect(refusal(() => readArray({ a: null }, 'minhash', 'a')).message).toBe(
      'cannot restore minhash state: field "a" must be an array, got null',
    );
  });
});
