import { describeError, el, esc } from '../dom';
import type { Session } from '../session';

/** The calling key's webhook subscriptions with their delivery logs and a test ping; the queues are in Bull Board. */
export function deliveriesPage(root: HTMLElement, session: Session): () => void {
  root.innerHTML = `
    <h1>Reranks &amp; deliveries</h1>
    <p>Rerank jobs and webhook deliveries, queue by queue: <a href="/admin/queues" target="_blank" rel="noopener">Bull Board</a> (log in with any user name and the API key as password).</p>
    <h2>Subscriptions of this key</h2>
    <div id="subscriptions"><p>Loading…</p></div>`;
  const load = async () => {
    const { data, error } = await session.notifier.GET('/v1/subscriptions');
    const target = el(root, '#subscriptions');
    if (!data) return void (target.innerHTML = `<p class="error">${esc(describeError(error))}</p>`);
    if (data.subscriptions.length === 0) return void (target.innerHTML = '<p class="note">No subscription for this key.</p>');
    const logs = await Promise.all(data.subscriptions.map((s) => session.notifier.GET('/v1/subscriptions/{id}/deliveries', { params: { path: { id: s.id }, query: { limit: '20' } } })));
    target.innerHTML = data.subscriptions
      .map(
        (s, i) => `<section class="subscription"><h3>${esc(s.description ?? s.url)} <small>${esc(s.url)}${s.active ? '' : ' (paused)'}</small> <button data-ping="${esc(s.id)}">Send a test ping</button></h3>
        <table><thead><tr><th>created</th><th>event</th><th>status</th><th>attempts</th><th>last answer</th></tr></thead><tbody>${(logs[i]?.data?.deliveries ?? [])
          .map((d) => `<tr><td>${esc(d.createdAt)}</td><td>${esc(d.event)}</td><td>${esc(d.status)}</td><td>${d.attempts}/${d.maxAttempts}</td><td>${esc(d.lastStatusCode ?? d.lastError ?? '')}</td></tr>`)
          .join('')}</tbody></table></section>`,
      )
      .join('');
  };
  el(root, '#subscriptions').addEventListener('click', async (event) => {
    const id = (event.target as HTMLElement).dataset.ping;
    if (!id) return;
    const { error } = await session.notifier.POST('/v1/subscriptions/{id}/ping', { params: { path: { id } } });
    if (error) alert(`Ping refused: ${describeError(error)}`);
    await load();
  });
  void load().catch((error: Error) => (el(root, '#subscriptions').innerHTML = `<p class="error">${esc(error.message)}</p>`));
  return () => undefined;
}
