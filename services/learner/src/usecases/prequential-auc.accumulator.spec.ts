import { aucBinOfLogit, binnedAuc, rocAuc } from '@chorus/reward';
import { describe, expect, it } from 'vitest';
import { PrequentialAucAccumulator } from './prequential-auc.accumulator';

describe('PrequentialAucAccumulator', () => {
  it('keeps one histogram pair per model, domain, partition and minute of event time, and starts afresh after take', () => {
    const auc = new PrequentialAucAccumulator();
    auc.record('movies', 0, '2026-12-01T10:00:05Z', 1, 1, { aggregate: 2, personalized: 3 });
    auc.record('movies', 0, '2026-12-01T10:00:59.999Z', 0, 2, { aggregate: -1, personalized: -3 });
    auc.record('movies', 1, '2026-12-01T10:00:10Z', 1, 1, { aggregate: 0, personalized: 0 });
    auc.record('movies', 0, '2026-12-01T10:01:00Z', 1, 1, { aggregate: 0, personalized: 0 });
    const rows = auc.take();
    expect(rows.map((r) => [r.partition, r.bucketStart, r.model])).toEqual([
      [0, '2026-12-01T10:00:00.000Z', 'aggregate'],
      [0, '2026-12-01T10:00:00.000Z', 'personalized'],
      [1, '2026-12-01T10:00:00.000Z', 'aggregate'],
      [1, '2026-12-01T10:00:00.000Z', 'personalized'],
      [0, '2026-12-01T10:01:00.000Z', 'aggregate'],
      [0, '2026-12-01T10:01:00.000Z', 'personalized'],
    ]);
    const first = rows[1]!;
    expect(first.positives[aucBinOfLogit(3)]).toBe(1);
    expect(first.negatives[aucBinOfLogit(-3)]).toBe(2);
    expect(first.positives.reduce((a, b) => a + b, 0)).toBe(1);
    expect(auc.take()).toEqual([]);
  });

  it('splits a soft label between the classes by weight, and its histograms give the exact AUC of well-separated scores', () => {
    const auc = new PrequentialAucAccumulator();
    const scored = [
      { y: 1, logit: 4 },
      { y: 0, logit: -4 },
      { y: 1, logit: -2 },
      { y: 0, logit: 1 },
      { y: 1, logit: 2 },
    ];
    for (const s of scored) auc.record('movies', 0, '2026-12-01T10:00:00Z', s.y, 1, { aggregate: s.logit, personalized: s.logit });
    auc.record('books', 0, '2026-12-01T10:00:00Z', 0.25, 4, { aggregate: 0, personalized: 0 });
    const [movies, , books] = auc.take();
    expect(binnedAuc(movies!.positives, movies!.negatives)).toBeCloseTo(rocAuc(scored.map((s) => s.logit), scored.map((s) => s.y as 0 | 1)), 12);
    expect(books!.positives[aucBinOfLogit(0)]).toBe(1);
    expect(books!.negatives[aucBinOfLogit(0)]).toBe(3);
  });

  it('ignores an event whose time or scores are not finite rather than poisoning a bucket', () => {
    const auc = new PrequentialAucAccumulator();
    auc.record('movies', 0, 'not a time', 1, 1, { aggregate: 0, personalized: 0 });
    auc.record('movies', 0, '2026-12-01T10:00:00Z', 1, 1, { aggregate: Number.NaN, personalized: 0 });
    expect(auc.take()).toEqual([]);
  });
});
