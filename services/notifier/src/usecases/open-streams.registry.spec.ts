import { describe, expect, it } from 'vitest';
import { OpenStreams } from './open-streams.registry';

describe('OpenStreams', () => {
  it('refuses the stream past the cap of a key, and only of that key', () => {
    const streams = new OpenStreams(2);
    const first = streams.open('a', () => undefined);
    expect(first).toBeTypeOf('function');
    expect(streams.open('a', () => undefined)).toBeTypeOf('function');
    expect(streams.open('a', () => undefined)).toBeUndefined();
    expect(streams.open('b', () => undefined)).toBeTypeOf('function');
    first!();
    expect(streams.countOf('a')).toBe(1);
    expect(streams.open('a', () => undefined)).toBeTypeOf('function');
  });

  it('closes every stream of a revoked key with the reason, and forgets them', () => {
    const streams = new OpenStreams(5);
    const closed: string[] = [];
    streams.open('a', (reason) => closed.push(`a1: ${reason}`));
    streams.open('a', (reason) => closed.push(`a2: ${reason}`));
    streams.open('b', (reason) => closed.push(`b1: ${reason}`));
    expect(streams.closeKey('a', 'revoked')).toBe(2);
    expect(closed).toEqual(['a1: revoked', 'a2: revoked']);
    expect(streams.keyIds()).toEqual(['b']);
    expect(streams.closeKey('a', 'again')).toBe(0);
  });

  it('a release after the key was closed does not disturb streams opened since', () => {
    const streams = new OpenStreams(1);
    const old = streams.open('a', () => undefined)!;
    streams.closeKey('a', 'revoked');
    expect(streams.open('a', () => undefined)).toBeTypeOf('function');
    old();
    expect(streams.countOf('a')).toBe(1);
  });
});
