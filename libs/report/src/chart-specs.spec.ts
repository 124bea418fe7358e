import { describe, expect, it } from 'vitest';
import { AUDIT_METRICS } from './audit-metrics';
import { alertRows, metricOverRoundsSpec, metricRows, rerankRows, timelineSpec, tradeoffRows, tradeoffSpec } from './chart-specs';
import { handMadeAudit } from './hand-made-audit.fixture';

const audit = handMadeAudit();
const POLICIES = ['aggregate-only', 'pooled', 'near-pure-personal', 'pooled-calibrated'];

/** A spec as plain JSON, to reach into without vega-lite's union types. */
function json(spec: unknown): any {
  return JSON.parse(JSON.stringify(spec));
}

describe('metricOverRoundsSpec', () => {
  it('charts every measure the issue names', () => {
    expect(AUDIT_METRICS.map((metric) => metric.key)).toEqual([
      'regret',
      'auc',
      'minorityShare',
      'calibrationKl',
      'exposureEntropy',
      'consumptionEntropy',
      'homogenization',
      'stanceReinforcement',
      'stanceExtremityChange',
      'polarization',
      'exposureGini',
      'populationHomogenization',
    ]);
  });

  for (const metric of AUDIT_METRICS) {
    it(`${metric.key}: rounds on x, the value on y, one colour per policy${metric.level === 'group' ? ', a column per planted group' : ''}`, () => {
      const spec = json(metricOverRoundsSpec(audit, metric));
      const unit = metric.level === 'group' ? spec.spec : spec;
      expect(unit.mark).toMatchObject({ type: 'line', point: { size: 16 } }); // points mark the measured rounds
      expect(unit.encoding.x).toMatchObject({ field: 'round', type: 'quantitative', scale: { domain: [0, 1] } });
      expect(unit.encoding.y).toMatchObject({ field: 'value', type: 'quantitative', title: metric.axisTitle });
      expect(unit.encoding.color).toMatchObject({ field: 'policy', type: 'nominal', scale: { domain: POLICIES } });
      if (metric.level === 'group') expect(spec.facet.column).toMatchObject({ field: 'group', sort: ['majority', 'minority', 'mixed'] });
      else expect(spec.facet).toBeUndefined();
      // 4 policies × 2 rounds, times 3 groups for a group measure; the minority share adds its true share, but only the
      // mixed group has one (4 × 2 × 1 served + 4 × 2 × 1 true).
      const expectedRows = metric.key === 'minorityShare' ? 16 : metric.level === 'group' ? 24 : 8;
      expect(spec.data.values).toHaveLength(expectedRows);
    });
  }

  it('draws the true minority share dashed beside the served share', () => {
    const spec = json(metricOverRoundsSpec(audit, AUDIT_METRICS.find((m) => m.key === 'minorityShare')!));
    expect(spec.spec.encoding.strokeDash).toMatchObject({ field: 'series', scale: { domain: ['served', 'true share'] } });
    const rows = metricRows(audit, AUDIT_METRICS.find((m) => m.key === 'minorityShare')!);
    expect(rows.filter((row) => row.policy === 'pooled' && row.round === 1)).toEqual([
      { policy: 'pooled', group: 'mixed', round: 1, series: 'served', value: 0.1 },
      { policy: 'pooled', group: 'mixed', round: 1, series: 'true share', value: 0.3 },
    ]);
    expect(json(metricOverRoundsSpec(audit, AUDIT_METRICS[0]!)).spec.encoding.strokeDash).toBeUndefined();
  });

  it('skips rounds without a value (AUC is not measured every round)', () => {
    const sparse = { ...audit, runs: audit.runs.map((run) => ({ ...run, rounds: run.rounds.map((r) => (r.round === 0 ? { ...r, groups: Object.fromEntries(Object.entries(r.groups).map(([g, m]) => [g, { ...m, auc: undefined }])) } : r)) })) };
    expect(metricRows(sparse, AUDIT_METRICS.find((m) => m.key === 'auc')!).map((row) => row.round)).toEqual(new Array(12).fill(1));
  });
});

describe('tradeoffSpec', () => {
  it('puts one point per policy at the last round: regret against minority share and against polarization', () => {
    const spec = json(tradeoffSpec(audit));
    expect(spec.hconcat).toHaveLength(2);
    const [minority, polarization] = spec.hconcat;
    const points = minority.layer.find((layer: any) => layer.mark.type === 'point');
    expect(points.encoding).toMatchObject({ x: { field: 'regret' }, y: { field: 'minorityShare' }, color: { field: 'policy' }, shape: { field: 'policy' } });
    expect(minority.layer.find((layer: any) => layer.mark.type === 'rule').data.values).toEqual([{ trueShare: expect.closeTo(0.3, 12) }]);
    expect(polarization.layer[0].encoding).toMatchObject({ x: { field: 'regret' }, y: { field: 'polarization' } });
    // Regret over all users weighted by group size: pooled (6·0.12 + 2·0.2 + 2·0.25) / 10 = 0.162.
    const pooled = tradeoffRows(audit).find((row) => row.policy === 'pooled')!;
    expect(pooled.regret).toBeCloseTo(0.162, 12);
    expect(pooled).toMatchObject({ tau2: 1, minorityShare: 0.1, trueMinorityShare: 0.3, polarization: 0.21 });
    expect(spec.data.values).toHaveLength(4);
  });
});

describe('timelineSpec', () => {
  it('counts alerts per policy, round and scope above the reranks per round', () => {
    expect(alertRows(audit)).toEqual([
      { policy: 'aggregate-only', round: 1, scope: 'user', alerts: 2 },
      { policy: 'near-pure-personal', round: 0, scope: 'population', alerts: 1 },
    ]);
    expect(rerankRows(audit).filter((row) => row.policy === 'pooled-calibrated')).toEqual([
      { policy: 'pooled-calibrated', round: 0, reranks: 0 },
      { policy: 'pooled-calibrated', round: 1, reranks: 7 },
    ]);
    const spec = json(timelineSpec(audit));
    expect(spec.vconcat).toHaveLength(2);
    expect(spec.vconcat[0].encoding).toMatchObject({ x: { field: 'round' }, y: { field: 'policy', sort: POLICIES }, size: { field: 'alerts' }, color: { field: 'scope' } });
    expect(spec.vconcat[1].encoding).toMatchObject({ x: { field: 'round' }, y: { field: 'reranks' }, color: { field: 'policy' } });
  });

  it('leaves the alert panel out when no alert was raised (it would draw nothing)', () => {
    const spec = json(timelineSpec({ ...audit, runs: audit.runs.map((run) => ({ ...run, alerts: [] })) }));
    expect(spec.vconcat).toHaveLength(1);
    expect(spec.vconcat[0].encoding.y.field).toBe('reranks');
  });
});
