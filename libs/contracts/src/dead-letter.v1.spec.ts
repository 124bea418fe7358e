import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_VALUE_MAX_CHARS, deadLetterFor, deadLetterV1 } from './dead-letter.v1';

const source = { topic: 'chorus.feedback.v1', partition: 2, offset: '41', consumer: 'chorus-learner' };

describe('deadLetterFor', () => {
  it('carries the original key and value, where it came from and why', () => {
    const letter = deadLetterFor(source, { key: 'u1', value: '{"bad":' }, 'FEEDBACK.INVALID', 'not JSON', [{ path: '', message: 'unexpected end' }]);
    expect(letter).toMatchObject({ code: 'FEEDBACK.INVALID', reason: 'not JSON', key: 'u1', value: '{"bad":', consumer: 'chorus-learner' });
    expect(letter.source).toEqual({ topic: 'chorus.feedback.v1', partition: 2, offset: '41' });
    expect(letter.valueLength).toBeUndefined();
    expect(deadLetterV1.parse(JSON.parse(JSON.stringify(letter)))).toEqual(letter);
  });

  it('keeps a value of exactly the limit whole', () => {
    const value = 'v'.repeat(DEAD_LETTER_VALUE_MAX_CHARS);
    const letter = deadLetterFor(source, { key: null, value }, 'X.Y', 'r');
    expect(letter.value).toBe(value);
    expect(letter.valueLength).toBeUndefined();
  });

  it('cuts a larger value to the limit and records the original length', () => {
    const value = `${'a'.repeat(DEAD_LETTER_VALUE_MAX_CHARS)}tail`;
    const letter = deadLetterFor(source, { key: null, value }, 'X.Y', 'r');
    expect(letter.value).toBe('a'.repeat(DEAD_LETTER_VALUE_MAX_CHARS));
    expect(letter.valueLength).toBe(DEAD_LETTER_VALUE_MAX_CHARS + 4);
    // Even a value of control characters (six JSON characters each) leaves a letter the default 1 MiB topic accepts.
    const worst = deadLetterFor(source, { key: null, value: '\u0001'.repeat(1_048_576) }, 'X.Y', 'r');
    expect(Buffer.byteLength(JSON.stringify(worst))).toBeLessThan(1_048_576);
  });

  it('keeps a null value null', () => {
    expect(deadLetterFor(source, { key: 'k', value: null }, 'X.Y', 'r')).toMatchObject({ value: null });
  });
});
