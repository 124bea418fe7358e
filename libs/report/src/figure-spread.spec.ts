import type { AuditResult } from '@chorus/simulation';
import { describe, expect, it } from 'vitest';
import { figureSpread, headlineFigures } from './figure-spread';
import { handMadeAudit } from './hand-made-audit.fixture';
import { formatSummaryTable, spreadTable } from './summary-table';

// Expected values worked out from the hand-made fixture (last round: the regrets as given, AUC 0.8 everywhere, the
// mixed group's minority share served/true, random-pair homogenization 0.03, pooled's news detection 0.75 / 1.25).
describe('headlineFigures', () => {
  it('reads per policy the regret gap, the minority’s AUC, the minority share gap, homogenization and the detection scores', () => {
    const figures = new Map(headlineFigures(handMadeAudit()).map((f) => [f.figure, f.value]));
    expect(figures.get('aggregate-only: regret, minority − majority')).toBeCloseTo(0.4, 12);
    expect(figures.get('aggregate-only: AUC, minority')).toBe(0.8);
    expect(figures.get('aggregate-only: minority share served − true')).toBeCloseTo(-0.25, 12);
    expect(figures.get('pooled-calibrated: minority share served − true')).toBeCloseTo(-0.02, 12);
    expect(figures.get('pooled: homogenization (random pairs)')).toBe(0.03);
    expect(figures.get('pooled: narrowing recall')).toBe(0.75);
    expect(figures.get('pooled: false alarms per 1,000 user-rounds')).toBe(1.25);
    expect(figures.get('aggregate-only: narrowing recall')).toBeUndefined();
    expect(figures.get('pooled: population alerts, true')).toBeUndefined();
    expect(figures.size).toBe(4 * 8);
  });
});

describe('figureSpread', () => {
  const other: AuditResult = { ...handMadeAudit(), detection: [{ ...handMadeAudit().detection![0]!, recall: 0.25, falseAlarmsPer1000UserRounds: 3.25 }] };

  it('gives mean, sample sd, min and max of each figure over the runs, null where a run lacks it', () => {
    const spread = new Map(figureSpread([handMadeAudit(), other, handMadeAudit()], [1, 2, 3]).map((s) => [s.figure, s]));
    // recall 0.75, 0.25, 0.75: mean 7/12; sd √(((1/6)² + (1/3)² + (1/6)²) / 2) = √(1/12).
    expect(spread.get('pooled: narrowing recall')).toMatchObject({ values: [0.75, 0.25, 0.75], seeds: [1, 2, 3], min: 0.25, max: 0.75 });
    expect(spread.get('pooled: narrowing recall')!.mean).toBeCloseTo(7 / 12, 12);
    expect(spread.get('pooled: narrowing recall')!.sd).toBeCloseTo(Math.sqrt(1 / 12), 12);
    expect(spread.get('pooled: AUC, minority')).toMatchObject({ min: 0.8, max: 0.8 });
    expect(spread.get('pooled: AUC, minority')!.mean).toBeCloseTo(0.8, 12);
    expect(spread.get('pooled: AUC, minority')!.sd).toBeCloseTo(0, 12);
    expect(spread.get('aggregate-only: narrowing recall')).toMatchObject({ values: [null, null, null], mean: undefined, sd: undefined, min: undefined });
  });

  it('has no sd for one run, and refuses seeds that do not match the results', () => {
    expect(figureSpread([handMadeAudit()], [1])[0]!.sd).toBeUndefined();
    expect(() => figureSpread([handMadeAudit()], [1, 2])).toThrow(/1 results for 2 seeds/);
  });

  it('is printed after the tables, one row per figure with each seed’s value', () => {
    const result = { ...handMadeAudit(), spread: figureSpread([handMadeAudit(), other], [4, 5]) };
    expect(spreadTable(result).header).toEqual(['figure', 'mean', 'sd', 'min', 'max', 'per seed (4, 5)']);
    expect(spreadTable(result).rows.find((row) => row[0] === 'pooled: false alarms per 1,000 user-rounds')).toEqual([
      'pooled: false alarms per 1,000 user-rounds',
      '2.250',
      '1.414',
      '1.250',
      '3.250',
      '1.250  3.250',
    ]);
    // A count prints as a count, its mean and sd with two decimals.
    const counted = { ...result, spread: [{ figure: 'p: population alerts, true', values: [0, 1, null], seeds: [1, 2, 3], mean: 0.5, sd: Math.SQRT1_2, min: 0, max: 1 }] };
    expect(spreadTable(counted).rows).toEqual([['p: population alerts, true', '0.50', '0.71', '0', '1', '0  1  —']]);
    expect(formatSummaryTable(result)).toMatch(/\nSpread of the headline figures over 2 runs \(seeds 4, 5; the tables above are the first run's\):\nfigure /);
    expect(formatSummaryTable(handMadeAudit())).not.toMatch(/Spread/);
  });
});
