import { describe, expect, it } from 'vitest';
import { handMadeAudit } from './hand-made-audit.fixture';
import { formatSummaryTable, summaryTable } from './summary-table';

describe('summaryTable', () => {
  it('has a row per policy and group at the last round, the per-policy figures on its first group’s row', () => {
    const { header, rows } = summaryTable(handMadeAudit());
    expect(header).toEqual(['policy', 'group', 'users', 'regret', 'AUC', 'minority (true)', 'C_KL', 'entropy', 'reinforce', 'Δ extremity', 'polarization', 'Gini', 'alerts', 'reranks']);
    expect(rows).toHaveLength(12);
    expect(rows[0]).toEqual(['aggregate-only', 'majority', '6', '0.100', '0.800', '—', '0.500', '0.600', '0.100', '0.020', '0.220', '0.400', '2', '0']);
    expect(rows[2]).toEqual(['', 'mixed', '2', '0.300', '0.800', '5.0% (30.0%)', '0.500', '0.600', '0.100', '0.020', '', '', '', '']);
    expect(rows[9]).toEqual(['pooled-calibrated', 'majority', '6', '0.130', '0.800', '—', '0.500', '0.600', '0.100', '0.020', '0.215', '0.400', '0', '7']);
  });

  it('prints as aligned text: names left, figures right, a rule under the header', () => {
    const lines = formatSummaryTable(handMadeAudit()).split('\n');
    expect(lines[0]).toBe('Hand-made audit: last round 1');
    expect(lines[1]!.startsWith('policy              group     users  regret    AUC  minority (true)')).toBe(true);
    expect(lines[2]!.startsWith('──────────────────  ────────  ─────  ──────  ─────  ───────────────')).toBe(true);
    expect(lines[3]).toBe('aggregate-only      majority      6   0.100  0.800                —  0.500    0.600      0.100        0.020         0.220  0.400       2        0');
    expect(lines[5]).toBe('                    mixed         2   0.300  0.800     5.0% (30.0%)  0.500    0.600      0.100        0.020');
    expect(lines).toHaveLength(15);
  });
});
