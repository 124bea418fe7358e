import { describe, expect, it } from 'vitest';
import { handMadeAudit } from './hand-made-audit.fixture';
import { alertSignalTable, detectionTable, formatSummaryTable, policyTable, summaryTable } from './summary-table';

// Expected cells worked out from the hand-made fixture (hand-made-audit.fixture.ts), not from the code under test.
describe('summaryTable', () => {
  it('has a row per policy and group at the last round, with the user alerts raised on the group’s members', () => {
    const { header, rows } = summaryTable(handMadeAudit());
    expect(header).toEqual(['policy', 'group', 'users', 'regret', 'AUC', 'minority (true)', 'C_KL', 'exposure H', 'consumed H', 'homog.', 'reinforce', 'Δ extremity', 'alerts']);
    expect(rows).toHaveLength(12);
    expect(rows[0]).toEqual(['aggregate-only', 'majority', '6', '0.100', '0.800', '—', '0.500', '0.600', '0.400', '0.050', '0.100', '0.020', '1']);
    expect(rows[1]).toEqual(['', 'minority', '2', '0.500', '0.800', '—', '0.500', '0.600', '0.400', '0.050', '0.100', '0.020', '1']);
    expect(rows[2]).toEqual(['', 'mixed', '2', '0.300', '0.800', '5.0% (30.0%)', '0.500', '0.600', '0.400', '0.050', '0.100', '0.020', '0']);
    expect(rows[9]).toEqual(['pooled-calibrated', 'majority', '6', '0.130', '0.800', '—', '0.500', '0.600', '0.400', '0.050', '0.100', '0.020', '0']);
  });
});

describe('policyTable', () => {
  it('has a row per policy: population figures at the last round, alerts by scope and reranks over the run', () => {
    const { header, rows } = policyTable(handMadeAudit());
    expect(header).toEqual(['policy', 'τ²', 'calibrated', 'events', 'polarization', 'Gini', 'homog. (pairs)', 'user alerts', 'segment alerts', 'population alerts', 'reranks']);
    expect(rows).toEqual([
      ['aggregate-only', '0', 'no', '100', '0.220', '0.400', '0.030', '2', '0', '0', '0'],
      ['pooled', '1', 'no', '100', '0.210', '0.400', '0.030', '0', '0', '0', '0'],
      ['near-pure-personal', '100', 'no', '100', '0.260', '0.400', '0.030', '0', '0', '1', '0'],
      ['pooled-calibrated', '1', 'yes', '100', '0.215', '0.400', '0.030', '0', '0', '0', '7'],
    ]);
  });
});

describe('detectionTable', () => {
  it('has a row per policy and domain; nothing planted reads as such', () => {
    expect(detectionTable(handMadeAudit()).rows).toEqual([
      ['pooled', 'news', 'round 1', '4', '3', '75.0%', '0.5', '1.25'],
      ['pooled', 'code', 'nothing planted', '0', '0', '—', '—', '0.00'],
    ]);
  });
});

describe('alertSignalTable', () => {
  it('has a row per policy, domain and scope: true alerts, false alarms, precision, first delay, other metrics', () => {
    const result = {
      ...handMadeAudit(),
      alertSignal: [
        { domain: 'news', policy: 'pooled', scope: 'population' as const, plantedOnsetRound: 12, trueAlerts: 3, falseAlarms: 1, unscored: 2, precision: 0.75, firstDelayRounds: 4 },
        { domain: 'code', policy: 'pooled', scope: 'user' as const, plantedOnsetRound: undefined, trueAlerts: 0, falseAlarms: 0, unscored: 0, precision: undefined, firstDelayRounds: undefined },
      ],
    };
    expect(alertSignalTable(result).rows).toEqual([
      ['pooled', 'news', 'population', 'round 12', '3', '1', '75.0%', '4', '2'],
      ['pooled', 'code', 'user', 'nothing planted', '0', '0', '—', '—', '0'],
    ]);
    expect(formatSummaryTable(result)).toMatch(/\nAlerts against what was planted .*\npolicy  domain  scope {9}planted onset  true alerts/);
    expect(alertSignalTable(handMadeAudit()).rows).toEqual([]);
  });
});

describe('formatSummaryTable', () => {
  it('prints the group table, the policy table and the detection as aligned text: names left, figures right, a rule under each header', () => {
    const lines = formatSummaryTable(handMadeAudit()).split('\n');
    expect(lines[0]).toBe('Hand-made audit: last round 1; minority = served share (true share)');
    expect(lines[1]!.startsWith('policy              group     users  regret    AUC  minority (true)')).toBe(true);
    expect(lines[2]!.startsWith('──────────────────  ────────  ─────  ──────  ─────  ───────────────')).toBe(true);
    expect(lines[3]).toBe('aggregate-only      majority      6   0.100  0.800                —  0.500       0.600       0.400   0.050      0.100        0.020       1');
    expect(lines[5]).toBe('                    mixed         2   0.300  0.800     5.0% (30.0%)  0.500       0.600       0.400   0.050      0.100        0.020       0');
    expect(lines[15]).toBe('');
    expect(lines[16]).toBe('policy               τ²  calibrated  events  polarization   Gini  homog. (pairs)  user alerts  segment alerts  population alerts  reranks');
    expect(lines[18]).toBe('aggregate-only        0          no     100         0.220  0.400           0.030            2               0                  0        0');
    expect(lines[20]).toBe('near-pure-personal  100          no     100         0.260  0.400           0.030            0               0                  1        0');
    expect(lines[23]).toMatch(/^Narrowing detection/);
    expect(lines[26]).toBe('pooled  news            round 1              4         3   75.0%                  0.5                              1.25');
    expect(lines).toHaveLength(28);
  });
});
