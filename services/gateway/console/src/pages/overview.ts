import type { GatewaySchemas } from '@chorus/api-client';
import { draw } from '../charts';
import { describeError, el, esc } from '../dom';
import type { Session } from '../session';

/** One sample of the figures the gateway exposes, taken every poll. */
interface Sample {
  at: number;
  feedbackRequests: number;
  eventsApplied: number;
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
    <h2>Consumer lag per partition</h2>
    <table id="lag"><thead><tr><th>group</th><th>topic</th><th>partition</th><th>end offset</th><th>committed</th><th>lag</th></tr></thead><tbody></tbody></table>
    <h2>Prequential AUC: aggregate vs personalized</h2>
    <div id="auc-chart" class="chart"><p class="note">No prequential scores in this domain yet.</p></div>
    <p class="note" id="auc-note"></p>
    <h2>Dead letters by service and code</h2>
    <table id="dead-letters"><thead><tr><th>service</th><th>code</th><th>count</th></tr></thead><tbody></tbody></table>
    <p class="note">Polled every 2 s: the gateway's /metrics, the aggregate model, consumer lag from Kafka (cached by the gateway), the dead letters of the learner, drift-watch and the notifier, and the prequential AUC (each event scored by both models before they learned it).</p>`;
  el<HTMLFormElement>(root, '#domain-form').addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/overview?domain=${encodeURIComponent(new FormData(event.target as HTMLFormElement).get('domain') as string)}`;
  });
  const samples: Sample[] = [];
  const rates: { at: string; perSecond: number }[] = [];
  let timer: number | undefined;
  let stopped = false;

  const poll = async () => {
    const [metricsAnswer, aggregate, openAlerts, lag, deadLetters, auc] = await Promise.all([
      fetch('/metrics', { headers: { authorization: `Bearer ${session.apiKey}` } }),
      session.gateway.GET('/v1/models/aggregate', { params: { query: { domain } } }),
      session.gateway.GET('/v1/admin/drift/alerts', { params: { query: { acknowledged: 'false', limit: '500' } } }),
      session.gateway.GET('/v1/admin/overview/lag'),
      session.gateway.GET('/v1/admin/overview/dead-letters'),
      session.gateway.GET('/v1/admin/overview/prequential-auc', { params: { query: { domain } } }),
    ]);
    const exposition = metricsAnswer.ok ? await metricsAnswer.text() : '';
    const sample: Sample = {
      at: Date.now(),
      feedbackRequests: metric(exposition, 'gateway_http_request_seconds_count', { route: '/v1/feedback', status: '202' }).reduce((sum, s) => sum + s.value, 0),
      eventsApplied: aggregate.data?.eventsSeen ?? 0,
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
      card('total-lag', 'consumer lag (events)', lag.data ? String(lag.data.groups.reduce((sum, g) => sum + g.totalLag, 0)) : '—'),
      card('dead-letters', 'dead letters', deadLetters.data ? String(deadLetters.data.total) : '—'),
    ].join('');
    renderLag(root, lag.data, lag.error);
    el(root, '#dead-letters tbody').innerHTML = deadLetters.data
      ? deadLetters.data.codes
          .map((c) => `<tr data-service="${esc(c.service)}" data-code="${esc(c.code)}"><td>${esc(c.service)}</td><td>${esc(c.code)}</td><td>${c.count}</td></tr>`)
          .join('') || `<tr><td colspan="3" class="note">None.</td></tr>`
      : `<tr><td colspan="3" class="error">${esc(describeError(deadLetters.error))}</td></tr>`;
    await drawAuc(root, auc.data, auc.error);
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

function renderLag(root: HTMLElement, lag: GatewaySchemas['ConsumerLag'] | undefined, error: { code?: string; message?: string } | undefined): void {
  el(root, '#lag tbody').innerHTML = lag
    ? lag.groups
        .flatMap((g) =>
          g.partitions.map(
            (p) =>
              `<tr data-lag="${esc(`${g.group}/${g.topic}/${p.partition}`)}"><td>${esc(g.group)}</td><td>${esc(g.topic)}</td><td>${p.partition}</td><td>${esc(p.endOffset)}</td><td>${esc(p.committedOffset ?? '—')}</td><td>${p.lag}</td></tr>`,
          ),
        )
        .join('')
    : `<tr><td colspan="6" class="error">${esc(describeError(error))}</td></tr>`;
}

/** The AUC of both models per bucket of event time, one line each. */
async function drawAuc(root: HTMLElement, auc: GatewaySchemas['PrequentialAucSeries'] | undefined, error: { code?: string; message?: string } | undefined): Promise<void> {
  const target = el(root, '#auc-chart');
  if (!auc) return void (target.innerHTML = `<p class="error">${esc(describeError(error))}</p>`);
  el(root, '#auc-note').textContent = auc.points.length ? `Buckets of ${auc.bucketSeconds} s of event time; ${auc.approximation}.` : '';
  const values = auc.points.flatMap((p) => [
    ...(p.aggregate === null ? [] : [{ bucketStart: p.bucketStart, model: 'aggregate', auc: p.aggregate, weight: p.weight }]),
    ...(p.personalized === null ? [] : [{ bucketStart: p.bucketStart, model: 'personalized', auc: p.personalized, weight: p.weight }]),
  ]);
  if (values.length === 0) return void (target.innerHTML = '<p class="note">No prequential scores with both labels in this domain yet.</p>');
  target.dataset.points = String(auc.points.length);
  await draw(target, {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 'container',
    height: 180,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'bucketStart', type: 'temporal', title: 'event time' },
      y: { field: 'auc', type: 'quantitative', title: 'AUC', scale: { zero: false } },
      color: { field: 'model', type: 'nominal', title: null },
      tooltip: [{ field: 'bucketStart', type: 'temporal' }, { field: 'model' }, { field: 'auc', format: '.3f' }, { field: 'weight', title: 'events (weight)', format: '.1f' }],
    },
  });
}
