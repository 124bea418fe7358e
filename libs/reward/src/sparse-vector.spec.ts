import { describe, expect, it } from 'vitest';
import { subtract } from './sparse-vector';

describe('subtract', () => {
  it('computes a − b sparsely and drops exact zeros', () => {
    const a = new Map([['bias', 1], ['cat:a', 0.5], ['cat:b', 0.5]]);
    const b = new Map([['bias', 1], ['cat:b', 0.25], ['stance', -0.4]]);
    expect(subtract(a, b)).toEqual(new Map([['cat:a', 0.5], ['cat:b', 0.25], ['stance', 0.4]]));
  });

  it('of a vector with itself is empty', () => {
    const a = new Map([['bias', 1], ['cat:a', 1]]);
    expect(subtract(a, a).size).toBe(0);
  });

  it('does not modify its inputs', () => {
    const a = new Map([['x', 1]]);
    const b = new Map([['x', 2]]);
    subtract(a, b);
    expect(a).toEqual(new Map([['x', 1]]));
    expect(b).toEqual(new Map([['x', 2]]));
  });

  it('rejects non-finite values in either vector', () => {
    expect(() => subtract(new Map([['x', NaN]]), new Map())).toThrow(/feature "x" has value NaN/);
    expect(() => subtract(new Map(), new Map([['y', Infinity]]))).toThrow(RangeError);
  });
});
