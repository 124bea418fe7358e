import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUC_LOGIT_BINS, AUC_LOGIT_LIMIT, aucBinOfLogit, binnedAuc } from './binned-auc';
import { rocAuc } from './roc-auc';

const WIDTH = (2 * AUC_LOGIT_LIMIT) / AUC_LOGIT_BINS;
const centre = (bin: number) => -AUC_LOGIT_LIMIT + (bin + 0.5) * WIDTH;

function histograms(scored: { logit: number; label: 0 | 1 }[]) {
  const positives = new Array<number>(AUC_LOGIT_BINS).fill(0);
  const negatives = new Array<number>(AUC_LOGIT_BINS).fill(0);
  for (const { logit, label } of scored) (label ? positives : negatives)[aucBinOfLogit(logit)]! += 1;
  return { positives, negatives };
}

describe('binnedAuc', () => {
  it('equals the exact rank statistic (rocAuc) when the scores lie on bin centres, ties included', () => {
    const sample = fc.array(fc.record({ bin: fc.integer({ min: 0, max: AUC_LOGIT_BINS - 1 }), label: fc.constantFrom<0 | 1>(0, 1) }), { minLength: 2, maxLength: 200 });
    fc.assert(
      fc.property(sample, (rows) => {
        const scored = rows.map(({ bin, label }) => ({ logit: centre(bin), label }));
        if (!scored.some((s) => s.label === 1) || !scored.some((s) => s.label === 0)) return;
        const { positives, negatives } = histograms(scored);
        expect(binnedAuc(positives, negatives)).toBeCloseTo(rocAuc(scored.map((s) => s.logit), scored.map((s) => s.label)), 12);
      }),
    );
  });

  it('is within half the same-bin pair weight of the exact AUC for any scores', () => {
    const sample = fc.array(fc.record({ logit: fc.double({ min: -12, max: 12, noNaN: true }), label: fc.constantFrom<0 | 1>(0, 1) }), { minLength: 2, maxLength: 200 });
    fc.assert(
      fc.property(sample, (scored) => {
        const pos = scored.filter((s) => s.label === 1).length;
        const neg = scored.length - pos;
        if (pos === 0 || neg === 0) return;
        const { positives, negatives } = histograms(scored);
        const sameBinPairs = positives.reduce((sum, p, bin) => sum + p * negatives[bin]!, 0);
        const exact = rocAuc(scored.map((s) => s.logit), scored.map((s) => s.label));
        expect(Math.abs(binnedAuc(positives, negatives)! - exact)).toBeLessThanOrEqual(sameBinPairs / 2 / (pos * neg) + 1e-12);
      }),
    );
  });

  it('reads a hand-computed case: positives above every negative but one tie', () => {
    // Negatives in bins 0 and 5 (weight 1 each), positives in bins 5 and 9: pairs 2·2 = 4; (5,0) 1, (5,5) ½, (9,·) 2.
    const positives = new Array<number>(10).fill(0);
    const negatives = new Array<number>(10).fill(0);
    negatives[0] = 1;
    negatives[5] = 1;
    positives[5] = 1;
    positives[9] = 1;
    expect(binnedAuc(positives, negatives)).toBe(3.5 / 4);
  });

  it('is undefined with one class only, and refuses mismatched or negative histograms', () => {
    expect(binnedAuc([1, 2], [0, 0])).toBeUndefined();
    expect(() => binnedAuc([1], [1, 2])).toThrow(/same bins/);
    expect(() => binnedAuc([1, -1], [1, 2])).toThrow(/bin 1/);
  });

  it('bins logits monotonically, clipping beyond the limit', () => {
    expect(aucBinOfLogit(-Infinity)).toBe(0);
    expect(aucBinOfLogit(-AUC_LOGIT_LIMIT)).toBe(0);
    expect(aucBinOfLogit(0)).toBe(AUC_LOGIT_BINS / 2);
    expect(aucBinOfLogit(AUC_LOGIT_LIMIT)).toBe(AUC_LOGIT_BINS - 1);
    expect(aucBinOfLogit(1e9)).toBe(AUC_LOGIT_BINS - 1);
    expect(() => aucBinOfLogit(Number.NaN)).toThrow(/NaN/);
  });
});
