import './style.css';
import { describeError, el, esc } from './dom';
import { deliveriesPage } from './pages/deliveries';
import { driftPage } from './pages/drift';
import { overviewPage } from './pages/overview';
import { userPage } from './pages/user';
import { defaultNotifierUrl, forgetSession, openSession, savedSession, saveSession, type Session } from './session';

const page = el(document, '#page');
let leave: () => void = () => undefined;

function loginPage(message?: string): void {
  el(document, '#nav').hidden = true;
  page.innerHTML = `
    <h1>Log in</h1>
    <form id="login" class="login">
      <label>API key <input name="apiKey" type="password" autocomplete="off" required /></label>
      <label>Notifier <input name="notifierUrl" value="${esc(defaultNotifierUrl())}" required /></label>
      <button>Log in</button>
      <p id="login-error" class="error" role="alert">${esc(message ?? '')}</p>
      <p class="note">The key is kept for this tab only (sessionStorage). It needs the admin scope (<code>gateway cli api-key create --scopes admin</code>).</p>
    </form>`;
  el<HTMLFormElement>(page, '#login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const session = openSession(String(form.get('apiKey')).trim(), String(form.get('notifierUrl')).trim().replace(/\/+$/, ''));
    // One admin read proves the key and its scope; its error says exactly what is wrong.
    const { error, response } = await session.gateway.GET('/v1/admin/drift/alerts', { params: { query: { limit: '1' } } });
    if (error) {
      el(page, '#login-error').textContent = `The gateway refused this key — ${describeError(error, response.status)}`;
      return;
    }
    saveSession(session);
    route();
  });
}

function route(): void {
  leave();
  leave = () => undefined;
  const session: Session | undefined = savedSession();
  if (!session) return loginPage();
  el(document, '#nav').hidden = false;
  const [path = '', search = ''] = location.hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean);
  for (const link of document.querySelectorAll<HTMLAnchorElement>('#nav a')) link.classList.toggle('active', link.hash.slice(2) === (parts[0] ?? 'overview'));
  const domain = query.get('domain') ?? 'movies';
  switch (parts[0]) {
    case 'drift':
      leave = driftPage(page, session, { domain: query.get('domain') ?? '', scope: query.get('scope') ?? '', metric: query.get('metric') ?? '', severity: query.get('severity') ?? '' });
      break;
    case 'users':
      leave = userPage(page, session, decodeURIComponent(parts[1] ?? ''), domain);
      break;
    case 'deliveries':
      leave = deliveriesPage(page, session);
      break;
    default:
      leave = overviewPage(page, session, domain);
  }
}

el(document, '#logout').addEventListener('click', () => {
  forgetSession();
  location.hash = '';
  route();
});
window.addEventListener('hashchange', route);
route();
