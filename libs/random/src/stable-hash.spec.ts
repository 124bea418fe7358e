import { describe, expect, it } from 'vitest';
import { stableHash, stableHash53 } from './stable-hash';

describe('stableHash', () => {
  it('is FNV-1a 32 (reference vectors from the FNV test suite)', () => {
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('a')).toBe(0xe40c292c);
    expect(stableHash('foobar')).toBe(0xbf9cf968);
  });
});

describe('stableHash53', () => {
  it('is cyrb53: the values its author publishes', () => {
    // bryc's README (github.com/bryc/code, jshash/experimental/cyrb53.js), seed 0.
    expect(stableHash53('a')).toBe(7929297801672961);
    expect(stableHash53('b')).toBe(8684336938537663);
    expect(stableHash53('revenge')).toBe(4051478007546757);
    expect(stableHash53('revenue')).toBe(8309097637345594);
  });

  it('stays below 2^53, so a double holds it exactly', () => {
    for (let i = 0; i < 1000; i++) expect(stableHash53(`id-${i}`)).toBeLessThan(2 ** 53);
  });
});
