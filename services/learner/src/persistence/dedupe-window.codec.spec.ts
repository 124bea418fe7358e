import { describe, expect, it } from 'vitest';
import { eventDedupeKey } from '../usecases/event-dedupe-key';
import { decodeDedupeWindow, encodeDedupeWindow } from './dedupe-window.codec';

describe('dedupe window codec', () => {
  it('round-trips keys across the whole 53-bit range, in order', () => {
    const keys = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 123456789012345, ...Array.from({ length: 500 }, (_, i) => eventDedupeKey(`event-${i}`))];
    const bytes = encodeDedupeWindow(keys);
    expect(bytes.length).toBe(keys.length * 8);
    expect(decodeDedupeWindow(bytes)).toEqual(keys);
  });

  it('stores little-endian int64s, so SQL can read a key back', () => {
    const bytes = encodeDedupeWindow([2 ** 40 + 5]);
    expect([...bytes]).toEqual([5, 0, 0, 0, 0, 1, 0, 0]);
  });

  it('reads an empty window and refuses corrupt ones', () => {
    expect(decodeDedupeWindow(new Uint8Array(0))).toEqual([]);
    expect(() => decodeDedupeWindow(new Uint8Array(7))).toThrow(/multiple of 8/);
    expect(() => decodeDedupeWindow(Uint8Array.from([0, 0, 0, 0, 0, 0, 0x20, 0]))).toThrow(/53 bits/);
  });
});
