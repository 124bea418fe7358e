import { describe, expect, it } from 'vitest';
import { itemFeatures, withItemIntercept } from './item-features';

describe('itemFeatures', () => {
  it('builds bias, renormalised categories, stance and dense features', () => {
    const phi = itemFeatures({ categories: { drama: 2, documentary: 1, comedy: 1 }, stance: -0.5, dense: [0.3, 0, 2] });
    expect(new Map(phi)).toEqual(
      new Map([
        ['bias', 1],
        ['cat:drama', 0.5],
        ['cat:documentary', 0.25],
        ['cat:comedy', 0.25],
        ['stance', -0.5],
        ['dense:0', 0.3],
        ['dense:2', 2], // zeros are omitted: absent means 0
      ]),
    );
  });

  it('has no stance or dense features when not given, and drops zero-weight categories', () => {
    expect(new Map(itemFeatures({ categories: { drama: 0.7, horror: 0 } }))).toEqual(
      new Map([
        ['bias', 1],
        ['cat:drama', 1],
      ]),
    );
  });

  it('renormalised category weights sum to 1 (within 1e-15)', () => {
    const phi = itemFeatures({ categories: { a: 0.1, b: 0.2, c: 0.3, d: 0.7 } });
    const total = [...phi].filter(([f]) => f.startsWith('cat:')).reduce((sum, [, v]) => sum + v, 0);
    expect(Math.abs(total - 1)).toBeLessThanOrEqual(1e-15);
  });

  it.each([
    [{ categories: {} }, /sum to 0/],
    [{ categories: { a: 0 } }, /sum to 0/],
    [{ categories: { a: -1, b: 2 } }, /category "a" has weight -1/],
    [{ categories: { a: NaN } }, /category "a" has weight NaN/],
    [{ categories: { a: Infinity } }, /category "a" has weight Infinity/],
    [{ categories: { a: 1 }, stance: 1.5 }, /stance is 1.5/],
    [{ categories: { a: 1 }, stance: NaN }, /stance is NaN/],
    [{ categories: { a: 1 }, dense: [1, NaN] }, /dense\[1\] is NaN/],
  ])('rejects %o', (item, message) => {
    expect(() => itemFeatures(item)).toThrow(message);
  });

  it('rejects category weights whose sum overflows', () => {
    expect(() => itemFeatures({ categories: { a: Number.MAX_VALUE, b: Number.MAX_VALUE } })).toThrow(/sum to Infinity/);
  });
});

describe('withItemIntercept', () => {
  it('adds item:<id> = 1 to a copy', () => {
    const phi = itemFeatures({ categories: { a: 1 } });
    const withIntercept = withItemIntercept(phi, 'm42');
    expect(withIntercept.get('item:m42')).toBe(1);
    expect(withIntercept.size).toBe(phi.size + 1);
    expect(phi.has('item:m42')).toBe(false);
  });

  it('rejects an empty id', () => {
    expect(() => withItemIntercept(new Map(), '')).toThrow(/itemId/);
  });
});
