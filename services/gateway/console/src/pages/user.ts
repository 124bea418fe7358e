import { draw } from '../charts';
import { describeError, el, esc, fixed } from '../dom';
import type { Session } from '../session';

/**
 * A user: their model against the aggregate per category (posterior mean ± 2 sd), the divergence, the list they are
 * served (the calibrated one when fresh) with C_KL before and after calibration, and their drift series. Reading the
 * recommendations logs an exposure, as any read of them does.
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
    const [model, aggregate, served, series] = await Promise.all([
      session.gateway.GET('/v1/users/{id}/model', { params: { path: { id: userId }, query: { domain } } }),
      session.gateway.GET('/v1/models/aggregate', { params: { query: { domain } } }),
      session.gateway.GET('/v1/users/{id}/recommendations', { params: { path: { id: userId }, query: { domain, n: '10' } } }),
      session.gateway.GET('/v1/admin/drift/series/users/{userId}', { params: { path: { userId }, query: { domain } } }),
    ]);
    if (!model.data || !aggregate.data) {
      body.innerHTML = `<p class="error">${esc(describeError(model.error ?? aggregate.error))}</p>`;
      return;
    }
    const calibration = served.data?.calibration;
    body.innerHTML = `
      <section class="cards">
        <div class="card"><span>events seen</span><strong>${model.data.eventsSeen}</strong></div>
        <div class="card"><span>deviation from the aggregate (prior sd)</span><strong>${fixed(model.data.divergence.deviationNormInPriorSd)}</strong></div>
        <div class="card"><span>τ²</span><strong>${fixed(model.data.tau2, 2)}</strong></div>
      </section>
      <h2>Model against the aggregate (mean ± 2 sd per category)</h2>
      <div id="model-chart" class="chart"></div>
      <h2>Served list</h2>
      <div id="served">${
        served.data
          ? `<p>policy <strong data-policy>${esc(served.data.policy)}</strong>${
              calibration
                ? ` · calibrated list ${esc(calibration.listId.slice(0, 8))} · C_KL before <strong data-kl-before>${fixed(calibration.klBefore)}</strong> → after <strong data-kl-after>${fixed(calibration.klAfter)}</strong> · relevance kept ${fixed(calibration.relevanceRetained)} · λ ${fixed(calibration.lambda, 2)}`
                : ' (no fresh calibrated list: this is the accuracy list)'
            }</p>
            <ol id="served-list">${served.data.items.map((item) => `<li>${esc(item.itemId)} <small>${fixed(item.score)}</small></li>`).join('')}</ol>`
          : `<p class="error">${esc(describeError(served.error))}</p>`
      }</div>
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
