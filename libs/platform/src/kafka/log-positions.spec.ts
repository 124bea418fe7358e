import { describe, expect, it } from 'vitest';
import { LogPositions } from './log-positions';

describe('LogPositions', () => {
  it('reports the offsets a batch skipped after the stored position, then follows each batch end', () => {
    const positions = new LogPositions();
    positions.start('t', 0, 10);
    expect(positions.advance('t', 0, 10, 19)).toBe(0);
    expect(positions.advance('t', 0, 20, 29)).toBe(0);
    expect(positions.advance('t', 0, 35, 40)).toBe(5);
    expect(positions.advance('t', 0, 41, 41)).toBe(0);
  });

  it('treats a redelivery (a batch starting before the position) as no gap', () => {
    const positions = new LogPositions();
    positions.start('t', 1, 50);
    expect(positions.advance('t', 1, 40, 60)).toBe(0);
  });

  it('keeps topics and partitions apart, and knows nothing after clear', () => {
    const positions = new LogPositions();
    positions.start('a', 0, 5);
    positions.start('b', 0, 100);
    expect(positions.advance('a', 0, 7, 8)).toBe(2);
    expect(positions.advance('b', 0, 100, 101)).toBe(0);
    positions.clear();
    expect(positions.advance('a', 0, 1000, 1001)).toBe(0);
  });
});
