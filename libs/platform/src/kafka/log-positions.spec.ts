import { describe, expect, it } from 'vitest';
import { ContextLogger } from '../logging/json-logger';
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

  it('advanceBatch logs a gap with where it starts and ends, and returns its size', () => {
    const errors: { message: string; fields?: Record<string, unknown> }[] = [];
    const log = Object.assign(Object.create(ContextLogger.prototype) as ContextLogger, {
      error: (message: string, fields?: Record<string, unknown>) => void errors.push({ message, fields }),
    });
    const positions = new LogPositions();
    positions.start('t', 2, 10);
    const batch = (first: number, last: number) => ({ topic: 't', partition: 2, messages: [{ offset: String(first) }], lastOffset: () => String(last) });
    expect(positions.advanceBatch(batch(10, 19), log)).toBe(0);
    expect(errors).toEqual([]);
    expect(positions.advanceBatch(batch(25, 30), log)).toBe(5);
    expect(errors).toEqual([
      { message: expect.stringContaining('gone (retention)'), fields: { topic: 't', partition: 2, storedOffset: 20, logOffset: 25, missing: 5 } },
    ]);
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
