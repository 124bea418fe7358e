import { describe, expect, it } from 'vitest';
import { FeatureVector, featureVector, subtract } from './sparse-vector';

describe('subtract', () => {
  it('computes a − b sparsely and drops exact zeros', () => {
    const a = new Map([['bias', 1], ['cat:a', 0.5], ['cat:b', 0.5]]);
    const b = new Map([['bias', 1], ['cat:b', 0.25], ['stance', -0.4]]);
    expect(new Map(subtract(a, b))).toEqual(new Map([['cat:a', 0.5], ['cat:b', 0.25], ['stance', 0.4]]));
  });

  it('lists a\'s surviving entries in a\'s order, then the features only b has, and keeps the arrays aligned', () => {
    // Property check against the plain Map definition, on seeded vectors with shared, zero and one-sided features.
    let seed = 3;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const pick = () => [0, 0.5, 1, -0.25][Math.floor(random() * 4)]!;
    for (let trial = 0; trial < 200; trial++) {
      const a = new Map<string, number>();
      const b = new Map<string, number>();
      for (const f of ['f0', 'f1', 'f2', 'f3', 'f4', 'f5']) {
        if (random() < 0.6) a.set(f, pick());
        if (random() < 0.6) b.set(f, pick());
      }
      const expected = new Map<string, number>();
      for (const [f, v] of a) if (v !== 0) expected.set(f, v);
      for (const [f, v] of b) {
        const d = (expected.get(f) ?? 0) - v;
        if (d === 0) expected.delete(f);
        else expected.set(f, d);
      }
      const difference = subtract(a, b);
      expect([...difference]).toEqual([...expected]);
      expect(difference.featureNames).toEqual([...expected.keys()]);
      expect(difference.featureValues).toEqual([...expected.values()]);
    }
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

describe('FeatureVector', () => {
  it('holds the entries of a Map, with the same last-wins semantics, and exposes them as aligned arrays', () => {
    const v = new FeatureVector([['bias', 1], ['cat:a', 0.5], ['bias', 2]]);
    expect(new Map(v)).toEqual(new Map([['bias', 2], ['cat:a', 0.5]]));
    expect(v.featureNames).toEqual(['bias', 'cat:a']);
    expect(v.featureValues).toEqual([2, 0.5]);
    expect(v.get('cat:a')).toBe(0.5);
    expect(v.size).toBe(2);
  });

  it('is immutable, so its arrays can never disagree with its entries', () => {
    const v = new FeatureVector([['x', 1]]);
    expect(() => v.set('x', 2)).toThrow(/immutable.*"x"/);
    expect(() => v.delete('x')).toThrow(/immutable/);
    expect(() => v.clear()).toThrow(/immutable/);
    expect([...v]).toEqual([['x', 1]]);
  });

  it('featureVector passes a FeatureVector through and copies any other map', () => {
    const v = new FeatureVector([['x', 1]]);
    expect(featureVector(v)).toBe(v);
    const plain = new Map([['y', 3]]);
    const copied = featureVector(plain);
    expect(copied).toBeInstanceOf(FeatureVector);
    expect(copied.featureNames).toEqual(['y']);
    plain.set('y', 4);
    expect(copied.get('y')).toBe(3);
  });

  it('subtract returns one', () => {
    expect(subtract(new Map([['x', 1]]), new Map())).toBeInstanceOf(FeatureVector);
  });
});
