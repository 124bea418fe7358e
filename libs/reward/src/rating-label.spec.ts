import { describe, expect, it } from 'vitest';
import { ratingLabel } from './rating-label';

describe('ratingLabel', () => {
  const movielens = { min: 0.5, max: 5 };
  const fiveStar = { min: 1, max: 5 };

  it.each([
    [4, 1],
    [5, 1],
    [4.5, 1],
    [3.5, 0],
    [3.875, 1], // the default threshold itself is positive
    [0.5, 0],
  ])('on 0.5..5, %s → y = %i', (value, y) => {
    expect(ratingLabel(value, movielens).y).toBe(y);
  });

  it('on 1..5 the default threshold is 4', () => {
    expect(ratingLabel(4, fiveStar).y).toBe(1);
    expect(ratingLabel(3.99, fiveStar).y).toBe(0);
  });

  it('weights grow linearly with the distance from the midpoint, from 0.5 to 1', () => {
    expect(ratingLabel(3, fiveStar).weight).toBe(0.5);
    expect(ratingLabel(5, fiveStar).weight).toBe(1);
    expect(ratingLabel(1, fiveStar).weight).toBe(1);
    expect(ratingLabel(4, fiveStar).weight).toBe(0.75);
    expect(ratingLabel(2, fiveStar).weight).toBe(0.75);
    expect(ratingLabel(3.5, fiveStar)).toEqual({ y: 0, weight: 0.625 });
    expect(ratingLabel(4, movielens).weight).toBeCloseTo(0.5 + 1.25 / 4.5, 15);
  });

  it('honours an explicit positiveAt', () => {
    expect(ratingLabel(3, { ...fiveStar, positiveAt: 3 }).y).toBe(1);
    expect(ratingLabel(2.9, { ...fiveStar, positiveAt: 3 }).y).toBe(0);
  });

  it.each([
    [0.4, movielens, /rating 0.4 is outside the declared scale \[0.5, 5\]/],
    [5.5, movielens, /outside the declared scale/],
    [NaN, movielens, /rating NaN/],
    [3, { min: 5, max: 1 }, /min < max/],
    [3, { min: 1, max: 1 }, /min < max/],
    [3, { min: NaN, max: 5 }, /finite bounds/],
    [3, { min: 1, max: 5, positiveAt: 6 }, /positiveAt is 6/],
    [3, { min: 1, max: 5, positiveAt: NaN }, /positiveAt is NaN/],
  ])('rejects %s on %o with a RangeError', (value, scale, message) => {
    expect(() => ratingLabel(value, scale)).toThrow(RangeError);
    expect(() => ratingLabel(value, scale)).toThrow(message);
  });
});
