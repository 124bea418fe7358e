import type { AuditResult } from '@chorus/simulation';
import type { TopLevelSpec } from 'vega-lite';
import type { AuditMetric } from './audit-metrics';
import { groupNames, policyAtLastRound } from './policy-summary';

/**
 * Vega-Lite specifications of the report's charts, built from an AuditResult. Titles and captions live in the HTML
 * beside each chart (better typography than SVG text); each spec carries a `description` for screen readers. Colours
 * are keyed by policy with one domain in every chart, so a policy has the same colour everywhere.
 */

// Parts of a specification, named from vega-lite's own TopLevelSpec (its internal type modules are not exported).
type UnitTopLevelSpec = Extract<TopLevelSpec, { mark: unknown }>;
type UnitEncoding = NonNullable<UnitTopLevelSpec['encoding']>;
type Channel<K extends keyof UnitEncoding> = NonNullable<UnitEncoding[K]>;
type ConcatPanel = Extract<TopLevelSpec, { vconcat: unknown }>['vconcat'][number];
type LayerPart = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Shared look: readable sizes, no chart border, legend under the plot. */
export const CHART_CONFIG: NonNullable<TopLevelSpec['config']> = {
  font: FONT,
  background: 'white',
  view: { stroke: '#e5e5e5' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eeeeee' },
  header: { labelFontSize: 13, labelFontWeight: 'bold', titleFontSize: 12 },
  legend: { labelFontSize: 12, titleFontSize: 12, orient: 'bottom', direction: 'horizontal', labelLimit: 0 },
  line: { strokeWidth: 2 },
};

function policyColour(result: AuditResult): Channel<'color'> {
  return { field: 'policy', type: 'nominal', title: 'policy', scale: { domain: result.runs.map((run) => run.policy), scheme: 'tableau10' } };
}

function roundAxis(result: AuditResult): Channel<'x'> {
  const rounds = result.runs.flatMap((run) => run.rounds.map((r) => r.round));
  return {
    field: 'round',
    type: 'quantitative',
    title: 'round',
    scale: { domain: [Math.min(...rounds), Math.max(...rounds)], nice: false },
    axis: { tickMinStep: 1, format: 'd' },
  };
}

/** One row of a metric chart's data. */
export interface MetricRow {
  readonly policy: string;
  readonly group: string;
  readonly round: number;
  /** 'served' for the measure, or the reference's label ('true share'). */
  readonly series: string;
  readonly value: number;
}

/** The rows a metric chart draws: one per policy, group, round and series with a defined value. */
export function metricRows(result: AuditResult, metric: AuditMetric): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const run of result.runs) {
    for (const round of run.rounds) {
      if (metric.level === 'round') {
        rows.push({ policy: run.policy, group: 'all users', round: round.round, series: 'served', value: metric.value(round) });
        continue;
      }
      for (const group of groupNames(result)) {
        const measures = round.groups[group];
        if (!measures) continue;
        const value = metric.value(measures);
        if (value !== undefined) rows.push({ policy: run.policy, group, round: round.round, series: 'served', value });
        const reference = metric.reference?.value(measures);
        if (metric.reference && reference !== undefined) rows.push({ policy: run.policy, group, round: round.round, series: metric.reference.label, value: reference });
      }
    }
  }
  return rows;
}

/**
 * A metric over rounds, one line per policy: per planted group in small multiples (a column per group) for a group
 * measure, one panel for a population measure. A measure with a reference (the true minority share) draws it dashed.
 */
export function metricOverRoundsSpec(result: AuditResult, metric: AuditMetric): TopLevelSpec {
  const rows = metricRows(result, metric);
  const encoding: UnitEncoding = {
    x: roundAxis(result),
    y: { field: 'value', type: 'quantitative', title: metric.axisTitle, scale: { zero: false } },
    color: policyColour(result),
    detail: { field: 'series', type: 'nominal' },
    ...(metric.level === 'group' && metric.reference
      ? { strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain: ['served', metric.reference.label], range: [[1, 0], [5, 4]] } } }
      : {}),
  };
  // Points mark the measured rounds: with few rounds a bare smooth curve reads as more data than there is.
  const mark: UnitTopLevelSpec['mark'] = { type: 'line', interpolate: 'monotone', point: { size: 16 } };
  if (metric.level === 'round') {
    return { description: metric.title, config: CHART_CONFIG, data: { values: rows }, width: 560, height: 220, mark, encoding };
  }
  return {
    description: `${metric.title}, per planted group`,
    config: CHART_CONFIG,
    data: { values: rows },
    facet: { column: { field: 'group', type: 'nominal', title: null, sort: groupNames(result) } },
    spec: { width: 280, height: 180, mark, encoding },
    resolve: { scale: { y: 'shared' } },
  };
}

/** One point of the τ trade-off: a policy at the last round. */
export interface TradeoffRow {
  readonly policy: string;
  readonly tau2: number;
  readonly regret: number;
  readonly minorityShare: number | null;
  readonly trueMinorityShare: number | null;
  readonly polarization: number;
}

export function tradeoffRows(result: AuditResult): TradeoffRow[] {
  return result.runs.map((run) => {
    const last = policyAtLastRound(run);
    return {
      policy: run.policy,
      tau2: run.tau2,
      regret: last.regret,
      minorityShare: last.minorityShare ?? null,
      trueMinorityShare: last.trueMinorityShare ?? null,
      polarization: last.polarization,
    };
  });
}

/**
 * The τ trade-off at the last round, one point per policy: accuracy (regret, lower is better) against the minority
 * share of the lists (the users' true share as a dashed rule), and against polarization of true stances.
 */
export function tradeoffSpec(result: AuditResult): TopLevelSpec {
  const rows = tradeoffRows(result);
  const x: Channel<'x'> = { field: 'regret', type: 'quantitative', title: 'regret (all users; lower is better)', scale: { zero: false, padding: 30 } };
  // Colour and shape both name the policy (a reader who cannot tell the colours apart still can); no text labels:
  // policies close in regret would print them over each other.
  const points = (y: { field: string; title: string; format?: string }): LayerPart => ({
      mark: { type: 'point', filled: true, size: 150, opacity: 0.9 },
      encoding: {
        x,
        y: { field: y.field, type: 'quantitative', title: y.title, scale: { zero: false, padding: 20 }, ...(y.format ? { axis: { format: y.format } } : {}) },
        color: policyColour(result),
        shape: { field: 'policy', type: 'nominal', title: 'policy', scale: { domain: result.runs.map((run) => run.policy) } },
        tooltip: [{ field: 'policy' }, { field: 'tau2', title: 'τ²' }, { field: 'regret', format: '.3f' }, { field: y.field, format: '.3f' }],
      },
    });
  const trueShares = rows.map((row) => row.trueMinorityShare).filter((v): v is number => v !== null);
  const meanTrueShare = trueShares.length ? trueShares.reduce((a, b) => a + b, 0) / trueShares.length : undefined;
  const minorityPanel: ConcatPanel = {
    width: 330,
    height: 230,
    layer: [
      ...(meanTrueShare === undefined
        ? []
        : [{ data: { values: [{ trueShare: meanTrueShare }] }, mark: { type: 'rule', strokeDash: [5, 4], color: '#888' }, encoding: { y: { field: 'trueShare', type: 'quantitative' } } } satisfies LayerPart]),
      points({ field: 'minorityShare', title: 'minority share of lists', format: '.0%' }),
    ],
  };
  const polarizationPanel: ConcatPanel = { width: 330, height: 230, layer: [points({ field: 'polarization', title: 'polarization' })] };
  return {
    description: 'Trade-off at the last round: regret against minority share and against polarization, one point per policy',
    config: CHART_CONFIG,
    data: { values: rows },
    hconcat: [minorityPanel, polarizationPanel],
    resolve: { scale: { color: 'shared', shape: 'shared' } },
  };
}

/** Alerts counted per policy, round and scope. */
export interface AlertRow {
  readonly policy: string;
  readonly round: number;
  readonly scope: string;
  readonly alerts: number;
}

export function alertRows(result: AuditResult): AlertRow[] {
  const counts = new Map<string, AlertRow>();
  for (const run of result.runs) {
    for (const alert of run.alerts) {
      const key = JSON.stringify([run.policy, alert.round, alert.scope]);
      const row = counts.get(key);
      counts.set(key, { policy: run.policy, round: alert.round, scope: alert.scope, alerts: (row?.alerts ?? 0) + 1 });
    }
  }
  return [...counts.values()];
}

/** Reranks completed per policy and round; a run's i-th count belongs to its i-th measured round. */
export interface RerankRow {
  readonly policy: string;
  readonly round: number;
  readonly reranks: number;
}

export function rerankRows(result: AuditResult): RerankRow[] {
  return result.runs.flatMap((run) =>
    run.reranksPerRound.map((reranks, i) => ({ policy: run.policy, round: run.rounds[i]?.round ?? i, reranks })),
  );
}

/**
 * The alert and rerank timeline: alerts as circles per policy (row) and round, sized by count and coloured by scope
 * (left out when no alert was raised: a chart with nothing to draw), above the reranks completed per round per policy.
 */
export function timelineSpec(result: AuditResult): TopLevelSpec {
  const alerts = alertRows(result);
  const x = roundAxis(result);
  const alertPanel: ConcatPanel = {
    data: { values: alerts },
    width: 760,
    height: { step: 28 },
    mark: { type: 'circle', opacity: 0.8 },
    encoding: {
      x,
      y: { field: 'policy', type: 'nominal', title: null, sort: result.runs.map((run) => run.policy) },
      size: { field: 'alerts', type: 'quantitative', title: 'alerts', scale: { range: [30, 500] } },
      color: { field: 'scope', type: 'nominal', title: 'alert scope', scale: { domain: ['user', 'segment', 'population'], range: ['#e15759', '#f28e2b', '#76b7b2'] } },
    },
  };
  const rerankPanel: ConcatPanel = {
    data: { values: rerankRows(result) },
    width: 760,
    height: 150,
    mark: { type: 'line', interpolate: 'step-after', point: { size: 20 } },
    encoding: { x, y: { field: 'reranks', type: 'quantitative', title: 'reranks' }, color: policyColour(result) },
  };
  return {
    description: 'Alerts raised and reranks completed per round and policy',
    config: CHART_CONFIG,
    vconcat: alerts.length > 0 ? [alertPanel, rerankPanel] : [rerankPanel],
    resolve: { scale: { color: 'independent', size: 'independent' } },
  };
}
