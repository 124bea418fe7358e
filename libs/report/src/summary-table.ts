import type { AuditResult } from '@chorus/simulation';
import { groupNames, lastRound } from './policy-summary';

/** A table of already formatted cells: the terminal and the HTML draw the same ones. */
export interface SummaryTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const MISSING = '—';

/**
 * Per policy and planted group at the last round: users, regret, AUC (the last round that measured it), minority share
 * (true share), C_KL, exposure and consumption entropy, homogenization with true-taste neighbours, stance
 * reinforcement, change in stance extremity, and the user alerts raised over the run on the group's members.
 */
export function summaryTable(result: AuditResult): SummaryTable {
  const header = ['policy', 'group', 'users', 'regret', 'AUC', 'minority (true)', 'C_KL', 'exposure H', 'consumed H', 'homog.', 'reinforce', 'Δ extremity', 'alerts'];
  const rows: string[][] = [];
  for (const run of result.runs) {
    const round = lastRound(run);
    const aucRound = [...run.rounds].reverse().find((r) => Object.values(r.groups).some((g) => g.auc !== undefined));
    groupNames(result).forEach((group, i) => {
      const m = round.groups[group];
      if (!m) return;
      const auc = aucRound?.groups[group]?.auc;
      rows.push([
        i === 0 ? run.policy : '',
        group,
        String(m.users),
        m.regret.toFixed(3),
        auc === undefined ? MISSING : auc.toFixed(3),
        m.minorityShare === undefined || m.trueMinorityShare === undefined ? MISSING : `${share(m.minorityShare)} (${share(m.trueMinorityShare)})`,
        m.calibrationKl.toFixed(3),
        m.exposureEntropy.toFixed(3),
        m.consumptionEntropy === undefined ? MISSING : m.consumptionEntropy.toFixed(3),
        m.homogenization.toFixed(3),
        m.stanceReinforcement.toFixed(3),
        m.stanceExtremityChange.toFixed(3),
        String(run.alerts.filter((alert) => alert.scope === 'user' && alert.group === group).length),
      ]);
    });
  }
  return { header, rows };
}

/**
 * Per policy over the whole population: τ², calibrated or not, events, polarization of true stances, exposure Gini and
 * homogenization over random pairs at the last round, alerts raised over the run by scope (user alerts on users of no
 * measured group, such as the code population's, counted too), reranks completed.
 */
export function policyTable(result: AuditResult): SummaryTable {
  const header = ['policy', 'τ²', 'calibrated', 'events', 'polarization', 'Gini', 'homog. (pairs)', 'user alerts', 'segment alerts', 'population alerts', 'reranks'];
  const rows = result.runs.map((run) => {
    const round = lastRound(run);
    const alerts = (scope: string) => String(run.alerts.filter((alert) => alert.scope === scope).length);
    return [
      run.policy,
      String(run.tau2),
      run.calibrated ? 'yes' : 'no',
      String(run.events),
      round.polarization.toFixed(3),
      round.exposureGini.toFixed(3),
      round.homogenization.toFixed(3),
      alerts('user'),
      alerts('segment'),
      alerts('population'),
      String(run.reranksPerRound.reduce((a, b) => a + b, 0)),
    ];
  });
  return { header, rows };
}

/** The detection scores: per policy and domain, what was planted, recall, delay and false alarms. Empty rows when none. */
export function detectionTable(result: AuditResult): SummaryTable {
  const optional = (value: number | undefined, digits: number) => (value === undefined ? MISSING : value.toFixed(digits));
  return {
    header: ['policy', 'domain', 'planted onset', 'planted users', 'detected', 'recall', 'mean delay (rounds)', 'false alarms / 1,000 user-rounds'],
    rows: (result.detection ?? []).map((d) => [
      d.policy,
      d.domain,
      plantedOnset(d.plantedOnsetRound),
      String(d.plantedUsers),
      String(d.detectedUsers),
      optionalShare(d.recall),
      optional(d.meanDelayRounds, 1),
      d.falseAlarmsPer1000UserRounds.toFixed(2),
    ]),
  };
}

/**
 * Every alert judged against what was planted, per policy, domain and scope: true alerts (on a narrowing metric,
 * matching the planted narrowing), false alarms (on a narrowing metric, nothing planted behind them), their precision,
 * the delay of the first true one, and the alerts on other metrics (unscored).
 */
export function alertSignalTable(result: AuditResult): SummaryTable {
  return {
    header: ['policy', 'domain', 'scope', 'planted onset', 'true alerts', 'false alarms', 'precision', 'first true after (rounds)', 'other metrics'],
    rows: (result.alertSignal ?? []).map((a) => [
      a.policy,
      a.domain,
      a.scope,
      plantedOnset(a.plantedOnsetRound),
      String(a.trueAlerts),
      String(a.falseAlarms),
      optionalShare(a.precision),
      a.firstDelayRounds === undefined ? MISSING : String(a.firstDelayRounds),
      String(a.unscored),
    ]),
  };
}

/** The spread of the headline figures over repeated runs with other seeds: mean ± sd, range, each seed's value. */
export function spreadTable(result: AuditResult): SummaryTable {
  return {
    header: ['figure', 'mean', 'sd', 'min', 'max', `per seed (${result.spread?.[0]?.seeds.join(', ') ?? ''})`],
    rows: (result.spread ?? []).map((s) => {
      // Counts print as counts; any other figure with three decimals everywhere in its row, so the columns line up.
      const counts = s.values.every((v) => v === null || Number.isInteger(v));
      const f = (x: number | undefined | null, digits: number) => (x === undefined || x === null ? MISSING : x.toFixed(digits));
      const [value, summary] = counts ? [0, 2] : [3, 3];
      return [s.figure, f(s.mean, summary), f(s.sd, summary), f(s.min, value), f(s.max, value), s.values.map((v) => f(v, value)).join('  ')];
    }),
  };
}

/**
 * A table as fixed-width text for a terminal: columns padded, the first `nameColumns` (names) left-aligned, figures
 * right-aligned so their decimal points line up, a rule under the header.
 */
export function formatTable(table: SummaryTable, nameColumns = 2): string {
  const { header, rows } = table;
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c < nameColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The terminal summary of an audit (`npm run audit`, `npm run report`): the group table at the last round, the policy
 * table, and the detection scores when there are any.
 */
export function formatSummaryTable(result: AuditResult): string {
  const lastRounds = [...new Set(result.runs.map((run) => lastRound(run).round))].join(', ');
  const parts = [`${result.title}: last round ${lastRounds}; minority = served share (true share)`, formatTable(summaryTable(result)), '', formatTable(policyTable(result), 1)];
  const detection = detectionTable(result);
  if (detection.rows.length > 0) {
    parts.push('', 'Narrowing detection (user alerts on consumption or exposure entropy; false alarms on user-rounds with nothing planted):', formatTable(detection));
  }
  const spread = spreadTable(result);
  if (spread.rows.length > 0) {
    parts.push('', `Spread of the headline figures over ${result.spread![0]!.seeds.length} runs (seeds ${result.spread![0]!.seeds.join(', ')}; the tables above are the first run's):`, formatTable(spread, 1));
  }
  const signal = alertSignalTable(result);
  if (signal.rows.length > 0) {
    parts.push('', 'Alerts against what was planted (narrowing metrics: user consumption/exposure entropy, population mean of either):', formatTable(signal, 3));
  }
  return parts.join('\n');
}

function share(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

function optionalShare(value: number | undefined): string {
  return value === undefined ? MISSING : share(value);
}

function plantedOnset(round: number | undefined): string {
  return round === undefined ? 'nothing planted' : `round ${round}`;
}
