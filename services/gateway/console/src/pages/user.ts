import type { GatewaySchemas } from '@chorus/api-client';
import { draw } from '../charts';
import { describeError, el, esc, fixed } from '../dom';
import { reliabilityHtml } from './reliability';
import type { Session } from '../session';

/**
 * A user: their model against the aggregate per category (posterior mean ± 2 sd), the divergence, their personas, the
 * accuracy list beside the newest calibrated one with C_KL before and after and the minority-interest share, and their
 * drift series, and their label reliability beside the effective weight of their judgments. The lists come from the admin read, which logs no exposure (an operator looking is not a serving).
 */
export function userPage(root: HTMLElement, session: Session, userId: string, domain: string): () => void {
  root.innerHTML = `
    <h1>A user</h1>
    <form id="user-form" class="filters">
      <label>User <input name="user" value="${esc(userId)}" required /></label>
      <label>Domain <input name="domain" value="${esc(domain)}" required /></label>
      <button>Show</button>
    </form>
    <div id="user-body"></div>`;
  el<HTMLFormElement>(root, '#user-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    location.hash = `#/users/${encodeURIComponent(form.get('user') as string)}?domain=${encodeURIComponent(form.get('domain') as string)}`;
  });
  if (!userId) return () => undefined;
  const body = el(root, '#user-body');
  body.innerHTML = '<p>Loading…</p>';
  void (async () => {
    const [model, aggregate, lists, series, reliability] = await Promise.all([
      session.gateway.GET('/v1/users/{id}/model', { params: { path: { id: userId }, query: { domain } } }),
      session.gateway.GET('/v1/models/aggregate', { params: { query: { domain } } }),
      session.gateway.GET('/v1/admin/users/{id}/lists', { params: { path: { id: userId }, query: { domain } } }),
      session.gateway.GET('/v1/admin/drift/series/users/{userId}', { params: { path: { userId }, query: { domain } } }),
      session.gateway.GET('/v1/users/{id}/reliability', { params: { path: { id: userId }, query: { domain } } }),
    ]);
    if (!model.data || !aggregate.data) {
      body.innerHTML = `<p class="error">${esc(describeError(model.error ?? aggregate.error))}</p>`;
      return;
    }
    body.innerHTML = `
      <section class="cards">
        <div class="card"><span>events seen</span><strong>${model.data.eventsSeen}</strong></div>
        <div class="card"><span>deviation from the aggregate (prior sd)</span><strong>${fixed(model.data.divergence.deviationNormInPriorSd)}</strong></div>
        <div class="card"><span>τ²</span><strong>${fixed(model.data.tau2, 2)}</strong></div>
      </section>
      <h2>Model against the aggregate (mean ± 2 sd per category)</h2>
      <div id="model-chart" class="chart"></div>
      <h2>Accuracy list and calibrated list</h2>
      <div id="lists">${lists.data ? listsHtml(lists.data) : `<p class="error">${esc(describeError(lists.error))}</p>`}</div>
      <h2>Personas</h2>
      <div id="personas">${personasHtml(model.data)}</div>
      <h2>Reliability</h2>
      <div id="reliability">${reliability.data ? reliabilityHtml(reliability.data, model.data.effectiveWeight) : `<p class="error">${esc(describeError(reliability.error))}</p>`}</div>
      <h2>Drift series</h2>
      <div id="series-chart" class="chart"></div>`;
    const categories = (weights: Record<string, { mean: number; sd: number }>, model: string) =>
      Object.entries(weights)
        .filter(([feature]) => feature.startsWith('cat:'))
        .map(([feature, w]) => ({ category: feature.slice(4), model, mean: w.mean, low: w.mean - 2 * w.sd, high: w.mean + 2 * w.sd }));
    const personal = Object.entries(model.data.personalized)
      .filter(([feature]) => feature.startsWith('cat:'))
      .map(([feature, mean]) => {
        const sd = model.data!.deviation[feature]?.sd ?? aggregate.data!.weights[feature]?.sd ?? 0;
        return { category: feature.slice(4), model: 'user', mean, low: mean - 2 * sd, high: mean + 2 * sd };
      });
    const values = [...categories(aggregate.data.weights, 'aggregate'), ...personal];
    await draw(el(body, '#model-chart'), {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 'container',
      height: 240,
      data: { values },
      encoding: { x: { field: 'category', type: 'nominal', title: null }, xOffset: { field: 'model' }, color: { field: 'model', type: 'nominal', title: null } },
      layer: [{ mark: 'rule', encoding: { y: { field: 'low', type: 'quantitative', title: 'weight' }, y2: { field: 'high' } } }, { mark: { type: 'point', filled: true }, encoding: { y: { field: 'mean', type: 'quantitative' } } }],
    });
    const target = el(body, '#series-chart');
    if (!series.data || series.data.points.length === 0) target.innerHTML = `<p class="note">${series.data ? 'No drift series for this user yet.' : esc(describeError(series.error))}</p>`;
    else
      await draw(target, {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        width: 'container',
        height: 200,
        data: { values: series.data.points },
        mark: { type: 'line', point: true },
        encoding: { x: { field: 'bucketStart', type: 'temporal', title: null }, y: { field: 'value', type: 'quantitative' }, color: { field: 'metric', type: 'nominal', title: null } },
      });
  })().catch((error: Error) => (body.innerHTML = `<p class="error">${esc(error.message)}</p>`));
  return () => undefined;
}

type UserLists = GatewaySchemas['UserLists'];

const share = (value: number) => `${(100 * value).toFixed(1)} %`;
const rankedList = (id: string, items: UserLists['accuracy']['items']) =>
  `<ol id="${id}">${items.map((item) => `<li>${esc(item.itemId)} <small>${fixed(item.score)}</small></li>`).join('')}</ol>`;

/** The two lists side by side: what accuracy alone ranks now, and the newest calibrated list with what it changed. */
function listsHtml(lists: UserLists): string {
  const calibrated = lists.calibrated;
  const right = calibrated
    ? `<h3>Calibrated <small>list ${esc(calibrated.listId.slice(0, 8))} · ${esc(calibrated.createdAt.replace('T', ' ').slice(0, 19))} · λ ${fixed(calibrated.lambda, 2)} · ${esc(calibrated.listSource)}</small></h3>
       <p>C_KL before <strong data-kl-before>${fixed(calibrated.klBefore)}</strong> → after <strong data-kl-after>${fixed(calibrated.klAfter)}</strong>
       · relevance kept ${fixed(calibrated.relevanceRetained)}</p>
       <p>Minority interests ${calibrated.minorityShare.categories.length ? esc(calibrated.minorityShare.categories.join(', ')) : '(none below the threshold)'}:
       profile <strong data-minority-profile>${share(calibrated.minorityShare.profileShare)}</strong>,
       accuracy list <strong data-minority-before>${share(calibrated.minorityShare.listShareBefore)}</strong>,
       calibrated list <strong data-minority-after>${share(calibrated.minorityShare.listShare)}</strong></p>
       ${rankedList('calibrated-list', calibrated.items)}`
    : '<h3>Calibrated</h3><p class="note" id="no-calibrated">No calibrated list was made for this user yet (POST /v1/admin/rerank).</p>';
  return `<div class="columns">
    <section><h3>Accuracy <small>top ${lists.accuracy.items.length} of ${lists.accuracy.candidates} unseen, as served now without calibration</small></h3>${rankedList('accuracy-list', lists.accuracy.items)}</section>
    <section>${right}</section>
  </div>`;
}

/** The user's personas as the model read returns them, with the latest open/merge decisions. */
function personasHtml(model: GatewaySchemas['UserModel']): string {
  if (model.personas.length === 0) return '<p class="note">No personas yet: the user has no events in this domain.</p>';
  const rows = model.personas
    .map((p) => `<tr data-persona="${p.id}"><td>${p.id}</td><td>${esc(p.label)}</td><td>${share(p.share)}</td><td>${fixed(p.mass, 1)}</td></tr>`)
    .join('');
  const decisions = model.personaDecisions
    .map((d) => (d.kind === 'open' ? `opened persona ${d.persona} at event ${d.atEvent} (evidence ${fixed(d.evidence, 2)} nats)` : `merged persona ${d.persona} into ${d.into} at event ${d.atEvent} (max z ${fixed(d.maxZ, 2)} on ${esc(d.feature)})`))
    .map((text) => `<li>${text}</li>`)
    .join('');
  return `<table id="persona-table"><thead><tr><th>persona</th><th>label</th><th>share</th><th>mass (events)</th></tr></thead><tbody>${rows}</tbody></table>${decisions ? `<ul class="note">${decisions}</ul>` : ''}`;
}

