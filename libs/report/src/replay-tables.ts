import { alertNoise, alertNoiseReading, type AlertNoiseRow } from './alert-noise';
import type { ReplayReport } from './replay-report';
import { formatTable, type SummaryTable } from './summary-table';

const MISSING = '—';
const f3 = (x: number | null | undefined) => (x === null || x === undefined ? MISSING : x.toFixed(3));
const f4 = (x: number | null | undefined) => (x === null || x === undefined ? MISSING : x.toFixed(4));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? MISSING : `${(100 * x).toFixed(1)}%`);

/** The τ² a policy row names: fixed, learned (with the partitions' values), or 0 for the aggregate. */
function tau2Cell(report: ReplayReport, tau2: number | null): string {
  if (tau2 !== null) return String(tau2);
  const learned = report.learnedTau2 ?? [];
  return learned.length === 0 ? 'learned' : `learned (${[...new Set(learned.map((t) => +t.toPrecision(3)))].join(', ')})`;
}

/** Prequential AUC per policy: the live learner's, then the offline sweep's. */
export function replayPolicyTable(report: ReplayReport): SummaryTable {
  return {
    header: ['policy', 'source', 'τ²', 'events', 'AUC last 10%', 'AUC all'],
    rows: report.policies.map((p) => [p.policy, p.source, tau2Cell(report, p.tau2), String(p.events), f4(p.tailAuc), f4(p.allAuc)]),
  };
}

export function lambdaSweepTable(report: ReplayReport): SummaryTable {
  const { rows, evaluated } = report.calibrationSweep;
  return {
    header: ['λ', 'mean C_KL', 'precision@n', 'relevance kept', 'minority share: list', 'profile', 'accuracy-list guard'],
    rows: rows.map((row) => [row.lambda.toFixed(2), f4(row.kl), f4(row.precision), f4(row.relevanceKept), pct(row.minorityListShare), pct(row.minorityProfileShare), `${row.accuracyListGuard} of ${evaluated}`]),
  };
}

/** The calibrated reranking the replay triggered: lists, C_KL before → after, relevance kept, minority share. */
export function rerankingTable(report: ReplayReport): SummaryTable {
  const r = report.reranking;
  return {
    header: ['lists', 'users', 'mean C_KL before', 'after', 'relevance kept', 'minority lists', 'minority: profile share', 'list share before', 'after', 'queue drained'],
    rows: [[String(r.lists), String(r.users), f3(r.klBefore), f3(r.klAfter), f3(r.relevanceRetained), String(r.minority.lists), pct(r.minority.profileShare), pct(r.minority.before), pct(r.minority.after), r.drained ? 'yes' : 'no']],
  };
}

export function alertTable(report: ReplayReport): SummaryTable {
  return { header: ['scope', 'metric', 'alerts'], rows: report.alerts.map((a) => [a.scope, a.metric, String(a.n)]) };
}

export function alertNoiseTable(rows: readonly AlertNoiseRow[]): SummaryTable {
  return {
    header: ['scope', 'alerts', 'counted against', 'noise alone would give', 'verdict'],
    rows: rows.map((row) => [
      row.scope,
      String(row.observed),
      `${row.exposure} ${row.exposureUnit}`,
      row.expectedNoise.typical === null ? `≤ ${row.expectedNoise.high.toFixed(1)}` : `${row.expectedNoise.low.toFixed(1)}–${row.expectedNoise.high.toFixed(1)} (typ. ${row.expectedNoise.typical.toFixed(1)})`,
      row.verdict,
    ]),
  };
}

/** The terminal summary of the replay's report: the same tables as the HTML. */
export function formatReplaySummary(report: ReplayReport): string {
  const noise = alertNoise(report.alerts, report.alertExposure);
  const parts = [
    'Prequential AUC per policy (scored before learning; positive = rating ≥ 4; offline = the τ² sweep on the same events):',
    formatTable(replayPolicyTable(report), 2),
    '',
    `Calibrated reranking during the replay${report.reranking.drained ? '' : ' (so far: the rerank queue had not emptied)'}:`,
    report.reranking.lists === 0 ? '  no lists' : formatTable(rerankingTable(report), 0),
    '',
    `Steck's λ sweep (experiment:calibration on the replayed ratings; ${report.calibrationSweep.evaluated} users evaluated):`,
    report.calibrationSweep.rows.length === 0 ? '  no user had enough ratings to evaluate' : formatTable(lambdaSweepTable(report), 1),
    '',
    'Drift alerts, and what noise alone would give (the simulator’s calibration of the detectors):',
    report.alerts.length === 0 ? '  none' : formatTable(alertTable(report), 2),
    formatTable(alertNoiseTable(noise), 1),
    ...alertNoiseReading(noise).map((sentence) => `  ${sentence}`),
  ];
  return parts.join('\n');
}
