import { describe, expect, it } from 'vitest';
import { dashboardExpressions, exposedSeriesNames, metricNamesIn } from './promql-metric-names';

describe('metric names of PromQL', () => {
  it.each([
    ['sum by (outcome) (rate(learner_events_total{outcome="dead_lettered", x=~"a|b"}[5m]))', ['learner_events_total']],
    ['max by (partition) (gateway_feedback_end_offset) - on (partition) max by (partition) (learner_committed_offset)', ['gateway_feedback_end_offset', 'learner_committed_offset']],
    ['histogram_quantile(0.99, sum by (le) (rate(learner_flush_seconds_bucket[$__rate_interval])))', ['learner_flush_seconds_bucket']],
    ['up offset 5m > bool 0.5 and on() vector(1)', ['up']],
    ['sum(notifier_stream_clients) or label_replace(x_total, "a", "b", "c", "d")', ['notifier_stream_clients', 'x_total']],
    ['rate(a_total[1m]) / 1e3', ['a_total']],
  ])('%s reads %j', (expr, names) => {
    expect(metricNamesIn(expr)).toEqual(names);
  });

  it('collects the expressions of nested panels', () => {
    const dashboard = { panels: [{ targets: [{ expr: 'a' }] }, { type: 'row', panels: [{ targets: [{ expr: 'b' }, { refId: 'C' }] }] }] };
    expect(dashboardExpressions(dashboard)).toEqual(['a', 'b']);
  });

  it('reads the series an exposition offers from its TYPE lines', () => {
    const exposition = ['# HELP h_seconds x', '# TYPE h_seconds histogram', '# HELP c_total y', '# TYPE c_total counter', 'c_total{a="1"} 3'].join('\n');
    expect([...exposedSeriesNames(exposition)].sort()).toEqual(['c_total', 'h_seconds', 'h_seconds_bucket', 'h_seconds_count', 'h_seconds_sum']);
  });
});
