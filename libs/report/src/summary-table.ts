import type { AuditResult } from '@chorus/simulation';
import { groupNames, lastRound } from './policy-summary';

/** The summary at the last round: a header and rows of already formatted cells (shared by the terminal and the HTML). */
export interface SummaryTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const MISSING = '—';

/**
 * Per policy and planted group at the last round: users, regret, AUC, minority share (true share), C_KL, exposure
 * entropy, stance reinforcement, change in stance extremity; and per policy (on its first group's row) polarization,
 * exposure Gini, alerts raised and reranks completed over the whole run.
 */
export function summaryTable(result: AuditResult): SummaryTable {
  const header = ['policy', 'group', 'users', 'regret', 'AUC', 'minority (true)', 'C_KL', 'entropy', 'reinforce', 'Δ extremity', 'polarization', 'Gini', 'alerts', 'reranks'];
  const rows: string[][] = [];
  for (const run of result.runs) {
    const round = lastRound(run);
    groupNames(result).forEach((group, i) => {
      const m = round.groups[group];
      if (!m) return;
      const first = i === 0;
      rows.push([
        first ? run.policy : '',
        group,
        String(m.users),
        m.regret.toFixed(3),
        m.auc === undefined ? MISSING : m.auc.toFixed(3),
        m.minorityShare === undefined || m.trueMinorityShare === undefined ? MISSING : `${share(m.minorityShare)} (${share(m.trueMinorityShare)})`,
        m.calibrationKl.toFixed(3),
        m.exposureEntropy.toFixed(3),
        m.stanceReinforcement.toFixed(3),
        m.stanceExtremityChange.toFixed(3),
        first ? round.polarization.toFixed(3) : '',
        first ? round.exposureGini.toFixed(3) : '',
        first ? String(run.alerts.length) : '',
        first ? String(run.reranksPerRound.reduce((a, b) => a + b, 0)) : '',
      ]);
    });
  }
  return { header, rows };
}

/** The summary table as fixed-width text for a terminal: columns padded, numbers right-aligned, a rule under the header. */
export function formatSummaryTable(result: AuditResult): string {
  const { header, rows } = summaryTable(result);
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c]!.length)));
  // Text columns (policy, group) read left-aligned; figures right-aligned so their decimal points line up.
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  const lastRounds = [...new Set(result.runs.map((run) => lastRound(run).round))].join(', ');
  return [`${result.title}: last round ${lastRounds}`, line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function share(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}
