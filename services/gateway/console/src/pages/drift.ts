import type { GatewaySchemas } from '@chorus/api-client';
import { followAlerts, type StreamedAlert } from '../alert-stream';
import { draw } from '../charts';
import { describeError, el, esc, fixed } from '../dom';
import type { Session } from '../session';

type Alert = StreamedAlert & Partial<Pick<GatewaySchemas['StoredDriftAlert'], 'acknowledgedAt' | 'acknowledgedBy' | 'occurrences'>>;

export interface DriftFilters {
  domain: string;
  scope: string;
  metric: string;
  severity: string;
}

const SCOPES = ['', 'user', 'segment', 'population'];
const SEVERITIES = ['', 'warning', 'critical'];

function select(name: string, options: string[], value: string): string {
  return `<select name="${name}">${options.map((o) => `<option value="${esc(o)}"${o === value ? ' selected' : ''}>${esc(o || 'any')}</option>`).join('')}</select>`;
}

export function driftPage(root: HTMLElement, session: Session, filters: DriftFilters): () => void {
  root.innerHTML = `
    <h1>Drift</h1>
    <form id="filters" class="filters">
      <label>Domain <input name="domain" value="${esc(filters.domain)}" placeholder="any" /></label>
      <label>Scope ${select('scope', SCOPES, filters.scope)}</label>
      <label>Metric <input name="metric" value="${esc(filters.metric)}" placeholder="any" /></label>
      <label>Severity ${select('severity', SEVERITIES, filters.severity)}</label>
      <button>Filter</button>
    </form>
    <p>Live feed: <span id="stream-state" data-state="connecting">connecting…</span></p>
    <h2>Population series</h2>
    <div id="series-chart" class="chart"><p class="note">Choose a domain (and a metric) to draw its population series with the alerts marked.</p></div>
    <h2>Alerts</h2>
    <table id="alerts"><thead><tr><th>raised</th><th>severity</th><th>scope</th><th>subject</th><th>domain</th><th>metric</th><th>value / baseline</th><th></th></tr></thead><tbody></tbody></table>`;
  el<HTMLFormElement>(root, '#filters').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new URLSearchParams(new FormData(event.target as HTMLFormElement) as unknown as Record<string, string>);
    for (const [key, value] of [...form]) if (!value) form.delete(key);
    location.hash = `#/drift?${form}`;
  });

  const alerts = new Map<string, Alert>();
  const live = new Set<string>();
  const render = () => {
    const rows = [...alerts.values()].sort((a, b) => b.raisedAt.localeCompare(a.raisedAt));
    el(root, '#alerts tbody').innerHTML = rows
      .map(
        (a) => `<tr data-alert="${esc(a.alertId)}" class="${live.has(a.alertId) ? 'live' : ''}">
          <td>${esc(a.raisedAt.replace('T', ' ').slice(0, 19))}</td><td class="sev-${esc(a.severity)}">${esc(a.severity)}</td><td>${esc(a.scope)}</td>
          <td>${a.scope === 'user' ? `<a href="#/users/${encodeURIComponent(a.subject)}?domain=${encodeURIComponent(a.domain)}">${esc(a.subject)}</a>` : esc(a.subject)}</td>
          <td>${esc(a.domain)}</td><td>${esc(a.metric)}</td><td>${fixed(a.value)} / ${fixed(a.baseline)}</td>
          <td>${a.acknowledgedAt ? `acknowledged by ${esc(a.acknowledgedBy)}` : `<button data-ack="${esc(a.alertId)}">Acknowledge</button>`}</td></tr>`,
      )
      .join('');
  };
  el(root, '#alerts').addEventListener('click', async (event) => {
    const id = (event.target as HTMLElement).dataset.ack;
    if (!id) return;
    const answer = await session.gateway.POST('/v1/admin/drift/alerts/{id}/ack', { params: { path: { id } }, body: { note: 'acknowledged in the console' } });
    if (answer.data) alerts.set(id, answer.data);
    else alert(`Could not acknowledge: ${describeError(answer.error)}`);
    render();
  });

  const query = {
    ...(filters.domain ? { domain: filters.domain } : {}),
    ...(filters.scope ? { scope: filters.scope as 'user' } : {}),
    ...(filters.metric ? { metric: filters.metric } : {}),
    ...(filters.severity ? { severity: filters.severity as 'warning' } : {}),
  };
  void session.gateway.GET('/v1/admin/drift/alerts', { params: { query: { ...query, limit: '100' } } }).then(({ data, error }) => {
    if (!data) return void (el(root, '#alerts tbody').innerHTML = `<tr><td colspan="8" class="error">${esc(describeError(error))}</td></tr>`);
    for (const a of data.items) if (!alerts.has(a.alertId)) alerts.set(a.alertId, a);
    render();
    void drawSeries();
  });

  const drawSeries = async () => {
    if (!filters.domain) return;
    const metric = filters.metric || [...alerts.values()].find((a) => a.domain === filters.domain && a.scope === 'population')?.metric;
    const { data, error } = await session.gateway.GET('/v1/admin/drift/series/population', { params: { query: { domain: filters.domain, ...(metric ? { metric } : {}) } } });
    if (left) return; // the page was left while the series loaded
    const target = el(root, '#series-chart');
    if (!data) return void (target.innerHTML = `<p class="error">${esc(describeError(error))}</p>`);
    if (data.points.length === 0) return void (target.innerHTML = '<p class="note">No population series stored for this domain yet.</p>');
    const marks = [...alerts.values()].filter((a) => a.domain === filters.domain && (!metric || a.metric === metric)).map((a) => ({ at: a.window.end, metric: a.metric, severity: a.severity }));
    await draw(target, {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 'container',
      height: 220,
      layer: [
        {
          data: { values: data.points.map((p) => ({ ...p, series: `${p.metric} · shard ${p.shard}` })) },
          mark: { type: 'line', point: true },
          encoding: { x: { field: 'bucketStart', type: 'temporal', title: null }, y: { field: 'value', type: 'quantitative', title: metric ?? 'value' }, color: { field: 'series', type: 'nominal', title: null } },
        },
        {
          data: { values: marks },
          mark: { type: 'rule', strokeDash: [4, 3] },
          encoding: { x: { field: 'at', type: 'temporal' }, color: { value: '#c0392b' }, tooltip: [{ field: 'metric' }, { field: 'severity' }] },
        },
      ],
    });
  };

  // A burst of streamed alerts redraws the series (and its alert marks) once.
  let redraw: number | undefined;
  let left = false;
  const redrawSoon = () => {
    window.clearTimeout(redraw);
    redraw = window.setTimeout(() => void drawSeries(), 300);
  };

  const streamQuery = new URLSearchParams();
  if (filters.domain) streamQuery.set('domains', filters.domain);
  if (filters.scope) streamQuery.set('scopes', filters.scope);
  if (filters.metric) streamQuery.set('metrics', filters.metric);
  if (filters.severity) streamQuery.set('severities', filters.severity);
  const stream = followAlerts(
    session.notifierUrl,
    session.apiKey,
    streamQuery,
    (alert) => {
      alerts.set(alert.alertId, { ...alerts.get(alert.alertId), ...alert });
      live.add(alert.alertId);
      // How many alerts the stream delivered, repeats included: a resumed stream must not send one twice.
      const state = el(root, '#stream-state');
      state.dataset.received = String(Number(state.dataset.received ?? 0) + 1);
      render();
      if (alert.domain === filters.domain) redrawSoon();
    },
    (status) => {
      const state = el(root, '#stream-state');
      state.dataset.state = status.state;
      state.textContent = status.detail ? `${status.state} (${status.detail})` : status.state;
    },
  );
  return () => {
    left = true;
    window.clearTimeout(redraw);
    stream.stop();
  };
}
