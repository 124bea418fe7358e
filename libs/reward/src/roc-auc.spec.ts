import { describe, expect, it } from 'vitest';
import { rocAuc } from './roc-auc';
import { mulberry32 } from '@chorus/random';

/** The definition: P(s₊ > s₋) + ½ P(s₊ = s₋) over all positive/negative pairs, O(n₊·n₋). */
function bruteForceAuc(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i]! > scores[j]!) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

describe('rocAuc', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('equals the brute-force pairwise count with many ties (seed %i)', (seed) => {
    const random = mulberry32(seed);
    const n = 20 + Math.floor(random() * 300);
    // Scores on a coarse grid so ties are frequent, within and across classes.
    const scores = Array.from({ length: n }, () => Math.floor(random() * 12) / 4);
    const labels = scores.map((s) => (random() < 0.2 + s / 5 ? 1 : 0) as 0 | 1);
    labels[0] = 1;
    labels[1] = 0;
    expect(Math.abs(rocAuc(scores, labels) - bruteForceAuc(scores, labels))).toBeLessThanOrEqual(1e-12);
  });

  it('is 1 for a perfect ranking, 0 for an inverted one, ½ for constant scores', () => {
    const labels = [0, 0, 1, 1, 0, 1] as const;
    const perfect = [0.1, 0.2, 0.9, 0.8, 0.3, 0.7];
    expect(rocAuc(perfect, labels)).toBe(1);
    expect(rocAuc(perfect.map((s) => -s), labels)).toBe(0);
    expect(rocAuc([5, 5, 5, 5, 5, 5], labels)).toBe(0.5);
  });

  it('accepts booleans and typed arrays', () => {
    expect(rocAuc(Float64Array.from([0.2, 0.1, 0.4]), [false, false, true])).toBe(1);
  });

  it('matches a hand-computed small case: 3 positives, 2 negatives, one tie', () => {
    // pairs (pos, neg): (3,1) (3,2) (2,1) (2,2)=½ (0,1)=0 (0,2)=0 → 3.5 / 6
    expect(rocAuc([3, 2, 0, 1, 2], [1, 1, 1, 0, 0])).toBeCloseTo(3.5 / 6, 15);
  });

  it.each([
    [[1, 2], [1, 1], /0 negatives/],
    [[1, 2], [0, 0], /0 positives/],
    [[], [], /0 positives and 0 negatives/],
    [[1, NaN], [1, 0], /score\[1\] is NaN/],
    [[1, 2], [1], /2 scores but 1 labels/],
    [[1, 2], [1, 2], /label\[1\] is 2/],
  ])('throws a RangeError on %j / %j', (scores, labels, message) => {
    expect(() => rocAuc(scores, labels as (0 | 1)[])).toThrow(RangeError);
    expect(() => rocAuc(scores, labels as (0 | 1)[])).toThrow(message);
  });
});
