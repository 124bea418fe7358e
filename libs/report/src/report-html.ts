import type { AuditResult } from '@chorus/simulation';
import { AUDIT_METRICS } from './audit-metrics';
import { alertRows, metricOverRoundsSpec, timelineSpec, tradeoffSpec } from './chart-specs';
import { readingOfResult } from './result-reading';
import { alertSignalTable, detectionTable, policyTable, spreadTable, summaryTable } from './summary-table';
import { attribute, embeddedJson, figure, htmlTable, pageOpening, text } from './html-page';
import { renderSvg } from './svg.renderer';

export interface ReportHtmlOptions {
  /** The JSON file written beside the report (linked from it). Default 'audit.json'. */
  readonly jsonFileName?: string;
}

/**
 * The report as one self-contained HTML file: inline CSS, the charts as inline SVG rendered in Node from Vega-Lite
 * specifications, tables as HTML, and the result itself embedded as JSON (a data block, never executed). It needs no
 * script to be read and fetches nothing: it holds no URL.
 */
export async function renderReportHtml(result: AuditResult, options: ReportHtmlOptions = {}): Promise<string> {
  const jsonFileName = options.jsonFileName ?? 'audit.json';
  const metricFigures: string[] = [];
  for (const metric of AUDIT_METRICS) {
    metricFigures.push(figure(`chart-${metric.key}`, metric.title, await renderSvg(metricOverRoundsSpec(result, metric)), metric.caption));
  }
  const tradeoff = figure(
    'chart-tradeoff',
    'The τ trade-off at the last round',
    await renderSvg(tradeoffSpec(result)),
    'One point per policy, over all users. Left: regret against the minority-interest share of the lists (dashed: the users’ true share). Right: regret against the Esteban–Ray polarization of true stances.',
  );
  const noAlerts = alertRows(result).length === 0 ? ' No alert was raised in any run, so only the reranks are drawn.' : '';
  const timeline = figure(
    'chart-timeline',
    'Alerts and reranks over rounds',
    await renderSvg(timelineSpec(result)),
    `Top: drift alerts per policy and round, sized by count, coloured by scope. Bottom: calibrated lists the reranker completed per round (reranks).${noAlerts}`,
  );
  return `${pageOpening(result.title)}
<p class="meta">Aggregation audit · finished ${text(result.generatedAt)} · seed ${result.seed} ·
${result.population.users} users (${Object.entries(result.population.groups).map(([group, n]) => `${text(group)} ${n}`).join(', ')}) · ${result.population.items} items · domain ${text(result.population.domain)}</p>
<p class="meta">${Object.entries(result.options).map(([key, value]) => `<span class="option">${text(key)} <b>${text(String(value))}</b></span>`).join(' ')}</p>
</header>
<section id="reading">
<h2>Reading of the result</h2>
<p class="reading">${readingOfResult(result).map(text).join(' ')}</p>
</section>
<section id="policies">
<h2>Policies</h2>
${policiesTable(result)}
</section>
<section id="summary">
<h2>At the last round</h2>
<h3>Per planted group</h3>
${htmlTable(summaryTable(result), 'summary')}
<h3>Per policy, over all users</h3>
${htmlTable(policyTable(result), 'policy-figures')}
${
  result.spread?.length
    ? `<h3>Run to run: the headline figures over ${result.spread[0]!.seeds.length} seeds</h3>
<p>The same audit run again with other seeds (the tables and charts show the first run). Part of the spread is the seed (population, sessions, narrowed users), part the live pipeline’s timing: the gateway serves from a model cache refreshed every 2 s, so when it was filled changes the lists.</p>
${htmlTable(spreadTable(result), 'spread')}`
    : ''
}
</section>
<section id="tradeoff">
<h2>Policies against each other</h2>
${tradeoff}
</section>
<section id="metrics">
<h2>Measures over rounds, against the planted truth</h2>
${metricFigures.join('\n')}
</section>
<section id="timeline">
<h2>What the live pipeline did</h2>
${timeline}
</section>
<section id="detection">
<h2>Detection against what was planted</h2>
${result.detection?.length ? htmlTable(detectionTable(result), 'detection') : '<p>No detection was scored in this run.</p>'}
${
  result.alertSignal?.length
    ? `<h3>Alerts: signal against noise</h3>
<p>Every alert of the run judged against what was planted. On a narrowing metric (a user’s consumption or exposure entropy, the population’s mean of either) an alert is true when it matches the planted narrowing (a planted user, or the population, from the onset) and a false alarm otherwise; alerts on other metrics have nothing planted to be judged against.</p>
${htmlTable(alertSignalTable(result), 'alert-signal')}`
    : ''
}
</section>
<section id="data">
<h2>Data</h2>
<p>Every number in this report is in <a href="${attribute(encodeURIComponent(jsonFileName))}">${text(jsonFileName)}</a> beside this file, and embedded in it (the <code>audit-result</code> block), so the report can be drawn again from either.</p>
</section>
</main>
<script type="application/json" id="audit-result">${embeddedJson(result)}</script>
</body>
</html>
`;
}

function policiesTable(result: AuditResult): string {
  return htmlTable(
    {
      header: ['policy', 'what it serves', 'τ²', 'calibrated', 'events', 'seconds'],
      rows: result.runs.map((run) => [run.policy, run.description, String(run.tau2), run.calibrated ? 'yes' : 'no', String(run.events), run.seconds.toFixed(1)]),
    },
    'policies',
  );
}

