import { draw } from '../charts';
import { describeError, el, esc } from '../dom';
import type { Session } from '../session';

/** One sample of the figures the gateway exposes, taken every poll. */
interface Sample {
  at: number;
  feedbackRequests: number;
  eventsApplied: number;
  endOffsets: Map<string, number>;
  queueJobs: Map<string, number>;
}

/** Sum of the samples of `name` whose labels include every `labels` pair, in a Prometheus text exposition. */
function metric(exposition: string, name: string, labels: Record<string, string> = {}): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[key!] = value!;
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) out.push({ labels: found, value: Number(match[3]) });
  }
  return out;
}

export function overviewPage(root: HTMLElement, session: Session, domain: string): () => void {
  root.innerHTML = `
    <h1>Overview</h1>
    <form id="domain-form" class="filters"><label>Domain <input name="domain" value="${esc(domain)}" /></label><button>Show</button></form>
    <section class="cards" id="cards"><p>Loading…</p></section>
    <h2>Events applied per second</h2>
    <div id="rate-chart" class="chart"></div>
    <h2>Feedback partitions</h2>
    <table id="partitions"><thead><tr><th>partition</th><th>end offset</th></tr></thead><tbody></tbody></table>
    <p class="note">From the gateway's /metrics and the aggregate model, polled every 2 s. Per-partition lag, dead letters by code and the prequential AUC are in the Grafana dashboard (infra/grafana).</p>`;
  el<HTMLFormElement>(root, '#domain-form').addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/overview?domain=${encodeURIComponent(new FormData(event.target as HTMLFormElement).get('domain') as string)}`;
  });
  const samples: Sample[] = [];
  const rates: { at: string; perSecond: number }[] = [];
  let timer: number | undefined;
  let stopped = false;

  const poll = async () => {
    const [metricsAnswer, aggregate, openAlerts] = await Promise.all([
      fetch('/metrics', { headers: { authorization: `Bearer ${session.apiKey}` } }),
      session.gateway.GET('/v1/models/aggregate', { params: { query: { domain } } }),
      session.gateway.GET('/v1/admin/drift/alerts', { params: { query: { acknowledged: 'false', limit: '500' } } }),
    ]);
    const exposition = metricsAnswer.ok ? await metricsAnswer.text() : '';
    const sample: Sample = {
      at: Date.now(),
      feedbackRequests: metric(exposition, 'gateway_http_request_seconds_count', { route: '/v1/feedback', status: '202' }).reduce((sum, s) => sum + s.value, 0),
      eventsApplied: aggregate.data?.eventsSeen ?? 0,
      endOffsets: new Map(metric(exposition, 'gateway_feedback_end_offset').map((s) => [s.labels.partition!, s.value])),
      queueJobs: new Map(metric(exposition, 'gateway_queue_jobs').map((s) => [`${s.labels.queue}:${s.labels.state}`, s.value])),
    };
    const previous = samples[samples.length - 1];
    samples.push(sample);
    const seconds = previous ? (sample.at - previous.at) / 1000 : 0;
    const applied = previous && seconds > 0 ? (sample.eventsApplied - previous.eventsApplied) / seconds : undefined;
    const accepted = previous && seconds > 0 ? (sample.feedbackRequests - previous.feedbackRequests) / seconds : undefined;
    if (applied !== undefined) rates.push({ at: new Date(sample.at).toISOString(), perSecond: applied });
    const open = openAlerts.data ? `${openAlerts.data.items.length}${openAlerts.data.nextCursor ? '+' : ''}` : describeError(openAlerts.error);
    const card = (id: string, label: string, value: string) => `<div class="card" data-figure="${id}"><span>${esc(label)}</span><strong>${esc(value)}</strong></div>`;
    el(root, '#cards').innerHTML = [
      card('events-applied', `events applied (${domain})`, aggregate.data ? String(sample.eventsApplied) : describeError(aggregate.error)),
      card('applied-rate', 'applied / s', applied === undefined ? '…' : applied.toFixed(1)),
      card('feedback-rate', 'feedback requests / s', accepted === undefined ? '…' : accepted.toFixed(1)),
      card('rerank-waiting', 'rerank jobs waiting', String(sample.queueJobs.get('rerank:waiting') ?? '—')),
      card('deliveries-waiting', 'webhook deliveries waiting', String(sample.queueJobs.get('webhook-deliveries:waiting') ?? '—')),
      card('open-alerts', 'open drift alerts', open),
    ].join('');
    el(root, '#partitions tbody').innerHTML = [...sample.endOffsets]
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([partition, offset]) => `<tr><td>${esc(partition)}</td><td>${offset}</td></tr>`)
      .join('');
    if (rates.length > 0) {
      await draw(el(root, '#rate-chart'), {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        width: 'container',
        height: 160,
        data: { values: rates.slice(-150) },
        mark: { type: 'line', point: true },
        encoding: { x: { field: 'at', type: 'temporal', title: null }, y: { field: 'perSecond', type: 'quantitative', title: 'events / s' } },
      });
    }
  };
  const loop = async () => {
    if (stopped) return;
    await poll().catch((error: Error) => (el(root, '#cards').innerHTML = `<p class="error">${esc(error.message)}</p>`));
    if (!stopped) timer = window.setTimeout(loop, 2_000);
  };
  void loop();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}
