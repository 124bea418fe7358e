import { describe, expect, it } from 'vitest';
import { stableHash } from './stable-hash';

describe('stableHash', () => {
  it('is FNV-1a 32 (reference vectors from the FNV test suite)', () => {
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('a')).toBe(0xe40c292c);
    expect(stableHash('foobar')).toBe(0xbf9cf968);
  });
});
