import type { TopLevelSpec } from 'vega-lite';
import { CHART_CONFIG } from './chart-specs';
import type { ReplayReport } from './replay-report';

/**
 * Vega-Lite specifications of the MovieLens replay report's charts (titles and captions live in the HTML beside each,
 * as in the audit's report). A chart with nothing to draw is not made: the caller says so in words instead.
 */

/** Policies in the report's order: one colour per policy in every chart. */
function policyColour(report: ReplayReport) {
  // Up to ten policies: a legend in columns, or one row of them widens the chart past the page and shrinks its plot.
  return { field: 'policy', type: 'nominal' as const, title: 'policy', scale: { domain: report.policies.map((p) => p.policy), scheme: 'tableau10' }, legend: { columns: 4 } };
}

/** AUC over windows of the events, one line per policy. */
export function aucOverTimeSpec(report: ReplayReport): TopLevelSpec | undefined {
  if (report.aucOverTime.length === 0) return undefined;
  return {
    description: 'Prequential AUC per window of events, per policy',
    config: CHART_CONFIG,
    data: { values: [...report.aucOverTime] },
    width: 760,
    height: 260,
    mark: { type: 'line', interpolate: 'monotone', point: { size: 14 } },
    encoding: {
      x: { field: 'events', type: 'quantitative', title: 'events replayed (end of window)' },
      y: { field: 'auc', type: 'quantitative', title: 'AUC in the window', scale: { zero: false } },
      color: policyColour(report),
      tooltip: [{ field: 'policy' }, { field: 'events' }, { field: 'auc', format: '.3f' }],
    },
  };
}

/** One point of the τ² sweep chart. */
export interface TauSweepRow {
  readonly tau2: string;
  readonly order: number;
  readonly slice: 'last 10%' | 'all events';
  readonly auc: number;
}

export function tauSweepRows(report: ReplayReport): TauSweepRow[] {
  return report.policies
    .filter((p) => p.source === 'offline' && p.tau2 !== null)
    .flatMap((p) =>
      (
        [
          ['last 10%', p.tailAuc],
          ['all events', p.allAuc],
        ] as const
      ).flatMap(([slice, auc]) => (auc === null ? [] : [{ tau2: String(p.tau2), order: p.tau2!, slice, auc }])),
    );
}

/**
 * The offline τ² sweep: AUC against τ² (0 = aggregate only), on the last 10% and on all events, with the live run's
 * personalized tail AUC as a dashed rule (what the learned τ² scored on the same events).
 */
export function tauSweepSpec(report: ReplayReport): TopLevelSpec | undefined {
  const rows = tauSweepRows(report);
  if (rows.length === 0) return undefined;
  const live = report.policies.find((p) => p.source === 'live' && p.tau2 !== 0)?.tailAuc;
  return {
    description: 'Offline τ² sweep: prequential AUC against τ², with the live run’s personalized tail AUC',
    config: CHART_CONFIG,
    width: 560,
    height: 260,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', point: { size: 40, filled: true } },
        encoding: {
          x: { field: 'tau2', type: 'ordinal', title: 'τ² (fixed, offline)', sort: { field: 'order', op: 'min' } },
          y: { field: 'auc', type: 'quantitative', title: 'prequential AUC', scale: { zero: false } },
          color: { field: 'slice', type: 'nominal', title: 'events', scale: { domain: ['last 10%', 'all events'], range: ['#4e79a7', '#9c755f'] } },
          tooltip: [{ field: 'tau2', title: 'τ²' }, { field: 'slice' }, { field: 'auc', format: '.4f' }],
        },
      },
      ...(live === undefined || live === null
        ? []
        : [
            {
              data: { values: [{ auc: live, label: 'live, τ² learned: last 10%' }] },
              mark: { type: 'rule' as const, strokeDash: [5, 4], color: '#e15759' },
              encoding: { y: { field: 'auc', type: 'quantitative' as const }, tooltip: [{ field: 'label' }, { field: 'auc', format: '.4f' }] },
            },
          ]),
    ],
  };
}

/** One measure of the λ sweep at one λ. */
export interface LambdaRow {
  readonly lambda: number;
  readonly measure: string;
  readonly value: number;
}

const LAMBDA_MEASURES = [
  ['mean C_KL', (row: ReplayReport['calibrationSweep']['rows'][number]) => row.kl],
  ['precision@n', (row: ReplayReport['calibrationSweep']['rows'][number]) => row.precision],
  ['relevance kept', (row: ReplayReport['calibrationSweep']['rows'][number]) => row.relevanceKept],
  ['minority share of lists', (row: ReplayReport['calibrationSweep']['rows'][number]) => row.minorityListShare],
] as const;

export function lambdaRows(report: ReplayReport): LambdaRow[] {
  return report.calibrationSweep.rows.flatMap((row) => LAMBDA_MEASURES.map(([measure, value]) => ({ lambda: row.lambda, measure, value: value(row) })));
}

/** Steck's λ sweep: each measure against λ in small multiples (independent y). */
export function lambdaSweepSpec(report: ReplayReport): TopLevelSpec | undefined {
  const rows = lambdaRows(report);
  if (rows.length === 0) return undefined;
  return {
    description: 'Steck’s λ sweep: C_KL, precision, relevance kept and minority share against λ',
    config: CHART_CONFIG,
    data: { values: rows },
    facet: { column: { field: 'measure', type: 'nominal', title: null, sort: LAMBDA_MEASURES.map(([measure]) => measure) } },
    spec: {
      width: 190,
      height: 170,
      mark: { type: 'line', point: { size: 24, filled: true }, color: '#59a14f' },
      encoding: {
        x: { field: 'lambda', type: 'quantitative', title: 'λ', scale: { domain: [0, 1] } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        tooltip: [{ field: 'measure' }, { field: 'lambda', title: 'λ' }, { field: 'value', format: '.4f' }],
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** drift-watch's alerts per metric, coloured by scope. */
export function alertCountSpec(report: ReplayReport): TopLevelSpec | undefined {
  if (report.alerts.length === 0) return undefined;
  return {
    description: 'Drift alerts raised during the replay, per metric and scope',
    config: CHART_CONFIG,
    data: { values: [...report.alerts] },
    width: 560,
    height: { step: 26 },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'metric', type: 'nominal', title: null, sort: '-x', axis: { labelLimit: 0 } },
      x: { field: 'n', type: 'quantitative', title: 'alerts' },
      color: { field: 'scope', type: 'nominal', title: 'alert scope', scale: { domain: ['user', 'segment', 'population'], range: ['#e15759', '#f28e2b', '#76b7b2'] } },
      tooltip: [{ field: 'scope' }, { field: 'metric' }, { field: 'n', title: 'alerts' }],
    },
  };
}
