import type { TopLevelSpec } from 'vega-lite';
import { alertNoise, alertNoiseReading } from './alert-noise';
import { attribute, embeddedJson, figure, htmlTable, pageOpening, text } from './html-page';
import { alertCountSpec, aucOverTimeSpec, lambdaSweepSpec, tauSweepSpec } from './replay-charts';
import type { ReplayReport } from './replay-report';
import { alertNoiseTable, alertTable, lambdaSweepTable, rerankingTable, replayPolicyTable } from './replay-tables';
import { renderSvg } from './svg.renderer';

/**
 * The MovieLens replay's report as one self-contained HTML page, in the audit report's look (html-page.ts): charts as
 * inline SVG rendered in Node from Vega-Lite, tables, the report embedded as JSON (a data block, never executed), no URL.
 */
export async function renderReplayHtml(report: ReplayReport, options: { jsonFileName?: string } = {}): Promise<string> {
  const jsonFileName = options.jsonFileName ?? 'replay.json';
  const chart = async (id: string, title: string, spec: TopLevelSpec | undefined, caption: string, none: string) =>
    spec === undefined ? `<p class="none" id="${id}-none">${text(none)}</p>` : figure(id, title, await renderSvg(spec), caption);
  const noise = alertNoise(report.alerts, report.alertExposure);
  const r = report.run;
  return `${pageOpening(report.title)}
<p class="meta">MovieLens replay · finished ${text(report.generatedAt)} · ${report.data.replayed} of ${report.data.ratings} ratings replayed · ${report.data.users} users · ${report.data.items} items · from ${text(report.data.source)}</p>
<p class="meta">${Object.entries(report.options).map(([key, value]) => `<span class="option">${text(key)} <b>${text(String(value))}</b></span>`).join(' ')}</p>
<p class="meta">${r.accepted} events accepted, ${r.applied} applied, ${r.deadLettered} dead-lettered, ${r.duplicates} duplicates · ingest → learned ${r.ingestSeconds.toFixed(1)} s · offline sweeps: τ² ${r.tauSweepSeconds.toFixed(1)} s, λ ${r.calibrationSweepSeconds.toFixed(1)} s · total ${r.totalSeconds.toFixed(1)} s${r.stopped.length ? ` · STOPPED WITH AN ERROR: ${text(r.stopped.map((s) => `${s.service} (${s.code})`).join(', '))}` : ''}</p>
</header>
<section id="auc">
<h2>Prequential AUC per policy</h2>
<p>Every rating is scored by the models before they learn it (positive = rating ≥ 4). “live” is what the running learner scored (its aggregate, and the personalized model at the τ² it used); “offline” is the τ² sweep run with the same libraries (libs/reward) on the same events, one aggregate and a user model per τ² (τ² = 0 is the aggregate alone).</p>
${htmlTable(replayPolicyTable(report), 'policies')}
${await chart('chart-auc-over-time', 'AUC as the replay went on', aucOverTimeSpec(report), 'AUC of each policy over consecutive windows of the events, in replay order.', 'Too few events for AUC over windows.')}
${await chart('chart-tau-sweep', 'The τ² sweep', tauSweepSpec(report), 'Offline: AUC on the last 10% of events and on all of them, per fixed τ². Dashed: the live run’s personalized model (learned τ²) on the last 10%.', 'No τ² of the sweep had both classes to score.')}
</section>
<section id="reranking">
<h2>Calibrated reranking during the replay</h2>
<p>Lists the reranker made when drift-watch’s alerts asked for them (Steck’s greedy, against each user’s profile).</p>
${report.reranking.lists === 0 ? '<p class="none">No calibrated list was made.</p>' : htmlTable(rerankingTable(report), 'reranking')}
</section>
<section id="lambda">
<h2>Steck’s λ sweep</h2>
<p>The computation of <code>npm run experiment:calibration</code> on the replayed ratings: per user, the last ${text(`${Math.round(100 * Number(report.calibrationSweep.settings.testFraction))}%`)} of ratings held out; ${report.calibrationSweep.evaluated} users evaluated.</p>
${report.calibrationSweep.rows.length === 0 ? '' : htmlTable(lambdaSweepTable(report), 'lambda')}
${await chart('chart-lambda-sweep', 'Calibration against accuracy over λ', lambdaSweepSpec(report), 'Per λ: mean C_KL of the lists (lower is calibrated), precision@n against held-out positives, relevance kept, minority share of the lists.', 'No user had enough ratings for the λ sweep.')}
</section>
<section id="alerts">
<h2>Drift alerts: signal or noise?</h2>
${await chart('chart-alerts', 'Alerts per metric', alertCountSpec(report), 'drift-watch’s alerts during the replay, per metric, coloured by scope.', 'drift-watch raised no alert.')}
${report.alerts.length === 0 ? '' : htmlTable(alertTable(report), 'alerts')}
${htmlTable(alertNoiseTable(noise), 'alert-noise')}
<p class="reading">${alertNoiseReading(noise).map(text).join(' ')}</p>
</section>
<section id="data">
<h2>Data</h2>
<p>Every number in this report is in <a href="${attribute(encodeURIComponent(jsonFileName))}">${text(jsonFileName)}</a> beside this file, and embedded in it (the <code>replay-report</code> block).</p>
</section>
</main>
<script type="application/json" id="replay-report">${embeddedJson(report)}</script>
</body>
</html>
`;
}
